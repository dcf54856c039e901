"""The district's dashboards over the demo data: how long a leader waits for each read."""

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session, SQLModel

from bench import Figure
from models.db import make_engine
from seed.demo import generate_demo
from services import checklist, overview, rules, scoring
from services.permissions import SYSTEM

YEAR = 2026
AS_OF = date(2026, 11, 27)
RUNS = 5


def _median_seconds(call) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dashboards() -> list[Figure]:
    """Median over five runs of each district-wide read, on one district of demo data."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            rules.install_defaults(session)
            started = time.perf_counter()
            generate_demo(session, year=YEAR, seed=1, as_of=AS_OF)
            figures = [Figure("demo data for one district", time.perf_counter() - started, "s")]
            reads = {
                "checklist_status, 14 units × 10 tasks": lambda: checklist.checklist_status(
                    session, YEAR, AS_OF
                ),
                "township_scores, whole district": lambda: scoring.township_scores(
                    session, YEAR, AS_OF
                ),
                "overview headline": lambda: overview.headline(
                    session, SYSTEM, year=YEAR, as_of=AS_OF
                ),
                "overview alerts": lambda: overview.alerts(session, SYSTEM, year=YEAR, as_of=AS_OF),
            }
            for name, call in reads.items():
                figures.append(Figure(name, _median_seconds(call) * 1000, "ms"))
        engine.dispose()
    return figures
