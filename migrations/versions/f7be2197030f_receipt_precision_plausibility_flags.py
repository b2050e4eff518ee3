"""Receipt dates with their precision, plausibility flags

Revision ID: f7be2197030f
Revises: 5b8e2f4a9c31
Create Date: 2026-12-02 11:19:26.601680

An equipment item's receipt date may be known only to its month ("08/2013"):
received_precision says "day" or "month" (existing dates are days). A visit
count saved outside the range its history expects leaves a plausibility flag
for the province's follow-up.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7be2197030f'
down_revision = '5b8e2f4a9c31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plausibility_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('reader_group', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('expected_low', sa.Integer(), nullable=False),
    sa.Column('expected_high', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('flagged_by_id', sa.Integer(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('province_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("reader_group IN ('children', 'students', 'adults', 'elderly')", name=op.f('ck_plausibility_flag_reader_group')),
    sa.CheckConstraint("service IN ('reading', 'lending', 'computer', 'digital', 'community')", name=op.f('ck_plausibility_flag_service')),
    sa.CheckConstraint("source IN ('grid', 'import', 'tally')", name=op.f('ck_plausibility_flag_source')),
    sa.CheckConstraint("state IN ('open', 'checked', 'needs_fix')", name=op.f('ck_plausibility_flag_state')),
    sa.ForeignKeyConstraint(['flagged_by_id'], ['user_account.id'], name=op.f('fk_plausibility_flag_flagged_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['point_id'], ['library_point.id'], name=op.f('fk_plausibility_flag_point_id_library_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_plausibility_flag_reviewed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plausibility_flag')),
    sa.UniqueConstraint('point_id', 'day', 'service', 'reader_group', name='uq_plausibility_flag_cell')
    )
    # A plain ADD COLUMN. SQLite cannot add a CHECK to a table without copying
    # it, and copying equipment_item fails on a database with data: rows of
    # other tables refer to it and foreign keys are enforced. So the CHECK is
    # added on PostgreSQL only; on SQLite the form is what limits the values.
    op.add_column('equipment_item', sa.Column('received_precision', sa.String(length=5), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(
            op.f('ck_equipment_item_received_precision'), 'equipment_item',
            "received_precision IS NULL OR received_precision IN ('day', 'month')")
    op.execute("UPDATE equipment_item SET received_precision = 'day' WHERE received_on IS NOT NULL")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_equipment_item_received_precision'), 'equipment_item', type_='check')
    with op.batch_alter_table('equipment_item', schema=None) as batch_op:
        batch_op.drop_column('received_precision')
    op.drop_table('plausibility_flag')
