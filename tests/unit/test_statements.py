"""The number of SQL statements each main computation sends does not grow with the number of
units: the district's 14 units and a set three times as big (42 units, the benchmark's generator
with three replicas) are read with the same statements, one per query however many units."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bench.scale import YEAR, populate
from manage import migrate
from models import Township
from models.db import make_engine
from services import (
    checklist,
    fund_reports,
    linkage,
    overview,
    platforms,
    reads,
    reporting,
    scoring,
    supervision_metrics,
    supervision_reads,
    users,
)

AS_OF = date(YEAR, 11, 27)


def _calls(leader) -> dict[str, Callable[[Session], object]]:
    """What the overview, the task matrix, the scorecard, the fund screen, the coverage screen
    and the supervision board ask for, as the district leader."""
    return {
        "checklist_status": lambda s: checklist.checklist_status(s, YEAR, AS_OF),
        "township_scores": lambda s: scoring.township_scores(s, YEAR, AS_OF),
        "fund_violations": lambda s: fund_reports.fund_violations(s, leader, year=YEAR),
        "headline": lambda s: overview.headline(s, leader, year=YEAR, as_of=AS_OF),
        "alerts": lambda s: overview.alerts(s, leader, year=YEAR, as_of=AS_OF),
        "reporting_status": lambda s: reporting.reporting_status(s, leader, as_of=AS_OF),
        "coverage": lambda s: linkage.coverage_by_township(s, leader, year=YEAR),
        "participation": lambda s: linkage.contact_participation(s, leader, year=YEAR, as_of=AS_OF),
        "supervision_summary": lambda s: supervision_metrics.township_summary(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "stage_counts": lambda s: supervision_metrics.stage_counts(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "overdue_items": lambda s: supervision_metrics.overdue_items(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "supervision_items": lambda s: supervision_reads.list_items(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "stage_days": lambda s: supervision_metrics.average_stage_days(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "loop_progress": lambda s: supervision_metrics.loop_progress(
            s, leader, year=YEAR, as_of=AS_OF
        ),
        "linkage_gaps": lambda s: linkage.linkage_gaps(s, leader, year=YEAR),
        "visits": lambda s: linkage.visits_and_notifications(s, leader, year=YEAR),
        "platform_shares": lambda s: platforms.platform_shares(
            s, YEAR, AS_OF, list(s.exec(select(Township.id)).all())
        ),
        # The overview page: headline and scoreboard from one shared read bundle.
        "overview_shared": lambda s: _overview_shared(s, leader),
    }


def _overview_shared(session: Session, leader) -> None:
    bundle = reads.Reads()
    overview.headline(session, leader, year=YEAR, as_of=AS_OF, reads=bundle)
    scoring.township_scores(session, YEAR, AS_OF, reads=bundle)


def _statements(url: str) -> dict[str, int]:
    """Statements each call sends on a fresh session of the database at ``url``."""
    engine = make_engine(url)
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if conn.engine is engine:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            leader = users.get_actor(session, "leader")
        out = {}
        for name, call in _calls(leader).items():
            with Session(engine) as session:
                before = len(seen)
                call(session)
                out[name] = len(seen) - before
        return out
    finally:
        event.remove(Engine, "before_cursor_execute", count)
        engine.dispose()


def _built(tmp_path_factory, replicas: int) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp(f'units{replicas}') / 'bench.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        populate(session, replicas)
        units = session.exec(select(func.count(Township.id))).one()
    engine.dispose()
    assert units == 14 * replicas
    return url


@pytest.mark.slow
def test_statements_per_computation_do_not_grow_with_the_units(tmp_path_factory):
    district = _statements(_built(tmp_path_factory, 1))
    tripled = _statements(_built(tmp_path_factory, 3))

    assert tripled == district
    assert district["overview_shared"] < district["headline"] + district["township_scores"]


def test_the_rules_of_many_years_come_in_one_statement(session):
    from services.rules import install_defaults, rules_of_years
    from services.supervision import rules_of_year

    install_defaults(session)
    session.commit()
    years = [2019, 2024, YEAR, YEAR + 3]
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        together = rules_of_years(session, years)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(seen) == 1
    # The same rules as asking year by year, a year before the first rule set included.
    assert together == {y: rules_of_year(session, y) for y in years}
