"""``make bench``: build the synthetic databases, measure them, write results.json, print tables.

Settings, from the environment or the command line (the command line wins):

- ``BENCH_SCALES`` / ``--scales``: comma-separated among district, city, province; default
  ``district,city``. The province set takes minutes to build (once, then cached) and its pages
  minutes to measure, so it runs only when asked for: ``BENCH_SCALES=district,city,province``.
- ``BENCH_BACKENDS`` / ``--backends``: ``sqlite,postgresql`` by default; PostgreSQL needs
  ``BENCH_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``), next to
  which one database per scale is created (``bench_district``, ``bench_city``, …).
- ``BENCH_RUNS`` / ``--runs``: measurements per figure, medians reported; default 5.
- ``BENCH_IMPORT=0`` / ``--no-import``: skip the 50,000-row voter import.
- ``--out``: where the results go; default ``bench/results.json``.
"""

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from bench import report, scale

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
DEFAULT_SCALES = "district,city"
DEFAULT_BACKENDS = "sqlite,postgresql"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _postgres_version(url: str | None) -> str | None:
    if not url:
        return None
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def machine(pg_url: str | None) -> dict:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "streamlit": version("streamlit"),
        "sqlalchemy": version("sqlalchemy"),
        "sqlmodel": version("sqlmodel"),
        "pandas": version("pandas"),
        "altair": version("altair"),
        "psycopg": version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(pg_url),
        # Other work on the machine shows in the timings: 1, 5 and 15-minute load averages.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def vacuumed(url: str) -> None:
    """A PostgreSQL database as autovacuum keeps one in service: vacuumed (an index-only scan
    then reads no table page) and analysed. A server with autovacuum off (a test server) would
    otherwise plan over a database freshly loaded; on one already vacuumed it takes a moment."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def measure_in_own_process(url: str, runs: int) -> dict:
    """``bench.measure`` in a fresh interpreter: its own peak memory, no shared cache."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    try:
        subprocess.run(
            [sys.executable, "-m", "bench.measure", url, "--runs", str(runs), "--out", str(out)],
            cwd=ROOT,
            check=True,
        )
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def voter_import() -> dict[str, dict]:
    from bench.imports import voter_import as run_import

    return {f.name: {"value": round(f.value, 2), "unit": f.unit} for f in run_import()}


def documents() -> dict[str, dict]:
    from bench.reports import reports

    return {f.name: {"value": round(f.value, 2), "unit": f.unit} for f in reports()}


def parse(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=env.get("BENCH_SCALES") or DEFAULT_SCALES)
    parser.add_argument("--backends", default=env.get("BENCH_BACKENDS") or DEFAULT_BACKENDS)
    parser.add_argument("--runs", type=int, default=int(env.get("BENCH_RUNS") or 5))
    parser.add_argument(
        "--no-import", action="store_true", default=env.get("BENCH_IMPORT", "1") == "0"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [s for s in args.scales if s not in scale.SCALES]
    if unknown:
        parser.error(f"unknown scale {unknown}; choose among {', '.join(scale.SCALES)}")
    wrong = [b for b in args.backends if b not in ("sqlite", "postgresql")]
    if wrong:
        parser.error(f"unknown backend {wrong}; choose among sqlite, postgresql")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    pg_base = os.environ.get("BENCH_DATABASE_URL", "")
    notes = []
    backends = list(args.backends)
    if "postgresql" in backends and not pg_base:
        backends.remove("postgresql")
        notes.append(
            "PostgreSQL skipped: set BENCH_DATABASE_URL=postgresql+psycopg://user@host:5432/name "
            "(databases name_district, name_city, … are created next to it)"
        )
        log(notes[-1])
    started = time.perf_counter()
    doc: dict = {
        "machine": machine(pg_base if "postgresql" in backends else None),
        "settings": {
            "scales": args.scales,
            "backends": backends,
            "runs": args.runs,
            "year": scale.YEAR,
            "data_as_of": scale.AS_OF.isoformat(),
            "memory": "peak resident set size of the measuring process "
            "(resource.getrusage(RUSAGE_SELF).ru_maxrss), one process per scale and database",
        },
        "builds": [],
        "results": [],
        "notes": notes,
    }
    for name in args.scales:
        s = scale.SCALES[name]
        for backend in backends:
            url = scale.sqlite_url(s) if backend == "sqlite" else scale.postgres_url(pg_base, s)
            build = scale.ensure(url, s, log=log)
            if backend == "postgresql":
                vacuumed(url)
            doc["builds"].append({k: v for k, v in build.items() if k != "fingerprint"})
            log(f"measuring {name} ({s.units} units) on {backend}, {args.runs} runs ...")
            result = measure_in_own_process(url, args.runs)
            doc["results"].append({"scale": name, "units": s.units, "backend": backend, **result})
    if not args.no_import:
        log("voter import of 50,000 rows ...")
        doc["imports"] = voter_import()
    log("documents of one district ...")
    doc["documents"] = documents()
    doc["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    doc["targets"] = report.judge(doc)
    doc["wall_seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    print(report.tables(doc))
    print(f"\nwritten: {args.out} ({doc['wall_seconds']:.0f} s)")
    return doc


if __name__ == "__main__":
    main()
