"""Guarantees: the three ones with details and evidence, the platform register (opening hours,
retirement, stationed deputies), platform checks with evidence, integrated activities with their
deputies, outside deputies, voters reached, results and photos, and the commendation review.

Existing rows get empty texts and zero counts; existing commendations stay counted (approved).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:09:37.174110
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activitydeputy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["integratedactivity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"],
            ["deputy.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "deputy_id"),
    )
    with op.batch_alter_table("activitydeputy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activitydeputy_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activitydeputy_deputy_id"), ["deputy_id"], unique=False
        )

    op.create_table(
        "platformdeputy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deputy_id"],
            ["deputy.id"],
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "deputy_id"),
    )
    with op.batch_alter_table("platformdeputy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platformdeputy_deputy_id"), ["deputy_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platformdeputy_platform_id"), ["platform_id"], unique=False
        )

    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default=sa.text("'approved'"),
            )
        )
        batch_op.add_column(
            sa.Column(
                "return_reason",
                sqlmodel.sql.sqltypes.AutoString(length=300),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("photo", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_commendation_reviewed_by_id_app_user", "app_user", ["reviewed_by_id"], ["id"]
        )

    with op.batch_alter_table("integratedactivity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outside_city", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("outside_provincial", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("outside_national", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("voters_reached", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("results", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("photos", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("orgguarantee", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "department_name",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("department_evidence", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "staff_name",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("staff_since", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("staff_evidence", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "training_title",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("training_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("training_evidence", sa.Text(), nullable=False, server_default="")
        )

    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "opening_hours",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))

    with op.batch_alter_table("platformcheck", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("platformcheck", schema=None) as batch_op:
        batch_op.drop_column("evidence")

    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
        batch_op.drop_column("opening_hours")

    with op.batch_alter_table("orgguarantee", schema=None) as batch_op:
        batch_op.drop_column("training_evidence")
        batch_op.drop_column("training_date")
        batch_op.drop_column("training_title")
        batch_op.drop_column("staff_evidence")
        batch_op.drop_column("staff_since")
        batch_op.drop_column("staff_name")
        batch_op.drop_column("department_evidence")
        batch_op.drop_column("department_name")

    with op.batch_alter_table("integratedactivity", schema=None) as batch_op:
        batch_op.drop_column("photos")
        batch_op.drop_column("results")
        batch_op.drop_column("voters_reached")
        batch_op.drop_column("outside_national")
        batch_op.drop_column("outside_provincial")
        batch_op.drop_column("outside_city")

    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_commendation_reviewed_by_id_app_user", type_="foreignkey")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("photo")
        batch_op.drop_column("return_reason")
        batch_op.drop_column("status")

    with op.batch_alter_table("platformdeputy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platformdeputy_platform_id"))
        batch_op.drop_index(batch_op.f("ix_platformdeputy_deputy_id"))

    op.drop_table("platformdeputy")
    with op.batch_alter_table("activitydeputy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activitydeputy_deputy_id"))
        batch_op.drop_index(batch_op.f("ix_activitydeputy_activity_id"))

    op.drop_table("activitydeputy")
