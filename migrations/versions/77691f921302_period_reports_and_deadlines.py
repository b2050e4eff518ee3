"""Period reports and deadlines

Revision ID: 77691f921302
Revises: 4ae95573e43d
Create Date: 2026-11-22 10:11:59.082775

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '77691f921302'
down_revision = '4ae95573e43d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('period_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['unit.id'], name=op.f('fk_period_deadline_province_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_deadline')),
    sa.UniqueConstraint('province_id', 'year', 'month', name='uq_period_deadline_province_month')
    )
    op.create_table('period_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f('ck_period_report_status')),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_period_report_month_range')),
    sa.ForeignKeyConstraint(['commune_id'], ['unit.id'], name=op.f('fk_period_report_commune_id_unit')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_period_report_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_period_report_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_report')),
    sa.UniqueConstraint('commune_id', 'year', 'month', name='uq_period_report_commune_month')
    )
    with op.batch_alter_table('period_report', schema=None) as batch_op:
        batch_op.create_index('ix_period_report_month_status', ['year', 'month', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('period_report', schema=None) as batch_op:
        batch_op.drop_index('ix_period_report_month_status')

    op.drop_table('period_report')
    op.drop_table('period_deadline')
