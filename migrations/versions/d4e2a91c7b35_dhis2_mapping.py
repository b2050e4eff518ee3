"""DHIS2 mapping of a province

Revision ID: d4e2a91c7b35
Revises: c29ecb146827
Create Date: 2026-12-02 14:30:00.000000

A province's mapping of our visit figures onto DHIS2: one dhis2_mapping per
province (how org units are named, the optional data set and attribute option
combo), its visit cells → data element and category option combo, and its
communes → org unit, and library points reported apart → org unit. The
dataValueSets export reads it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e2a91c7b35'
down_revision = 'c29ecb146827'
branch_labels = None
depends_on = None

SERVICES = ('reading', 'lending', 'computer', 'digital', 'community')
GROUPS = ('children', 'students', 'adults', 'elderly')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table('dhis2_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_scheme', sa.String(length=4), nullable=False),
    sa.Column('data_set', sa.String(length=11), nullable=False),
    sa.Column('attribute_option_combo', sa.String(length=11), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("org_unit_scheme IN ('uid', 'code')", name=op.f('ck_dhis2_mapping_org_unit_scheme')),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_dhis2_mapping_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2_mapping')),
    sa.UniqueConstraint('province_id', name=op.f('uq_dhis2_mapping_province_id'))
    )
    op.create_table('dhis2_cell_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mapping_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('reader_group', sa.String(length=20), nullable=False),
    sa.Column('data_element', sa.String(length=11), nullable=False),
    sa.Column('category_option_combo', sa.String(length=11), nullable=False),
    sa.CheckConstraint(_in('service', SERVICES), name=op.f('ck_dhis2_cell_map_service')),
    sa.CheckConstraint(_in('reader_group', GROUPS), name=op.f('ck_dhis2_cell_map_reader_group')),
    sa.ForeignKeyConstraint(['mapping_id'], ['dhis2_mapping.id'],
                            name=op.f('fk_dhis2_cell_map_mapping_id_dhis2_mapping'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2_cell_map')),
    sa.UniqueConstraint('mapping_id', 'service', 'reader_group',
                        name=op.f('uq_dhis2_cell_map_mapping_id_service_reader_group'))
    )
    op.create_table('dhis2_unit_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mapping_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('org_unit', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['mapping_id'], ['dhis2_mapping.id'],
                            name=op.f('fk_dhis2_unit_map_mapping_id_dhis2_mapping'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_dhis2_unit_map_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2_unit_map')),
    sa.UniqueConstraint('mapping_id', 'unit_id', name=op.f('uq_dhis2_unit_map_mapping_id_unit_id'))
    )
    op.create_table('dhis2_point_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mapping_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('org_unit', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['mapping_id'], ['dhis2_mapping.id'],
                            name=op.f('fk_dhis2_point_map_mapping_id_dhis2_mapping'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['point_id'], ['library_point.id'],
                            name=op.f('fk_dhis2_point_map_point_id_library_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2_point_map')),
    sa.UniqueConstraint('mapping_id', 'point_id', name=op.f('uq_dhis2_point_map_mapping_id_point_id'))
    )


def downgrade():
    op.drop_table('dhis2_point_map')
    op.drop_table('dhis2_unit_map')
    op.drop_table('dhis2_cell_map')
    op.drop_table('dhis2_mapping')
