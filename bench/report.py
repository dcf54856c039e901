"""The targets of the benchmark, judged on its results, and the tables ``make bench`` prints.

The targets are printed beside the figures as pass/fail columns; nothing here asserts them.
"""

from typing import Any

WARM_OVER_FLOOR = 1.3  # every page, warm, at every scale
COLD_OVER_FLOOR_DISTRICT = 2.0  # every page, cold, at district scale
COLD_MS_PROVINCE_SQLITE = 2000  # every page, cold, at province scale on SQLite
POSTGRES_OVER_SQLITE = 1.5  # the same figure on PostgreSQL against SQLite
PEAK_MB_PROVINCE = 1024  # peak memory of the measuring process at province scale
IMPORT_SECONDS = 60  # 50,000 voter rows
IMPORT_FIGURE = "import: total (target < 60 s)"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "FAIL")


def _result(results: list[dict], scale: str, backend: str) -> dict | None:
    return next((r for r in results if r["scale"] == scale and r["backend"] == backend), None)


def page_targets(results: list[dict], r: dict, page: str) -> dict[str, bool | None]:
    """The page's verdicts at this scale and backend; None where a target does not apply."""
    p = r["pages"][page]
    cold: bool | None = None
    if r["scale"] == "district":
        cold = p["cold_ms"] <= COLD_OVER_FLOOR_DISTRICT * p["floor_ms"]
    elif r["scale"] == "province" and r["backend"] == "sqlite":
        cold = p["cold_ms"] < COLD_MS_PROVINCE_SQLITE
    versus: bool | None = None
    lite = _result(results, r["scale"], "sqlite") if r["backend"] == "postgresql" else None
    if lite and page in lite["pages"]:
        q = lite["pages"][page]
        versus = (
            p["cold_ms"] <= POSTGRES_OVER_SQLITE * q["cold_ms"]
            and p["warm_ms"] <= POSTGRES_OVER_SQLITE * q["warm_ms"]
        )
    flat: bool | None = None
    smaller = [
        o
        for o in results
        if o["backend"] == r["backend"] and o["units"] < r["units"] and page in o["pages"]
    ]
    if smaller:
        least = min(smaller, key=lambda o: o["units"])["pages"][page]
        flat = (
            p["statements_cold"] <= least["statements_cold"]
            and p["statements_warm"] <= least["statements_warm"]
        )
    return {
        "warm_within_1.3x_floor": p["warm_ms"] <= WARM_OVER_FLOOR * p["floor_ms"],
        "cold_target": cold,
        "postgres_within_1.5x_sqlite": versus,
        "statements_flat": flat,
    }


def service_targets(results: list[dict], r: dict, name: str) -> dict[str, bool | None]:
    versus: bool | None = None
    lite = _result(results, r["scale"], "sqlite") if r["backend"] == "postgresql" else None
    if lite and name in lite["services"]:
        versus = (
            r["services"][name]["median_ms"]
            <= POSTGRES_OVER_SQLITE * lite["services"][name]["median_ms"]
        )
    return {"postgres_within_1.5x_sqlite": versus}


def memory_target(r: dict) -> bool | None:
    if r["scale"] != "province":
        return None
    return r["memory"]["peak_mb"] < PEAK_MB_PROVINCE


def import_target(figures: dict[str, dict] | None) -> bool | None:
    if not figures or IMPORT_FIGURE not in figures:
        return None
    return figures[IMPORT_FIGURE]["value"] < IMPORT_SECONDS


def judge(doc: dict) -> dict:
    """Every verdict of the results document, in one list and as counts."""
    results = doc["results"]
    verdicts: list[dict[str, Any]] = []
    for r in results:
        where = {"scale": r["scale"], "backend": r["backend"]}
        for page in r["pages"]:
            for target, ok in page_targets(results, r, page).items():
                if ok is not None:
                    verdicts.append({**where, "page": page, "target": target, "pass": ok})
        for name in r["services"]:
            for target, ok in service_targets(results, r, name).items():
                if ok is not None:
                    verdicts.append({**where, "service": name, "target": target, "pass": ok})
        ok = memory_target(r)
        if ok is not None:
            verdicts.append({**where, "target": "peak_memory_under_1GB", "pass": ok})
    ok = import_target(doc.get("imports"))
    if ok is not None:
        verdicts.append({"target": "voter_import_under_60s", "pass": ok})
    passed = sum(v["pass"] for v in verdicts)
    return {"verdicts": verdicts, "passed": passed, "failed": len(verdicts) - passed}


# ---------------------------------------------------------------------------------------------
# Tables


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i < 3 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return (
            f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
        )
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _floor_check(results: list[dict]) -> str:
    """Whether every floor drew what its page drew (element kinds and counts)."""
    off = []
    for r in results:
        for page, p in r["pages"].items():
            if p["floor_missing"] or p["floor_extra"] or p.get("floor_unrecorded_calls"):
                off.append(
                    f"{r['scale']}/{r['backend']}/{page}: missing {p['floor_missing']}, "
                    f"extra {p['floor_extra']}, unrecorded calls {p.get('floor_unrecorded_calls')}"
                )
    if not off:
        return "floor check: every floor drew the same elements as its page"
    return "floor check: floors that differ from their page: " + "; ".join(off)


