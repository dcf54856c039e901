"""The benchmark's pass/fail columns judge the figures by the targets of the issue."""

from bench import report


def _page(cold, warm, floor, sql_cold=10, sql_warm=2):
    return {
        "cold_ms": cold,
        "warm_ms": warm,
        "floor_ms": floor,
        "statements_cold": sql_cold,
        "statements_warm": sql_warm,
    }


def _result(scale, units, backend, page, peak_mb=300):
    return {
        "scale": scale,
        "units": units,
        "backend": backend,
        "pages": {"overview": page},
        "services": {},
        "memory": {"peak_mb": peak_mb},
    }


def test_warm_and_cold_against_the_floor_at_district_scale():
    at_limit = _result("district", 14, "sqlite", _page(cold=200, warm=130, floor=100))
    over = _result("district", 14, "sqlite", _page(cold=201, warm=131, floor=100))
    assert report.page_targets([at_limit], at_limit, "overview") == {
        "warm_within_1.3x_floor": True,
        "cold_target": True,
        "postgres_within_1.5x_sqlite": None,
        "statements_flat": None,
    }
    verdicts = report.page_targets([over], over, "overview")
    assert verdicts["warm_within_1.3x_floor"] is False
    assert verdicts["cold_target"] is False


def test_province_cold_is_judged_in_seconds_on_sqlite_only():
    lite = _result("province", 1400, "sqlite", _page(cold=1999, warm=100, floor=100))
    pg = _result("province", 1400, "postgresql", _page(cold=2998, warm=150, floor=100))
    results = [lite, pg]
    assert report.page_targets(results, lite, "overview")["cold_target"] is True
    assert report.page_targets(results, pg, "overview")["cold_target"] is None
    # PostgreSQL against SQLite: 2,998 ≤ 1.5 × 1,999 = 2,998.5 and 150 ≤ 1.5 × 100.
    assert report.page_targets(results, pg, "overview")["postgres_within_1.5x_sqlite"] is True
    pg["pages"]["overview"]["warm_ms"] = 151
    assert report.page_targets(results, pg, "overview")["postgres_within_1.5x_sqlite"] is False


def test_statements_may_not_grow_with_the_units():
    district = _result("district", 14, "sqlite", _page(100, 100, 100, sql_cold=25))
    same = _result("city", 140, "sqlite", _page(100, 100, 100, sql_cold=25))
    more = _result("province", 1400, "sqlite", _page(100, 100, 100, sql_cold=26))
    results = [district, same, more]
    assert report.page_targets(results, district, "overview")["statements_flat"] is None
    assert report.page_targets(results, same, "overview")["statements_flat"] is True
    assert report.page_targets(results, more, "overview")["statements_flat"] is False


def test_memory_and_import_targets():
    assert report.memory_target(_result("city", 140, "sqlite", _page(1, 1, 1), 2000)) is None
    assert report.memory_target(_result("province", 1400, "sqlite", _page(1, 1, 1), 1023)) is True
    assert report.memory_target(_result("province", 1400, "sqlite", _page(1, 1, 1), 1024)) is False
    figure = report.IMPORT_FIGURE
    assert report.import_target({figure: {"value": 59.9, "unit": "s"}}) is True
    assert report.import_target({figure: {"value": 60.0, "unit": "s"}}) is False
    assert report.import_target(None) is None
