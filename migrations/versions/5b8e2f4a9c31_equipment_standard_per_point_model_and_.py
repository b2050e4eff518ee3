"""Equipment standard per point model and progress report settings

Revision ID: 5b8e2f4a9c31
Revises: 4d2a8c6e1f57
Create Date: 2026-12-02 11:00:01

A province's equipment standard per model of library point (a line per
category, each version valid from the day it was saved) and the settings of
its progress report (the dispatch's deadline and the start date).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2f4a9c31'
down_revision = '4d2a8c6e1f57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standard_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('point_model', sa.String(length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('needs_internet', sa.Boolean(), nullable=False),
    sa.CheckConstraint("NOT needs_internet OR category = 'computer'", name=op.f('ck_standard_line_internet_for_computers')),
    sa.CheckConstraint("category IN ('cabinet', 'shelf', 'desk', 'chair', 'computer', 'printer', 'audio_visual', 'network', 'other')", name=op.f('ck_standard_line_category')),
    sa.CheckConstraint("point_model IN ('library_cultural_centre', 'internet_access_point', 'commune_library', 'reading_room', 'other')", name=op.f('ck_standard_line_point_model')),
    sa.CheckConstraint('min_quantity >= 0 AND min_quantity <= 999', name=op.f('ck_standard_line_min_quantity_range')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_standard_line_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_line')),
    sa.UniqueConstraint('province_id', 'point_model', 'valid_from', 'category', name=op.f('uq_standard_line_province_id_point_model_valid_from_category'))
    )
    op.create_table('standard_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_date IS NULL OR deadline IS NULL OR start_date <= deadline', name=op.f('ck_standard_settings_start_before_deadline')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_standard_settings_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_settings')),
    sa.UniqueConstraint('province_id', name=op.f('uq_standard_settings_province_id'))
    )


def downgrade():
    op.drop_table('standard_settings')
    op.drop_table('standard_line')
