"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from manage import migrate
from models.db import make_engine

PG = os.environ.get("TEST_DATABASE_URL", "")


def _assert_matches_models(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert set(SQLModel.metadata.tables) <= tables


def test_sqlite_migrations_match_models(tmp_path):
    _assert_matches_models(f"sqlite:///{tmp_path / 'm.db'}")


def test_postgresql_migrations_match_models():
    if not PG:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = make_url(PG)
    scratch = url.set(database=f"{url.database}_migrations")
    admin = make_engine(PG).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    _assert_matches_models(scratch.render_as_string(hide_password=False))


def test_a_deputy_entered_once_per_level_becomes_one_record(tmp_path):
    """Revision 0003: rows of one person (unit, name, constituency) at two levels become one
    record at the lower level listing the other; namesakes of one level stay two people."""
    from alembic import command
    from alembic.config import Config

    from manage import ROOT

    url = f"sqlite:///{tmp_path / 'levels.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "0002")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO township (id, code, name_zh, name_en, unit_type, sort_order, active)"
                " VALUES (1, 't', '测试镇', 'Test', 'town', 1, 1)"
            )
        )
        conn.execute(
            text("INSERT INTO constituency (id, township_id, name) VALUES (1, 1, '第1选区')")
        )
        for did, name, level in (
            (1, "赵五", "county"),
            (2, "赵五", "township"),
            (3, "王伟", "township"),
            (4, "王伟", "township"),
        ):
            conn.execute(
                text(
                    "INSERT INTO deputy (id, township_id, name, level, constituency_id,"
                    " is_presidium_member, gender, phone, has_fixed_income, active, entered_at)"
                    " VALUES (:id, 1, :name, :level, 1, 0, '', '', 1, 1, '2026-01-01')"
                ),
                {"id": did, "name": name, "level": level},
            )
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, level, other_levels, active FROM deputy ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, "county", "", 0),
        (2, "township", "county", 1),
        (3, "township", "", 1),
        (4, "township", "", 1),
    ]
