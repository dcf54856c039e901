"""A unit may belong to a parent, a county-level district (county), that screens group by.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "county",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    # A nullable column with its reference is added in place (SQLite too): rebuilding the unit
    # table would break the references every other table holds to it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE township ADD COLUMN parent_id INTEGER REFERENCES county (id)")
    else:
        op.add_column("township", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_township_parent_id", "township", "county", ["parent_id"], ["id"])
    op.create_index("ix_township_parent_id", "township", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_township_parent_id", table_name="township")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_township_parent_id", "township", type_="foreignkey")
    op.drop_column("township", "parent_id")
    op.drop_table("county")
