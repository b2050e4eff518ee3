"""Maintenance schedules

Revision ID: a3c5e7d9b1f2
Revises: 4135a021546d
Create Date: 2026-12-02 14:20:00

A province's maintenance interval in months per equipment category, and an
item's own interval overriding it (NULL: the province's; 0: none).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7d9b1f2'
down_revision = '4135a021546d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('maintenance_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('cabinet', 'shelf', 'desk', 'chair', 'computer', 'printer', 'audio_visual', 'network', 'other')", name=op.f('ck_maintenance_interval_category')),
    sa.CheckConstraint('months >= 1 AND months <= 120', name=op.f('ck_maintenance_interval_months_range')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_maintenance_interval_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_interval')),
    sa.UniqueConstraint('province_id', 'category', name=op.f('uq_maintenance_interval_province_id_category'))
    )
    # A plain ADD COLUMN, as for received_precision: copying equipment_item on SQLite to add a CHECK fails
    # on a database with data, so the CHECK is added on PostgreSQL only (on SQLite the form limits it).
    op.add_column('equipment_item', sa.Column('maintenance_months', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(
            op.f('ck_equipment_item_maintenance_months'), 'equipment_item',
            "maintenance_months IS NULL OR (maintenance_months >= 0 AND maintenance_months <= 120)")


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ has it; the column carries no constraint there): copying
    # equipment_item through batch mode fails on SQLite once events refer to its rows.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_equipment_item_maintenance_months'), 'equipment_item', type_='check')
    op.drop_column('equipment_item', 'maintenance_months')
    op.drop_table('maintenance_interval')
