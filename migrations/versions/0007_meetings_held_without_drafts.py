"""Meetings recorded are meetings held: the draft flag goes.

A presidium meeting without a supervision topic used to be saved only as a draft, and a draft
did not count as held. Every meeting recorded was held, so each existing draft becomes a meeting
held: it counts for T01/T02/T03 and, without a topic, T04 counts it as lacking one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The drafts become meetings held simply by losing the flag: nothing else told them apart.
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 too): a batch copy of the table would
    # trip the foreign keys of the supervision topics pointing at it.
    op.drop_column("meeting", "is_draft")


def downgrade() -> None:
    op.add_column(
        "meeting", sa.Column("is_draft", sa.Boolean(), nullable=False, server_default=sa.false())
    )
