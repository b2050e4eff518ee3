"""A province's useful life of equipment per category (wear)

Revision ID: c29ecb146827
Revises: a5498d7d29a1
Create Date: 2026-12-02 14:05:47.708460

Wear follows Thông tư 23/2023/TT-BTC (app/equipment/wear.py); a province may
set another useful life for a category than the circular's. A new table only.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c29ecb146827'
down_revision = 'a5498d7d29a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wear_life',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('life_years', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('cabinet', 'shelf', 'desk', 'chair', 'computer', 'printer', 'audio_visual', 'network', 'other')", name=op.f('ck_wear_life_category')),
    sa.CheckConstraint('life_years >= 1 AND life_years <= 50', name=op.f('ck_wear_life_life_years_range')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_wear_life_province_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wear_life')),
    sa.UniqueConstraint('province_id', 'category', name=op.f('uq_wear_life_province_id_category'))
    )


def downgrade():
    op.drop_table('wear_life')
