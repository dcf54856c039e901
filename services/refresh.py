"""Every unit's kept figures computed ahead of the first viewer (``manage.py refresh-figures``,
a nightly job at a city or a province): a new day, a rule change or a release otherwise leaves
them all to be computed by whoever opens a dashboard first (``services.unit_figures``)."""

import time
from collections.abc import Callable
from datetime import date

from sqlmodel import Session

from services import checklist, fund_reports, linkage, reporting, scoring, supervision_metrics
from services.permissions import SYSTEM


def refresh_figures(session: Session, *, year: int, as_of: date) -> dict[str, float]:
    """Compute and keep every unit's figures of ``year`` as of ``as_of``: what the first viewer
    of a day (or after a rule change) would otherwise wait for. Seconds per kind."""
    steps: dict[str, Callable[[], object]] = {
        "checklist": lambda: checklist.checklist_status(session, year, as_of),
        "funds": lambda: fund_reports.fund_violations(session, SYSTEM, year=year),
        "fund_sums": lambda: fund_reports.monthly_execution(session, SYSTEM, year=year),
        "scoring": lambda: scoring.township_scores(session, year, as_of),
        "participation": lambda: linkage.contact_participation(
            session, SYSTEM, year=year, as_of=as_of
        ),
        "coverage": lambda: linkage.coverage_by_township(session, SYSTEM, year=year),
        "reporting": lambda: reporting.reporting_status(session, SYSTEM, as_of=as_of),
        "late": lambda: reporting.late_entries(session, SYSTEM, year=year),
        "stays": lambda: supervision_metrics.average_stage_days(
            session, SYSTEM, year=year, as_of=as_of
        ),
    }
    took = {}
    for kind, step in steps.items():
        started = time.perf_counter()
        step()
        took[kind] = time.perf_counter() - started
    return took
