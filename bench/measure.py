"""Measure one built database: services and pages at one scale on one backend.

``python -m bench.measure URL --runs 5 --out FILE`` writes one JSON record. ``bench.run`` starts
it in a process of its own for each scale and backend, so the peak memory it reports belongs to
that scale alone and no cache is shared between two measurements.

- services: each main computation on a fresh session as the district leader after one unit's
  write (median, SQL statements of one call), and once after a change to every unit; and what a
  save adds to the clerk's wait (its unit's figures computed and kept);
- pages: each page rendered by AppTest as the district leader, cold (one unit's save, its
  figures kept as the screens keep them, then ``st.cache_data.clear()`` and the project's
  functools caches cleared: the first viewer after a clerk's save), warm (the next viewer, a
  new session) and its floor (``bench/floor.py``),
  medians over the runs (``WARM_SAMPLES`` warm renders and floors in each run), SQL statements
  of a cold and a warm render;
- memory: the peak resident set size of this process (``resource.getrusage(...).ru_maxrss``).
"""

import argparse
import gc
import json
import logging
import os
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
FLOOR_APP = ROOT / "bench" / "floor_app.py"
USERNAME = "leader"
WARM_SAMPLES = 5  # warm renders and floors per page and run (one cold render per run)
PAGES = {
    "overview": "pages/overview.py",
    "checklist_matrix": "pages/checklist_matrix.py",
    "funds_overview": "pages/funds_overview.py",
    "scorecard": "pages/scorecard.py",
    "linkage_coverage": "pages/linkage_coverage.py",
    "supervision_board": "pages/supervision_board.py",
}


class StatementCounter:
    """SQL statements sent through any engine of this process (``before_cursor_execute``); an
    ``executemany`` counts once, as one round trip."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        with self._lock:
            self.count += 1

    def measure(self, call: Callable[[], Any]) -> tuple[float, int, Any]:
        """Seconds, statements and result of ``call()``."""
        before = self.count
        started = time.perf_counter()
        result = call()
        return time.perf_counter() - started, self.count - before, result


def rss_mb() -> float:
    """Resident set size now, from /proc (Linux); 0 elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1_048_576


# ---------------------------------------------------------------------------------------------
# Services


def service_calls(session_factory, year: int, as_of) -> dict[str, Callable[[], Any]]:
    """The main computation of each service, as a page asks for it (district leader, all units)."""
    from services import (
        checklist,
        fund_reports,
        linkage,
        overview,
        scoring,
        supervision_metrics,
        users,
    )

    with session_factory() as session:
        leader = users.get_actor(session, USERNAME)

    def on_fresh_session(compute):
        def call():
            with session_factory() as session:
                return compute(session)

        return call

    return {
        "checklist_status": on_fresh_session(lambda s: checklist.checklist_status(s, year, as_of)),
        "linkage_coverage": on_fresh_session(
            lambda s: linkage.coverage_by_township(s, leader, year=year)
        ),
        "supervision_metrics": on_fresh_session(
            lambda s: supervision_metrics.township_summary(s, leader, year=year, as_of=as_of)
        ),
        "fund_violations": on_fresh_session(
            lambda s: fund_reports.fund_violations(s, leader, year=year)
        ),
        "township_scores": on_fresh_session(lambda s: scoring.township_scores(s, year, as_of)),
        "overview_headline": on_fresh_session(
            lambda s: overview.headline(s, leader, year=year, as_of=as_of)
        ),
        "overview_alerts": on_fresh_session(
            lambda s: overview.alerts(s, leader, year=year, as_of=as_of)
        ),
    }


def _first_unit(url: str) -> int:
    from sqlmodel import select

    from models import Township
    from models.db import session_scope

    with session_scope(url) as session:
        first = session.exec(select(Township.id).order_by(Township.id)).first()
    assert first is not None, "a benchmark database holds units"
    return first


