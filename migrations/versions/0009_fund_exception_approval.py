"""A justified exception of a fund rule waits for the district admin's approval.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("budget", "expense")


def upgrade() -> None:
    # Plain added columns (no table rebuild on SQLite); the empty default fills existing rows.
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("exception_status", sa.String(length=20), nullable=False, server_default=""),
        )
        op.add_column(
            table,
            sa.Column("exception_note", sa.String(length=500), nullable=False, server_default=""),
        )
        if op.get_bind().dialect.name == "sqlite":
            # SQLite adds a referencing column in place; alembic would rebuild the table.
            op.execute(
                sa.text(
                    f"ALTER TABLE {table} ADD COLUMN exception_decided_by_id INTEGER "
                    "REFERENCES app_user (id)"
                )
            )
        else:
            op.add_column(table, sa.Column("exception_decided_by_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                f"fk_{table}_exception_decided_by",
                table,
                "app_user",
                ["exception_decided_by_id"],
                ["id"],
            )
        op.add_column(
            table,
            sa.Column("exception_decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        )
        # An exception saved before approvals existed waits for the admin like a new one.
        op.execute(
            sa.text(f"UPDATE {table} SET exception_status = 'pending' WHERE exception_reason <> ''")
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            if op.get_bind().dialect.name != "sqlite":
                batch.drop_constraint(f"fk_{table}_exception_decided_by", type_="foreignkey")
            batch.drop_column("exception_decided_at")
            batch.drop_column("exception_decided_by_id")
            batch.drop_column("exception_note")
            batch.drop_column("exception_status")
