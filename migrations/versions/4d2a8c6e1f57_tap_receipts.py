"""Tap receipts: each tap counted once by the id the phone made for it

Revision ID: 4d2a8c6e1f57
Revises: 3e7d1b9a5c20
Create Date: 2026-12-02 10:50:00

A phone queues taps while offline and sends each again until the server
confirms it; the receipt (unique on the tap's id, written in the same
transaction as the count) makes a tap sent twice count once.
"""
from alembic import op
import sqlalchemy as sa


revision = '4d2a8c6e1f57'
down_revision = '3e7d1b9a5c20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tap_receipt',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('service', sa.String(length=20), nullable=False),
        sa.Column('reader_group', sa.String(length=20), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tap_receipt_user_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['point_id'], ['library_point.id'], name=op.f('fk_tap_receipt_point_id_library_point'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tap_receipt')),
    )
    with op.batch_alter_table('tap_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tap_receipt_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('tap_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tap_receipt_received_at'))
    op.drop_table('tap_receipt')