def stale(url: str, *, every_unit: bool = False, saved: bool = False) -> None:
    """What a write leaves for the next read: the kept figures of one unit (a clerk's save), or
    of every unit (a rule change, a new day, a new release), no longer current. The stamps are
    raised as a commit raises them; the records stay as they are, so each run reads the same.
    ``saved``: then what the screens do after a save's commit (``keep_saved``)."""
    from models.db import session_scope
    from models.figures import EVERY_UNIT, raise_stamps

    unit = _first_unit(url)
    with session_scope(url) as session:
        raise_stamps(session, [EVERY_UNIT] if every_unit else [unit])
        session.commit()
    if saved:
        keep_saved(url, unit)


def keep_saved(url: str, unit: int) -> None:
    """The figures of the saved unit computed and kept, as ``ui.forms.writing`` does after a
    save: the clerk's wait, so that the next viewer reads them kept."""
    from models.db import session_scope
    from services.refresh import refresh_saved

    with session_scope(url) as session:
        refresh_saved(session, [unit])


def measure_services(counter: StatementCounter, url: str, runs: int, year: int, as_of) -> dict:
    """Each computation after one unit's write (its figures computed again, the others' read
    as kept), and once after a change to every unit (everything computed)."""
    from models.db import session_scope

    out = {}
    for name, call in service_calls(lambda: session_scope(url), year, as_of).items():
        stale(url, every_unit=True)
        rebuild, _, _ = counter.measure(call)
        seconds, statements = [], 0
        for _ in range(runs):
            stale(url)
            took, statements, _result = counter.measure(call)
            seconds.append(took)
        out[name] = {
            "median_ms": round(statistics.median(seconds) * 1000, 1),
            "runs_ms": [round(s * 1000, 1) for s in seconds],
            "every_unit_ms": round(rebuild * 1000, 1),
            "statements": statements,
        }
    # What a clerk's save adds to the clerk's wait: its unit's figures computed and kept.
    unit, seconds = _first_unit(url), []
    for _ in range(runs):
        stale(url)
        took, statements, _result = counter.measure(lambda: keep_saved(url, unit))
        seconds.append(took)
    out["save_keeps_unit_figures"] = {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "runs_ms": [round(s * 1000, 1) for s in seconds],
        "statements": statements,
    }
    return out


# ---------------------------------------------------------------------------------------------
# Pages


# Caches that a data change leaves as they are: each answers from the files shipped with the code
# (the language catalogs, the rule defaults, the holiday calendar, fonts, the demo's unit list)
# or from its arguments alone (a text's match form, a formatted number, a rule set parsed from
# its stored text), so a server fills them once and keeps them. Every other functools cache of
# the project is cleared for a cold render: a cache added later counts as data until named here.
PURE_CACHES = frozenset(
    {
        "models.db._cached_engine",  # the connection pool outlives a data change
        "services.documents.charts._register_fonts",
        "services.documents.fonts.cjk_font",
        "services.fund_rules._banned_purposes",
        "services.rules._parsed",
        "services.rules._seed_file",
        "services.validation._to_simplified",
        "services.validation.match_form",
        "services.working_days.official_working_day",
        "seed.demo._defaults",
        "seed.demo._rules",
        "seed.demo._units_config",
        "ui.format._day",
        "ui.format._number",
        "ui.format._percent",
        "ui.format._yuan",
        "ui.i18n.catalog",
        "ui.nav._menu",
    }
)


def clear_caches() -> list[str]:
    """What a first viewer after a change meets: no cached read, built chart or table of the
    screens (``ui.cache_keys``; every one is keyed by the data version), no ``st.cache_data``
    or ``st.cache_resource`` entry, and no functools cache of the project's modules but the
    ``PURE_CACHES`` (``services.reads.bundle`` is cleared)."""
    import streamlit as st

    from ui import cache_keys

    st.cache_data.clear()
    st.cache_resource.clear()
    cache_keys.forget_all()
    cleared = ["ui.cache_keys.forget_all"]
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in ("services", "ui", "models", "seed"):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, type) or getattr(value, "__module__", None) != name:
                continue  # a class, or what the module imported
            if not hasattr(value, "cache_clear"):
                continue
            if f"{name}.{attr}" in PURE_CACHES:
                continue
            value.cache_clear()
            cleared.append(f"{name}.{attr}")
    return cleared


