"""Liquidation by decision: proposals and their items

Revision ID: a5498d7d29a1
Revises: a3c91e5d7b20
Create Date: 2026-12-02 14:05:07.145346

Liquidation by decision (Decree 151/2017/NĐ-CP): a librarian's proposal of items of a point, each
with a quantity; the province's decision; the council's minutes. An item is in at most one open
proposal (a partial unique index on the open lines).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5498d7d29a1'
down_revision = 'a3c91e5d7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('liquidation_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decision_number', sa.String(length=50), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('decision_issuer', sa.String(length=200), nullable=False),
    sa.Column('minutes_date', sa.Date(), nullable=True),
    sa.Column('council', sa.Text(), nullable=False),
    sa.Column('proceeds', sa.Integer(), nullable=True),
    sa.Column('minutes_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('proposed', 'approved', 'refused', 'withdrawn', 'liquidated')", name=op.f('ck_liquidation_proposal_state')),
    sa.CheckConstraint('proceeds IS NULL OR proceeds >= 0', name=op.f('ck_liquidation_proposal_proceeds_not_negative')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_liquidation_proposal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['minutes_by_id'], ['user_account.id'], name=op.f('fk_liquidation_proposal_minutes_by_id_user_account')),
    sa.ForeignKeyConstraint(['point_id'], ['library_point.id'], name=op.f('fk_liquidation_proposal_point_id_library_point')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_liquidation_proposal_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liquidation_proposal'))
    )
    with op.batch_alter_table('liquidation_proposal', schema=None) as batch_op:
        batch_op.create_index('ix_liquidation_proposal_point_state', ['point_id', 'state'], unique=False)
        batch_op.create_index('ix_liquidation_proposal_state', ['state'], unique=False)

    op.create_table('liquidation_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_liquidation_line_quantity_positive')),
    sa.ForeignKeyConstraint(['event_id'], ['equipment_event.id'], name=op.f('fk_liquidation_line_event_id_equipment_event')),
    sa.ForeignKeyConstraint(['item_id'], ['equipment_item.id'], name=op.f('fk_liquidation_line_item_id_equipment_item')),
    sa.ForeignKeyConstraint(['proposal_id'], ['liquidation_proposal.id'], name=op.f('fk_liquidation_line_proposal_id_liquidation_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liquidation_line'))
    )
    with op.batch_alter_table('liquidation_line', schema=None) as batch_op:
        batch_op.create_index('ix_liquidation_line_proposal', ['proposal_id'], unique=False)
        batch_op.create_index('uq_liquidation_line_open_item', ['item_id'], unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))



def downgrade():
    with op.batch_alter_table('liquidation_line', schema=None) as batch_op:
        batch_op.drop_index('uq_liquidation_line_open_item', sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
        batch_op.drop_index('ix_liquidation_line_proposal')

    op.drop_table('liquidation_line')
    with op.batch_alter_table('liquidation_proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_liquidation_proposal_state')
        batch_op.drop_index('ix_liquidation_proposal_point_state')

    op.drop_table('liquidation_proposal')
