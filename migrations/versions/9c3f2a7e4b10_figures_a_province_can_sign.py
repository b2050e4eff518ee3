"""Figures a province can sign: first submission, reporting start, effective points, snapshots

Revision ID: 9c3f2a7e4b10
Revises: 5b1e0c7a9d21
Create Date: 2026-12-02 06:30:00

A report's timeliness is decided by its first submission (filled from the
audit trail's earliest "submit" for reports submitted before); a province has
a first reported month and its definition of a point operating effectively;
each submission keeps a snapshot of the period's figures.
"""
from alembic import op
import sqlalchemy as sa


revision = '9c3f2a7e4b10'
down_revision = '5b1e0c7a9d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('period_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_submitted_at', sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE period_report SET first_submitted_at = COALESCE("
        "(SELECT MIN(a.created_at) FROM audit_event a WHERE a.object_type = 'period_report' "
        "AND a.object_id = period_report.id AND a.action = 'submit'), submitted_at) "
        "WHERE submitted_at IS NOT NULL")
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporting_from', sa.Date(), nullable=True))
        for name in ('effective_needs_computer', 'effective_needs_visits', 'effective_needs_reports'):
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('effective_target_min', sa.Double(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('effective_target_max', sa.Double(), nullable=False, server_default='70'))
        batch_op.create_check_constraint(op.f('ck_unit_effective_target_order'), 'effective_target_min <= effective_target_max')
    op.create_table(
        'report_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['period_report.id'],
                                name=op.f('fk_report_snapshot_report_id_period_report'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot')),
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_snapshot_report_id'), ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_snapshot_report_id'))
    op.drop_table('report_snapshot')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_effective_target_order'), type_='check')
        for name in ('effective_target_max', 'effective_target_min', 'effective_needs_reports',
                     'effective_needs_visits', 'effective_needs_computer', 'reporting_from'):
            batch_op.drop_column(name)
    with op.batch_alter_table('period_report', schema=None) as batch_op:
        batch_op.drop_column('first_submitted_at')
