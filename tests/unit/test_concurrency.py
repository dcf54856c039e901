"""Thirty clerks saving at once: in threads and in separate processes, on the test database
(SQLite, or PostgreSQL with TEST_DB=postgres), every write lands once and none fails.

The figures (writes per second, errors, rows lost) are printed; `make bench` has the same
measurement at larger counts."""

import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import Session, func, select

from models import Township, Visit
from models.db import make_engine
from models.enums import Role, UnitType, VisitKind
from services import contact_days
from services.permissions import Actor

WRITERS = 30
WRITES_EACH = 10
DAY = date(2026, 3, 20)


def _write(url: str, writer: int) -> tuple[int, list[str], float, float]:
    """One clerk saving WRITES_EACH visits; returns (saved, errors, started, ended)."""
    engine = make_engine(url)
    saved, errors = 0, []
    started = time.time()
    try:
        with Session(engine) as session:
            unit_id = session.exec(select(Township.id)).one()
            clerk = Actor(
                id=None, username=f"w{writer}", role=Role.township_staff, township_id=unit_id
            )
            for n in range(WRITES_EACH):
                try:
                    contact_days.add_visit(
                        session,
                        clerk,
                        township_id=unit_id,
                        kind=VisitKind.voter,
                        held_on=DAY,
                        people_visited=1,
                        note=f"writer {writer} visit {n}",
                        today=DAY,
                    )
                    saved += 1
                except Exception as exc:
                    session.rollback()
                    errors.append(repr(exc)[:200])
    finally:
        engine.dispose()
    return saved, errors, started, time.time()


def _write_in_process(args: tuple[str, int]) -> tuple[int, list[str], float, float]:
    os.environ.setdefault("BCRYPT_ROUNDS", "4")
    return _write(*args)


@pytest.fixture
def unit(session):
    row = Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town)
    session.add(row)
    session.commit()
    return row.id


def _report(kind: str, results: list, session) -> None:
    """Print the figures, then hold them to: no error, no row lost."""
    saved = sum(r[0] for r in results)
    errors = [e for r in results for e in r[1]]
    # From the first write's start to the last write's end, without the time to start workers.
    seconds = max(r[3] for r in results) - min(r[2] for r in results)
    stored = session.exec(select(func.count()).select_from(Visit)).one()
    print(
        f"\n{kind}: {WRITERS} writers, {saved} saved in {seconds:.2f} s "
        f"({saved / seconds:.0f} writes/s), errors {len(errors)}, rows lost {saved - stored}"
    )
    assert errors == [], errors[:3]
    assert saved == stored == WRITERS * WRITES_EACH


@pytest.mark.slow
def test_thirty_writers_in_threads_lose_nothing(db_url, session, unit):
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(lambda w: _write(db_url, w), range(WRITERS)))
    _report("threads", results, session)


@pytest.mark.slow
def test_thirty_writers_in_processes_lose_nothing(db_url, session, unit):
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        results = pool.map(_write_in_process, [(db_url, w) for w in range(WRITERS)])
    _report("processes", results, session)