def tables(doc: dict) -> str:
    m = doc["machine"]
    out = [
        f"machine: {m['cores']} cores ({m['cpu']}), Python {m['python']}, "
        f"Streamlit {m['streamlit']}, SQLAlchemy {m['sqlalchemy']}, SQLModel {m['sqlmodel']}, "
        f"pandas {m['pandas']}, Altair {m['altair']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m.get('postgresql') or '—'}",
        f"load average (1, 5, 15 min): {m['load_average_at_start']} at start, "
        f"{m.get('load_average_at_end')} at end; runs per figure: {doc['settings']['runs']} "
        "(medians)",
        f"memory: {doc['settings']['memory']}",
        "",
        "== data",
    ]
    rows = []
    for b in doc["builds"]:
        rows.append(
            [
                b["scale"],
                b["backend"],
                b["units"],
                b["rows"].get("deputies", 0),
                b["rows"].get("voters", 0),
                b["rows"].get("contact_day_participants", 0),
                b["build_seconds"],
                "cached" if b.get("cached") else "built now",
            ]
        )
    out.append(
        _table(
            ["scale", "db", "units", "deputies", "voters", "participations", "build s", ""], rows
        )
    )
    results = doc["results"]
    out += [
        "",
        "== services (ms, median after one unit's write; every unit: once after a change to "
        "every unit's figures; SQL statements of one call)",
    ]
    rows = []
    for r in results:
        for name, s in r["services"].items():
            t = service_targets(results, r, name)
            rows.append(
                [
                    r["scale"],
                    r["backend"],
                    name,
                    s["median_ms"],
                    s.get("every_unit_ms", "—"),
                    s["statements"],
                    _verdict(t["postgres_within_1.5x_sqlite"]),
                ]
            )
    out.append(_table(["scale", "db", "service", "ms", "every unit", "SQL", "PG≤1.5×SQLite"], rows))
    out += [
        "",
        "== pages as the district leader (ms, median; cold: one unit's write, caches cleared; "
        "warm: next viewer; floor: same elements from precomputed data)",
    ]
    rows = []
    for r in results:
        for page, p in r["pages"].items():
            t = page_targets(results, r, page)
            rows.append(
                [
                    r["scale"],
                    r["backend"],
                    page,
                    p["cold_ms"],
                    p["warm_ms"],
                    p["floor_ms"],
                    p["cold_over_floor"],
                    p["warm_over_floor"],
                    p["statements_cold"],
                    p["statements_warm"],
                    _verdict(t["warm_within_1.3x_floor"]),
                    _verdict(t["cold_target"]),
                    _verdict(t["postgres_within_1.5x_sqlite"]),
                    _verdict(t["statements_flat"]),
                ]
            )
    out.append(
        _table(
            [
                "scale",
                "db",
                "page",
                "cold",
                "warm",
                "floor",
                "cold/fl",
                "warm/fl",
                "SQL cold",
                "SQL warm",
                "warm≤1.3×fl",
                "cold target",
                "PG≤1.5×SQLite",
                "SQL flat",
            ],
            rows,
        )
    )
    out.append(
        "cold target: ≤ 2× floor at district scale, < 2 s at province scale on SQLite; "
        "SQL flat: no more statements than at the smallest scale measured"
    )
    out.append(_floor_check(results))
    out += ["", "== memory of the measuring process (MB)"]
    rows = [
        [
            r["scale"],
            r["backend"],
            r["memory"]["rss_after_imports_mb"],
            r["memory"]["peak_after_services_mb"],
            r["memory"]["peak_mb"],
            _verdict(memory_target(r)),
        ]
        for r in results
    ]
    out.append(
        _table(
            ["scale", "db", "after imports", "peak: services", "peak: all", "<1 GB (province)"],
            rows,
        )
    )
    imports = doc.get("imports")
    if imports:
        out += ["", "== voter import (bench/imports.py)"]
        rows = [[name, "", "", f["value"], f["unit"]] for name, f in imports.items()]
        out.append(_table(["figure", "", "", "value", ""], rows))
        out.append(f"target: import of 50,000 rows < 60 s → {_verdict(import_target(imports))}")
    documents = doc.get("documents")
    if documents:
        out += ["", "== documents of one district (bench/reports.py)"]
        rows = [[name, "", "", f["value"], f["unit"]] for name, f in documents.items()]
        out.append(_table(["figure", "", "", "value", ""], rows))
        appraisal = [f["value"] for name, f in documents.items() if name.startswith("appraisal")]
        ok = all(v < 30 for v in appraisal) if appraisal else None
        out.append(f"target: district appraisal report < 30 s → {_verdict(ok)}")
    for note in doc.get("notes", []):
        out.append(f"note: {note}")
    verdicts = doc["targets"]
    out += ["", f"targets: {verdicts['passed']} pass, {verdicts['failed']} fail (not asserted)"]
    return "\n".join(out)
