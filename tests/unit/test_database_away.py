"""The database going away: a missing SQLite file is never created by the app, a file deleted
under a running server refuses the next write instead of reporting it saved, and PostgreSQL
connections killed under the app are replaced at the next use."""

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from manage import migrate
from models import Township, Visit
from models.db import DatabaseUnavailable, make_engine
from models.enums import Role, UnitType, VisitKind
from services import contact_days
from services.permissions import Actor

DAY = date(2026, 3, 20)
PG = os.environ.get("TEST_DATABASE_URL", "")


def _visit(session: Session, unit_id: int, note: str) -> int:
    clerk = Actor(id=None, username="clerk", role=Role.township_staff, township_id=unit_id)
    return contact_days.add_visit(
        session,
        clerk,
        township_id=unit_id,
        kind=VisitKind.voter,
        held_on=DAY,
        people_visited=3,
        note=note,
        today=DAY,
    )


@pytest.fixture
def sqlite_file(tmp_path) -> Path:
    path = tmp_path / "app.db"
    migrate(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        session.add(Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town))
        session.commit()
    engine.dispose()
    return path


def test_the_app_never_creates_a_missing_database(tmp_path):
    path = tmp_path / "nowhere" / "app.db"
    engine = make_engine(f"sqlite:///{path}", create=False)
    with pytest.raises(DatabaseUnavailable), Session(engine) as session:
        session.exec(select(Township)).all()
    assert not path.exists() and not path.parent.exists()


def test_a_write_after_the_file_was_deleted_is_refused_not_saved(sqlite_file):
    engine = make_engine(f"sqlite:///{sqlite_file}", create=False)
    with Session(engine) as session:
        unit_id = session.exec(select(Township.id)).one()
        _visit(session, unit_id, "before")
    os.remove(sqlite_file)
    for suffix in ("-wal", "-shm"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    with pytest.raises(DatabaseUnavailable), Session(engine) as session:
        _visit(session, unit_id, "after")
    assert not sqlite_file.exists()
    engine.dispose()


def test_a_restored_file_is_read_at_the_next_query(sqlite_file, tmp_path):
    engine = make_engine(f"sqlite:///{sqlite_file}", create=False)
    copy = tmp_path / "copy.db"
    with Session(engine) as session:
        unit_id = session.exec(select(Township.id)).one()
        _visit(session, unit_id, "kept")
        session.connection().exec_driver_sql(f"VACUUM INTO '{copy}'")
        _visit(session, unit_id, "lost with the old file")
        # A file moved over a database is safe only without a write-ahead log left behind
        # (SQLite would replay the old file's log into the new one): as after a checkpoint.
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(copy, sqlite_file)  # a new file (a new inode) takes the old one's place
    with Session(engine) as session:
        notes = session.exec(select(Visit.note)).all()
    assert notes == ["kept"]
    engine.dispose()


def test_killed_postgresql_connections_are_replaced():
    if not PG:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = make_url(PG)
    scratch = url.set(database=f"{url.database}_away").render_as_string(hide_password=False)
    admin = make_engine(PG).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_away" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}_away"'))
    admin.dispose()
    migrate(scratch)
    engine = make_engine(scratch)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Township)).one() == 0
    admin = make_engine(scratch).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert killed >= 1
    with Session(engine) as session:  # the pool notices the dead connection and opens anew
        assert session.exec(select(func.count()).select_from(Township)).one() == 0
    engine.dispose()


def test_a_failed_statement_names_no_personal_data(session):
    from sqlalchemy.exc import IntegrityError

    session.add(Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town))
    session.commit()
    session.add(Township(code="a", name_zh="张秘密", name_en="B", unit_type=UnitType.town))
    with pytest.raises(IntegrityError) as err:
        session.commit()
    assert "张秘密" not in str(err.value)
