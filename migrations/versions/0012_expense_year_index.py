"""An index covering the year's expense sums per unit, category and month.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_expense_year_unit",
        "expense",
        ["budget_year", "township_id", "category", "amount_fen", "occurred_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_expense_year_unit", table_name="expense")
