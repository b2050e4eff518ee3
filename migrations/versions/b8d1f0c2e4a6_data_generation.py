"""The data's generation (app/pagecache.py)

Revision ID: b8d1f0c2e4a6
Revises: a3c5e7d9b1f2
Create Date: 2026-12-02 22:40:00.000000

One row: a random token that every commit that wrote anything changes. Pages
kept by the app servers are kept under it.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d1f0c2e4a6'
down_revision = 'a3c5e7d9b1f2'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.randbits(62)}])


def downgrade():
    op.drop_table('data_generation')
