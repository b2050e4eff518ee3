"""Reader visits, the province growth target, a version on units

Revision ID: 4ae95573e43d
Revises: 882f4f17773d
Create Date: 2026-11-22 09:09:31.785589

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4ae95573e43d'
down_revision = '882f4f17773d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('reader_group', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("reader_group IN ('children', 'students', 'adults', 'elderly')", name=op.f('ck_visit_count_reader_group')),
    sa.CheckConstraint("service IN ('reading', 'lending', 'computer', 'digital', 'community')", name=op.f('ck_visit_count_service')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_visit_count_count_not_negative')),
    sa.ForeignKeyConstraint(['point_id'], ['library_point.id'], name=op.f('fk_visit_count_point_id_library_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_count')),
    sa.UniqueConstraint('point_id', 'day', 'service', 'reader_group', name='uq_visit_count_cell')
    )
    with op.batch_alter_table('visit_count', schema=None) as batch_op:
        batch_op.create_index('ix_visit_count_point_day', ['point_id', 'day', 'count'], unique=False)

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('growth_target_min', sa.Double(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('growth_target_max', sa.Double(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(op.f('ck_unit_growth_target_order'), 'growth_target_min <= growth_target_max')



def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_growth_target_order'), type_='check')
        batch_op.drop_column('version')
        batch_op.drop_column('growth_target_max')
        batch_op.drop_column('growth_target_min')

    with op.batch_alter_table('visit_count', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_count_point_day')

    op.drop_table('visit_count')
