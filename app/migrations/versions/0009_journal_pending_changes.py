"""changes autosaved over a saved journal entry, kept apart until saved

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 10:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import app.crypto


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', app.crypto.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('pending_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_column('pending_at')
        batch_op.drop_column('pending')
