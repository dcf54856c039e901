"""Kept figures computed ahead of the first viewer (``services.unit_figures``).

- Every unit's (``manage.py refresh-figures``, a nightly job at a city or a province): a new
  day, a rule change or a release otherwise leaves them all to whoever opens a dashboard first.
- The units a save changed (``refresh_saved``, called by the screens after each save): the
  clerk's save waits for its own unit's figures, so the leader who opens a dashboard next reads
  them kept instead of waiting for them.
"""

import logging
import time
from collections.abc import Callable, Iterable
from datetime import date

from sqlmodel import Session

from models.enums import Role
from services import (
    checklist,
    clock,
    fund_reports,
    linkage,
    reporting,
    scoring,
    supervision_metrics,
)
from services.permissions import SYSTEM, Actor

log = logging.getLogger(__name__)


def refresh_figures(
    session: Session, *, year: int, as_of: date, township_id: int | None = None
) -> dict[str, float]:
    """Compute and keep the figures of ``year`` as of ``as_of`` of every unit, or of the unit
    ``township_id`` only: what the first viewer of a day (or after a rule change, or after that
    unit's save) would otherwise wait for. Seconds per kind."""
    # A unit's figures are those its own reader sees: every service scopes its read to them.
    actor = SYSTEM
    if township_id is not None:
        actor = Actor(None, SYSTEM.username, Role.township_staff, township_id=township_id)
    ids = None if township_id is None else [township_id]
    steps: dict[str, Callable[[], object]] = {
        "checklist": lambda: checklist.checklist_status(session, year, as_of, ids),
        "funds": lambda: fund_reports.fund_violations(session, actor, year=year),
        "fund_sums": lambda: fund_reports.monthly_execution(session, actor, year=year),
        "scoring": lambda: (
            scoring.township_scores(session, year, as_of)
            if ids is None
            else scoring.kept_inputs(session, year, as_of, ids)
        ),
        "participation": lambda: linkage.contact_participation(
            session, actor, year=year, as_of=as_of
        ),
        "coverage": lambda: linkage.coverage_by_township(session, actor, year=year),
        "reporting": lambda: reporting.reporting_status(session, actor, as_of=as_of),
        "late": lambda: reporting.late_entries(session, actor, year=year),
        "stays": lambda: supervision_metrics.average_stage_days(
            session, actor, year=year, as_of=as_of
        ),
    }
    took = {}
    for kind, step in steps.items():
        started = time.perf_counter()
        step()
        took[kind] = time.perf_counter() - started
    return took


def refresh_saved(session: Session, units: Iterable[int]) -> None:
    """After a save has committed: keep this year's figures of the units it changed, as of
    today, as the dashboards open. Whatever stops it (a database too busy to answer) leaves
    them to the next viewer and is logged: the save stands, and its screen says it saved."""
    today = clock.today()
    year, as_of = today.year, today
    for township_id in sorted(units):
        try:
            refresh_figures(session, year=year, as_of=as_of, township_id=township_id)
        except Exception:
            session.rollback()
            log.exception("figures of unit %s not kept after a save", township_id)
