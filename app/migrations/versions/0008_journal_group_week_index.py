"""an index covering one small group's shared entries of a week

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:10:00.000000
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_journal_entry_group_week_sharing',
            ['small_group_id', 'week', 'sharing', 'draft', 'shared_at', 'version', 'updated_at'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_group_week_sharing')
