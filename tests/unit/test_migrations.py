"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select
from sqlmodel import SQLModel

from manage import migrate
from models.db import ROOT, make_engine, session_scope
from services import backup, rules
from tests.conftest import fresh_pg_database

FIRST_REVISION = "0001"

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
    _assert_matches_models(fresh_pg_database("migrations", PG))


# Columns that a revision dropped, with the value an old row held (they are NOT NULL there).
_OLD_COLUMN_VALUES = {("app_user", "failed_logins"): 0}


def _copy_rows(source: str, target: str) -> None:
    """Copy every row of ``source`` (at head) into ``target`` (at an older revision), column
    by column where both have the column."""
    src, dst = make_engine(source), make_engine(target)
    old = MetaData()
    old.reflect(dst)
    with src.connect() as reader, dst.begin() as writer:
        new = MetaData()
        new.reflect(src)
        for table in old.sorted_tables:
            if table.name == "alembic_version" or table.name not in new.tables:
                continue
            shared = [c.name for c in table.columns if c.name in new.tables[table.name].columns]
            rows = [dict(r._mapping) for r in reader.execute(select(new.tables[table.name]))]
            extra = {
                column: value
                for (name, column), value in _OLD_COLUMN_VALUES.items()
                if name == table.name
            }
            if rows:
                writer.execute(table.insert(), [{k: r[k] for k in shared} | extra for r in rows])
    src.dispose()
    dst.dispose()


@pytest.fixture(scope="module")
def demo_at_head(tmp_path_factory) -> str:
    """A SQLite database at head holding the demo's records (built once for the module)."""
    from seed.demo import generate_demo
    from seed.demo_users import create_demo_users

    url = f"sqlite:///{tmp_path_factory.mktemp('head') / 'head.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        generate_demo(session, year=2026, seed=1, as_of=date(2026, 11, 27))
        create_demo_users(session)
    return url


def _counts(url: str) -> dict[str, int]:
    return {table: count for table, (count, _) in backup.fingerprint(make_engine(url)).items()}


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_upgrade_from_the_first_revision_keeps_every_row(database, demo_at_head, tmp_path):
    """A database at the first revision, holding the demo's records, is upgraded to head:
    every table of the first revision keeps every row (and, on the same engine, every value)."""
    if database == "postgresql":
        if not PG:
            pytest.skip("TEST_DATABASE_URL is not set")
        old = fresh_pg_database("upgrade", PG)
    else:
        old = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = old
    command.upgrade(cfg, FIRST_REVISION)
    first_tables = set(inspect(make_engine(old)).get_table_names()) - {"alembic_version"}
    _copy_rows(demo_at_head, old)
    migrate(old)
    want, got = _counts(demo_at_head), _counts(old)
    assert set(want) == set(got)
    # Tables a later revision created start empty; every table of the first keeps its rows.
    assert {t: got[t] for t in first_tables} == {t: want[t] for t in first_tables}
    assert want["contactdayparticipant"] > 1000
    if database == "sqlite":
        want_rows = backup.fingerprint(make_engine(demo_at_head))
        got_rows = backup.fingerprint(make_engine(old))
        assert {t: got_rows[t] for t in first_tables} == {t: want_rows[t] for t in first_tables}
