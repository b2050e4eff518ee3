"""Split lots, stock-take findings, central and district budgets

Revision ID: 4135a021546d
Revises: a199c1c1ab9f
Create Date: 2026-12-02 14:30:00

An equipment item may be split off another (split_from_id); an equipment event
may name how many of the item it concerned (quantity) and, on a stock-take, what
was found (outcome; existing stock-take confirmations are "present"). Funding
sources gain the central budget and the district budget.

SQLite cannot add a foreign key or change a CHECK with ALTER TABLE, and copying
equipment_item (batch mode) fails on a database with data: rows of other tables
refer to it and foreign keys are enforced. So on SQLite the new column carries
its REFERENCES clause in the ADD COLUMN, the new CHECKs on equipment_event are
left to the forms (as for received_precision), and the funding source CHECK is
widened in place by SQLite's documented procedure for loosening a constraint
(rewrite the table's schema text under writable_schema and bump schema_version;
every existing row satisfies the wider CHECK).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4135a021546d'
down_revision = 'a199c1c1ab9f'
branch_labels = None
depends_on = None

OLD_FUNDING = "funding_source IN ('bmgf', 'province', 'commune', 'donation', 'other')"
NEW_FUNDING = ("funding_source IN ('bmgf', 'central', 'province', 'district', 'commune', 'donation', "
               "'other')")
FK = 'fk_equipment_item_split_from_id_equipment_item'


def _sqlite_check(old, new):
    """Replace the text of a CHECK in equipment_item's schema (SQLite)."""
    bind = op.get_bind()
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'equipment_item'")
                       ).scalar()
    if old not in sql:
        raise RuntimeError(f"equipment_item has no CHECK ({old})")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'equipment_item'"),
                 {"sql": sql.replace(old, new)})
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    if bind.execute(sa.text("PRAGMA integrity_check")).scalar() != "ok":
        raise RuntimeError("equipment_item's schema did not survive the CHECK change")


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute(f"ALTER TABLE equipment_item ADD COLUMN split_from_id INTEGER CONSTRAINT {FK} "
                   "REFERENCES equipment_item (id)")
    else:
        op.add_column('equipment_item', sa.Column('split_from_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(FK), 'equipment_item', 'equipment_item', ['split_from_id'], ['id'])
    op.create_index('ix_equipment_item_split_from', 'equipment_item', ['split_from_id'], unique=False)
    op.add_column('equipment_event', sa.Column('quantity', sa.Integer(), nullable=True))
    op.add_column('equipment_event', sa.Column('outcome', sa.String(length=10), nullable=True))
    op.execute("UPDATE equipment_event SET outcome = 'present' WHERE kind = 'stocktake'")
    if sqlite:
        _sqlite_check(OLD_FUNDING, NEW_FUNDING)
    else:
        op.create_check_constraint(op.f('ck_equipment_event_quantity_not_negative'), 'equipment_event',
                                   "quantity IS NULL OR quantity >= 0")
        op.create_check_constraint(op.f('ck_equipment_event_outcome'), 'equipment_event',
                                   "outcome IS NULL OR outcome IN ('present', 'missing', 'condition', 'quantity')")
        op.drop_constraint(op.f('ck_equipment_item_funding_source'), 'equipment_item', type_='check')
        op.create_check_constraint(op.f('ck_equipment_item_funding_source'), 'equipment_item', NEW_FUNDING)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    # The two budgets go back to "other"; a split row stays a row of its own.
    op.execute("UPDATE equipment_item SET funding_source = 'other' WHERE funding_source IN ('central', 'district')")
    if sqlite:
        _sqlite_check(NEW_FUNDING, OLD_FUNDING)
    else:
        op.drop_constraint(op.f('ck_equipment_item_funding_source'), 'equipment_item', type_='check')
        op.create_check_constraint(op.f('ck_equipment_item_funding_source'), 'equipment_item', OLD_FUNDING)
        op.drop_constraint(op.f('ck_equipment_event_outcome'), 'equipment_event', type_='check')
        op.drop_constraint(op.f('ck_equipment_event_quantity_not_negative'), 'equipment_event', type_='check')
    with op.batch_alter_table('equipment_event', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('quantity')
    op.drop_index('ix_equipment_item_split_from', table_name='equipment_item')
    if sqlite:
        # SQLite drops no column a foreign key names: the table is rebuilt (on a database with data, only
        # with foreign keys off, as for received_precision's downgrade).
        with op.batch_alter_table('equipment_item', schema=None) as batch_op:
            batch_op.drop_column('split_from_id')  # its unnamed REFERENCES goes with it
    else:
        op.drop_constraint(op.f(FK), 'equipment_item', type_='foreignkey')
        op.drop_column('equipment_item', 'split_from_id')
