"""One import batch model: attendance batches move into import_batch

Revision ID: 5b1e0c7a9d21
Revises: 711d448ddb23
Create Date: 2026-12-02 04:00:00

A batch belongs to a library point (equipment, visits) or to a training
session (attendance); a confirmed batch is kept for a day with saved_at set,
so a second confirmation can say it was already saved.
"""
from alembic import op
import sqlalchemy as sa


revision = '5b1e0c7a9d21'
down_revision = '711d448ddb23'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=False, server_default='file'))
        batch_op.add_column(sa.Column('saved_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('point_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('fk_import_batch_point_id_library_point', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_import_batch_point_id_library_point'), 'library_point',
                                    ['point_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_import_batch_session_id_training_session'), 'training_session',
                                    ['session_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_import_batch_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_session_id'), ['session_id'], unique=False)
        batch_op.create_check_constraint('one_owner', '(point_id IS NULL) <> (session_id IS NULL)')
    # Previews waiting for a confirmation move over; their owner is the session.
    op.execute("INSERT INTO import_batch (kind, session_id, user_id, source, filename, rows, created_at) "
               "SELECT 'attendance', session_id, user_id, source, filename, rows, created_at FROM attendance_batch")
    with op.batch_alter_table('attendance_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_batch_session_id'))
    op.drop_table('attendance_batch')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.alter_column('source', server_default=None)


def downgrade():
    op.create_table('attendance_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_attendance_batch_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_attendance_batch_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_batch'))
    )
    with op.batch_alter_table('attendance_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_batch_session_id'), ['session_id'], unique=False)
    op.execute("INSERT INTO attendance_batch (session_id, user_id, source, filename, rows, created_at) "
               "SELECT session_id, user_id, source, filename, rows, created_at FROM import_batch "
               "WHERE session_id IS NOT NULL AND saved_at IS NULL")
    op.execute("DELETE FROM import_batch WHERE point_id IS NULL OR saved_at IS NOT NULL")
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_constraint('one_owner', type_='check')
        batch_op.drop_index(batch_op.f('ix_import_batch_session_id'))
        batch_op.drop_index(batch_op.f('ix_import_batch_point_id'))
        batch_op.drop_constraint(batch_op.f('fk_import_batch_session_id_training_session'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_import_batch_point_id_library_point'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_import_batch_point_id_library_point'), 'library_point',
                                    ['point_id'], ['id'])
        batch_op.alter_column('point_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('saved_at')
        batch_op.drop_column('source')
        batch_op.drop_column('session_id')