def _checked(at) -> None:
    if at.exception:
        raise RuntimeError("; ".join(str(e.value) for e in at.exception))


_COMPONENTS: list = []  # the component registry, scanned once per process


def new_app(script: Path, timeout: float):
    """An AppTest of ``script`` sharing one component registry with the others.

    AppTest scans every installed package for Streamlit components on the first run of each
    instance (about a tenth of a second), where a server scans once at start: sharing the
    registry keeps that scan out of the figures of every page and floor alike.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(script), default_timeout=timeout)
    if _COMPONENTS:
        at._bidi_component_manager = _COMPONENTS[0]
    return at


def _keep_components(at) -> None:
    if not _COMPONENTS and at._bidi_component_manager is not None:
        _COMPONENTS.append(at._bidi_component_manager)


def viewer(timeout: float):
    """An AppTest signed in as the district leader, landed on the overview (unmeasured).

    A page can only be switched to once ``st.navigation`` has run: before that Streamlit would
    run the page file on its own, without the app around it.
    """
    from bench.scale import YEAR
    from models.db import session_scope
    from services import sessions, users

    with session_scope() as session:
        grant = sessions.open_session(session, users.get_actor(session, USERNAME))
    at = new_app(APP, timeout)
    at.session_state["_session_token"] = grant.token
    at.query_params["lang"] = "zh"
    at.query_params["year"] = str(YEAR)
    at.run(timeout=timeout)
    _checked(at)
    _keep_components(at)
    return at


def elements(at) -> Counter:
    """Element kinds on the screen after a run (blocks excluded)."""
    kinds: Counter = Counter()
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if children is None:
            kinds[node.type] += 1
        else:
            stack.extend(children.values())
    return kinds


def render(
    counter: StatementCounter, page: str, timeout: float, *, cold: bool = False
) -> tuple[float, int, Any]:
    """Seconds and SQL statements of one viewer opening ``page`` (after the landing page)."""
    at = viewer(timeout)
    if cold:
        stale(os.environ["DATABASE_URL"], saved=True)
        clear_caches()
    at.switch_page(page)
    gc.collect()
    took, statements, _ = counter.measure(lambda: at.run(timeout=timeout))
    _checked(at)
    return took, statements, at


def record_page(page: str, timeout: float):
    """The Streamlit calls of one viewer opening ``page``, and what the screen showed."""
    from bench import floor

    at = viewer(timeout)
    at.switch_page(page)
    recording = floor.record(lambda: at.run(timeout=timeout))
    _checked(at)
    return recording, elements(at)


def render_floor(counter: StatementCounter, timeout: float) -> tuple[float, int, Any]:
    at = new_app(FLOOR_APP, timeout)
    gc.collect()
    took, statements, _ = counter.measure(lambda: at.run(timeout=timeout))
    _checked(at)
    return took, statements, at


def serve_like_a_running_server() -> None:
    """Run app.py around every page, as a server does once ``st.navigation`` has run, with one
    script cache for every session.

    A server leaves Streamlit's older multipage mode for good at the first ``st.navigation``;
    AppTest starts every run in it again (the app has a ``pages/`` folder), so a switched-to
    page would run without app.py (no login check, sidebar or navigation). Pinning the flag
    makes each measured run the full render a viewer waits for.

    A server compiles each script once (its ``ScriptCache`` serves every session); AppTest
    makes a new cache for every run, so each run would compile app.py and the page again with
    Streamlit's "magic" rewrite (about 15 ms the floor's five-line script never pays).
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]

    if getattr(PagesManager.__init__, "_pinned", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._pinned = True
    PagesManager.__init__ = init


def measure_pages(counter: StatementCounter, runs: int, timeout: float, log) -> dict:
    from bench import floor

    serve_like_a_running_server()
    recordings, shown = {}, {}
    for name, page in PAGES.items():
        # One unmeasured render per page first: imports done, and the log the floor replays.
        recordings[name], shown[name] = record_page(page, timeout)
    times: dict[str, dict[str, list[float]]] = {
        n: {"cold": [], "warm": [], "floor": []} for n in PAGES
    }
    statements: dict[str, dict[str, int]] = {n: {} for n in PAGES}
    floor_shown: dict[str, Counter] = {}
    for run in range(runs):
        for name, page in PAGES.items():
            took, n, _ = render(counter, page, timeout, cold=True)
            times[name]["cold"].append(took)
            statements[name]["cold"] = n
            # A warm render and its floor take tens of milliseconds, where the machine's own
            # jitter shows: several of each per run, side by side, for a steadier median.
            for _ in range(WARM_SAMPLES):
                took, n, _ = render(counter, page, timeout)
                times[name]["warm"].append(took)
                statements[name]["warm"] = n
                floor.CURRENT = recordings[name]
                took, n, at = render_floor(counter, timeout)
                floor.CURRENT = None
                times[name]["floor"].append(took)
                statements[name]["floor"] = n
                floor_shown[name] = elements(at)
        log(f"  pages: run {run + 1}/{runs} done")
    out = {}
    for name in PAGES:
        medians = {k: statistics.median(v) * 1000 for k, v in times[name].items()}
        missing = shown[name] - floor_shown[name]
        extra = floor_shown[name] - shown[name]
        out[name] = {
            "cold_ms": round(medians["cold"], 1),
            "warm_ms": round(medians["warm"], 1),
            "floor_ms": round(medians["floor"], 1),
            "cold_over_floor": round(medians["cold"] / medians["floor"], 2),
            "warm_over_floor": round(medians["warm"] / medians["floor"], 2),
            "runs_ms": {k: [round(s * 1000, 1) for s in v] for k, v in times[name].items()},
            "statements_cold": statements[name]["cold"],
            "statements_warm": statements[name]["warm"],
            "elements": sum(shown[name].values()),
            "floor_elements": sum(floor_shown[name].values()),
            "floor_missing": dict(missing),
            "floor_extra": dict(extra),
            "floor_calls": len(recordings[name].calls),
            "floor_unrecorded_calls": recordings[name].unknown_targets,
        }
    return out


# ---------------------------------------------------------------------------------------------


def measure(url: str, *, runs: int, timeout: float, log=print) -> dict:
    os.environ["DATABASE_URL"] = url
    from bench.scale import AS_OF, YEAR
    from services import clock

    # The day the data were generated for, so the figures are the same in any year.
    os.environ.setdefault(clock.ENV, AS_OF.isoformat())
    os.environ.setdefault("COOKIE_KEY", "bench-cookie-key-not-secret-0123456789abcdef")
    import streamlit.testing.v1  # noqa: F401  (its import is not the page's memory)

    from ui.layout import as_of_for

    baseline = rss_mb()
    counter = StatementCounter()
    # The date the pages are as of, so services and pages compute the same thing.
    as_of = as_of_for(YEAR)
    log("  services ...")
    services = measure_services(counter, url, runs, YEAR, as_of)
    after_services = peak_rss_mb()
    log("  pages ...")
    pages = measure_pages(counter, runs, timeout, log)
    return {
        "url": url.split("@")[-1],
        "runs": runs,
        "year": YEAR,
        "data_as_of": AS_OF.isoformat(),
        "pages_as_of": as_of.isoformat(),
        "services": services,
        "pages": pages,
        "memory": {
            "method": "resource.getrusage(RUSAGE_SELF).ru_maxrss (peak resident set size)",
            "rss_after_imports_mb": round(baseline, 1),
            "peak_after_services_mb": round(after_services, 1),
            "peak_mb": round(peak_rss_mb(), 1),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # Outside ``streamlit run`` Streamlit warns of a missing session on every cached call; the
    # warnings say nothing about the figures.
    for name in (
        "streamlit.runtime.scriptrunner_utils.script_run_context",
        "streamlit.runtime.state.session_state_proxy",
        "streamlit.runtime.caching.cache_data_api",
    ):
        logging.getLogger(name).disabled = True
    record = measure(args.url, runs=args.runs, timeout=args.timeout, log=log)
    text = json.dumps(record, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
