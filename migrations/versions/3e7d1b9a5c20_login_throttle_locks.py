"""Login throttle: how many locks a key has had, so each lasts twice as long

Revision ID: 3e7d1b9a5c20
Revises: 9c3f2a7e4b10
Create Date: 2026-12-02 07:00:00

A lock's end now stays on its row after it has passed, and `locks` counts
them: the next lock of the same account, address or device is twice as long
(capped), until a day passes without one.
"""
from alembic import op
import sqlalchemy as sa


revision = '3e7d1b9a5c20'
down_revision = '9c3f2a7e4b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locks', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_column('locks')
