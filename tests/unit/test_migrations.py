"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select, text
from sqlmodel import SQLModel

from manage import migrate
from models.db import ROOT, make_engine, session_scope
from services import backup, rules
from tests.conftest import fresh_pg_database
from tests.factories import copy_rows

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
_OLD_COLUMN_VALUES = {("app_user", "failed_logins"): 0, ("meeting", "is_draft"): False}


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


def _columns(url: str, table: str) -> set[str]:
    return {c["name"] for c in inspect(make_engine(url)).get_columns(table)}


def _values(url: str, table: str, columns: list[str]) -> list[tuple]:
    meta = MetaData()
    meta.reflect(make_engine(url), only=[table])
    t = meta.tables[table]
    order = list(t.primary_key.columns) or [t.c[c] for c in columns]
    with make_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(*[t.c[c] for c in columns]).order_by(*order))]


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
    first = inspect(make_engine(old))
    first_tables = set(first.get_table_names()) - {"alembic_version"}
    first_columns = {t: [c["name"] for c in first.get_columns(t)] for t in first_tables}
    copy_rows(demo_at_head, old, fixed=_OLD_COLUMN_VALUES)
    migrate(old)
    want, got = _counts(demo_at_head), _counts(old)
    assert set(want) == set(got)
    # Tables a later revision created start empty; every table of the first keeps its rows.
    assert {t: got[t] for t in first_tables} == {t: want[t] for t in first_tables}
    assert want["contactdayparticipant"] > 1000
    if database == "sqlite":
        # Every value of a column the first revision had is kept (columns added later hold
        # their defaults in the upgraded copy).
        for table, columns in first_columns.items():
            kept = [c for c in columns if c in _columns(demo_at_head, table)]
            assert _values(old, table, kept) == _values(demo_at_head, table, kept), table


def test_a_deputy_entered_once_per_level_becomes_one_record(tmp_path):
    """Revision 0005: rows of one person (unit, name, constituency) at two levels become one
    record at the lower level listing the other; namesakes of one level stay two people."""
    from alembic import command
    from alembic.config import Config

    from manage import ROOT

    url = f"sqlite:///{tmp_path / 'levels.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "0004")
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


DRAFTS_REVISION = "0006"  # the last revision with draft meetings


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_upgrade_turns_draft_meetings_into_meetings_held(database, tmp_path):
    """A database at the revision before holds a draft presidium meeting without a topic and a
    finished one with a topic; after the upgrade both are meetings held: T02 counts two, T04
    counts the former as lacking a topic."""
    from models.enums import MeetingKind, UnitType
    from services.checklist import checklist_status

    if database == "postgresql":
        if not PG:
            pytest.skip("TEST_DATABASE_URL is not set")
        url = fresh_pg_database("drafts", PG)
    else:
        url = f"sqlite:///{tmp_path / 'drafts.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, DRAFTS_REVISION)
    engine = make_engine(url)
    old = MetaData()
    old.reflect(engine)
    township, meeting, topic = (old.tables[n] for n in ("township", "meeting", "supervisiontopic"))
    with engine.begin() as conn:
        unit = {
            "code": "a",
            "name_zh": "甲镇",
            "name_en": "A",
            "unit_type": UnitType.town.name,
            "active": True,
            "sort_order": 1,
        }
        tid = conn.execute(
            township.insert().values(**_required(township, unit))
        ).inserted_primary_key[0]
        rows = []
        for held_on, draft in ((date(2026, 2, 10), False), (date(2026, 5, 12), True)):
            values = _required(
                meeting,
                {
                    "township_id": tid,
                    "kind": MeetingKind.presidium.name,
                    "held_on": held_on,
                    "title": f"主席团会议 {held_on}",
                    "is_draft": draft,
                },
            )
            rows.append(conn.execute(meeting.insert().values(**values)).inserted_primary_key[0])
        conn.execute(
            topic.insert().values(
                **_required(topic, {"meeting_id": rows[0], "township_id": tid, "title": "议题"})
            )
        )
    engine.dispose()

    migrate(url)
    assert "is_draft" not in {c["name"] for c in inspect(make_engine(url)).get_columns("meeting")}
    with session_scope(url) as session:
        rules.install_defaults(session)
        unit = checklist_status(session, 2026, date(2026, 6, 30)).unit(tid)
    t02, t04 = unit.task("T02"), unit.task("T04")
    assert t02.value == 2
    assert (t04.numerator, t04.denominator) == (1, 2)
    assert [m["held_on"] for m in t04.missing if m["kind"] == "meeting_without_topic"] == [
        date(2026, 5, 12)
    ]


def _required(table, values: dict) -> dict:
    """``values`` completed with a neutral value for every other NOT NULL column without a
    default, so a row can be written at an old revision without its model."""
    from datetime import UTC, datetime

    out = dict(values)
    for column in table.columns:
        if column.name in out or column.primary_key or column.nullable:
            continue
        if column.server_default is not None:
            continue
        python_type = column.type.python_type
        out[column.name] = (
            datetime.now(UTC).replace(tzinfo=None) if python_type is datetime else python_type()
        )
    return out
