"""A deputy of several congresses is one record: the further levels beside the counted one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deputy") as batch:
        batch.add_column(
            sa.Column(
                "other_levels",
                sqlmodel.sql.sqltypes.AutoString(length=60),
                nullable=False,
                server_default="",
            )
        )
    # Data: a person entered once per level before (same unit, name and constituency) becomes
    # one record at the lowest level, the others' levels listed on it and the copies retired.
    deputy = sa.table(
        "deputy",
        sa.column("id", sa.Integer),
        sa.column("township_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("level", sa.String),
        sa.column("constituency_id", sa.Integer),
        sa.column("active", sa.Boolean),
        sa.column("other_levels", sa.String),
    )
    order = ["township", "county", "city", "provincial", "national"]
    conn = op.get_bind()
    groups: dict[tuple, list] = {}
    for row in conn.execute(
        sa.select(
            deputy.c.id,
            deputy.c.township_id,
            deputy.c.name,
            deputy.c.level,
            deputy.c.constituency_id,
        ).where(deputy.c.active.is_(True), deputy.c.constituency_id.is_not(None))
    ):
        groups.setdefault((row.township_id, row.name, row.constituency_id), []).append(row)
    for rows in groups.values():
        levels = {r.level.lower() for r in rows}
        if len(rows) < 2 or len(levels) < len(rows):
            continue  # namesakes of one level are two people
        rows.sort(key=lambda r: order.index(r.level.lower()) if r.level.lower() in order else 9)
        keep, *copies = rows
        others = ",".join(r.level.lower() for r in copies)
        conn.execute(sa.update(deputy).where(deputy.c.id == keep.id).values(other_levels=others))
        conn.execute(
            sa.update(deputy).where(deputy.c.id.in_([r.id for r in copies])).values(active=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("deputy") as batch:
        batch.drop_column("other_levels")
