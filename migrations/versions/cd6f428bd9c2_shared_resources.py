"""Shared resources

Revision ID: cd6f428bd9c2
Revises: 77691f921302
Create Date: 2026-11-22 10:38:37.942952

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cd6f428bd9c2'
down_revision = '77691f921302'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shared_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('software', 'platform', 'lookup', 'ecatalogue', 'other')", name=op.f('ck_shared_resource_kind')),
    sa.CheckConstraint("link LIKE 'http://%' OR link LIKE 'https://%'", name=op.f('ck_shared_resource_link_is_web')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_shared_resource_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_resource'))
    )
    with op.batch_alter_table('shared_resource', schema=None) as batch_op:
        batch_op.create_index('ix_shared_resource_province_active', ['province_id', 'active'], unique=False)



def downgrade():
    with op.batch_alter_table('shared_resource', schema=None) as batch_op:
        batch_op.drop_index('ix_shared_resource_province_active')

    op.drop_table('shared_resource')
