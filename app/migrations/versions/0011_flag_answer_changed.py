"""safety flags remember when the answer that raised them was changed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("safety_flag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answer_changed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("safety_flag", schema=None) as batch_op:
        batch_op.drop_column("answer_changed_at")
