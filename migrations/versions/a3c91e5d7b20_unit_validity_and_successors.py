"""Unit validity dates and successors, point moves, pre-2025 unit names

Revision ID: a3c91e5d7b20
Revises: f7be2197030f
Create Date: 2026-12-02 14:20:00

Communes merge: a unit gets valid_from / valid_to and the commune it merged
into (successor_id). point_move keeps which commune a library point belonged
to before a merger; unit_alias maps names and codes from before the 2025
reorganisation to today's communes.

The unit columns are plain ADD COLUMNs: copying the unit table (batch mode)
fails on a SQLite database with data, since every other table refers to it
and foreign keys are enforced. SQLite accepts a REFERENCES clause on an added
column whose default is NULL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c91e5d7b20'
down_revision = 'f7be2197030f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('unit', sa.Column('valid_from', sa.Date(), nullable=True))
    op.add_column('unit', sa.Column('valid_to', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE unit ADD COLUMN successor_id INTEGER REFERENCES unit (id)")
    else:
        op.add_column('unit', sa.Column('successor_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_unit_successor_id_unit'), 'unit', 'unit', ['successor_id'], ['id'])
    op.create_table('point_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=False),
    sa.Column('to_unit_id', sa.Integer(), nullable=False),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['from_unit_id'], ['unit.id'], name=op.f('fk_point_move_from_unit_id_unit')),
    sa.ForeignKeyConstraint(['point_id'], ['library_point.id'], name=op.f('fk_point_move_point_id_library_point'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id'], name=op.f('fk_point_move_to_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_move'))
    )
    op.create_index('ix_point_move_point_on', 'point_move', ['point_id', 'moved_on'], unique=False)
    op.create_table('unit_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('old_code', sa.String(length=10), nullable=False),
    sa.Column('old_name', sa.String(length=120), nullable=False),
    sa.Column('old_district', sa.String(length=120), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_unit_alias_province_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_alias_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_alias')),
    sa.UniqueConstraint('province_id', 'old_code', 'old_name', 'old_district', 'unit_id', name='uq_unit_alias')
    )


def downgrade():
    op.drop_table('unit_alias')
    op.drop_index('ix_point_move_point_on', table_name='point_move')
    op.drop_table('point_move')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_unit_successor_id_unit'), 'unit', type_='foreignkey')
    # SQLite (3.35+) drops a column that no index or constraint other than its REFERENCES names.
    op.execute("ALTER TABLE unit DROP COLUMN successor_id")
    op.drop_column('unit', 'valid_to')
    op.drop_column('unit', 'valid_from')
