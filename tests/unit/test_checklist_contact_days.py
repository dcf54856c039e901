"""T07 of the task list, the monthly contact day: the count and the records behind a cell, on
small hand-built records, values worked by hand. Weekdays of 2026 that matter: 20 Jun is a
Saturday, 20 Sep and 20 Dec are Sundays, 20 Feb is a Friday."""

from datetime import date

import pytest

from models.enums import (
    DeputyLevel,
    UnitType,
)
from services import checklist
from tests.factories import (
    ADMIN,
    add_contact_day,
    add_deputies,
    add_unit,
    records,
    save_rule_change,
    setup_rules,
    status,
)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


# ---------------------------------------------------------------------------------------------
# T07 contact days


@pytest.mark.parametrize(
    ("tolerance", "held_on", "counted"),
    [
        # 20 Dec 2026 is a Sunday; the 19th is the Saturday before: never the contact day.
        ("exact", date(2026, 12, 19), False),
        ("nearest_working_day", date(2026, 12, 19), False),
        # The Friday before and the Monday after count only with the tolerance.
        ("exact", date(2026, 12, 18), False),
        ("nearest_working_day", date(2026, 12, 18), True),
        ("nearest_working_day", date(2026, 12, 21), True),
        ("exact", date(2026, 12, 20), True),
        # 20 Jun 2026 is a Saturday after the Dragon Boat Festival (Friday 19th): Thursday 18th.
        ("nearest_working_day", date(2026, 6, 18), True),
        ("nearest_working_day", date(2026, 6, 19), False),
        ("exact", date(2026, 6, 18), False),
        # Sunday 20 Sep 2026 is a swapped working day: Friday 18th is not its contact day.
        ("nearest_working_day", date(2026, 9, 18), False),
        # 20 Feb 2026 is in the Spring Festival holiday: the swapped Saturday 14 Feb before it
        # and Tuesday 24 Feb after it count.
        ("nearest_working_day", date(2026, 2, 14), True),
        ("nearest_working_day", date(2026, 2, 24), True),
        ("nearest_working_day", date(2026, 2, 23), False),
    ],
)
def test_t07_contact_day_on_the_nearest_working_day(session, tolerance, held_on, counted):
    setup_rules(session)
    save_rule_change(session, lambda d: d["contact_day"].update(tolerance=tolerance))
    tid = add_unit(session)
    deputies = add_deputies(session, tid, 5)
    add_contact_day(session, tid, held_on, deputies)
    # As of 31 Dec all twelve months are due.
    t = status(session, tid, "T07", date(2026, 12, 31))
    assert (t.numerator, t.denominator) == (int(counted), 12)
    rows = records(session, tid, "T07", date(2026, 12, 31))
    assert list(rows["counts"]) == [counted]
    assert list(rows["detail"]) == ["" if counted else "off_day"]


def test_t07_a_month_is_due_once_its_last_allowed_day_passed(session):
    setup_rules(session)  # nearest_working_day
    tid = add_unit(session, "a")
    other = add_unit(session, "b", order=2)
    deputies = add_deputies(session, tid, 2)
    add_contact_day(session, tid, date(2026, 12, 18), deputies)
    # Sunday 20 Dec: the Monday after is still to come, so December is not due for a unit
    # that has not held it yet, but counts for one that held it on the Friday.
    assert status(session, other, "T07", date(2026, 12, 20)).denominator == 11
    t = status(session, tid, "T07", date(2026, 12, 20))
    assert (t.numerator, t.denominator) == (1, 12)
    assert status(session, other, "T07", date(2026, 12, 21)).denominator == 12
    # Friday 20 Feb is in the Spring Festival holiday: February is due only after Tuesday 24th.
    assert status(session, other, "T07", date(2026, 2, 23)).denominator == 1
    assert status(session, other, "T07", date(2026, 2, 24)).denominator == 2


def test_t07_participation_against_township_deputies(town, session):
    township = add_deputies(session, town, 10)
    # Deputies of other levels and retired ones are not expected at a town's contact day.
    county = add_deputies(session, town, 2, level=DeputyLevel.county)
    add_deputies(session, town, 3, active=False)
    add_contact_day(session, town, date(2026, 1, 20), township[:8])  # 8/10 = 0.8
    add_contact_day(session, town, date(2026, 2, 20), township[:7] + county)  # 7/10

    # February's contact day fell short: 100 % of the year's months is out of reach.
    t = status(session, town, "T07", date(2026, 2, 28))
    assert (t.numerator, t.denominator, t.status) == (1, 2, "overdue")
    assert t.missing == (
        {"kind": "contact_day_low", "month": 2, "share": 0.7, "min": 0.8},
        {"kind": "contact_day_next", "day": date(2026, 3, 20)},
    )
    save_rule_change(session, lambda d: d["contact_day"].update(min_participation=0.7))
    assert status(session, town, "T07", date(2026, 2, 28)).numerator == 2


def test_t07_is_overdue_once_the_months_to_come_cannot_reach_the_target(session):
    setup_rules(session)
    tid = add_unit(session)
    deputies = add_deputies(session, tid, 2)
    add_contact_day(session, tid, date(2026, 1, 20), deputies)
    # A 90 % target: 0.9 × 12 = 10.8, so 11 months. February missed leaves 11 within reach.
    save_rule_change(
        session,
        lambda d: next(t for t in d["checklist"]["tasks"] if t["code"] == "T07").update(target=0.9),
    )
    t = status(session, tid, "T07", date(2026, 2, 28))
    assert (t.numerator, t.denominator, t.status) == (1, 2, "behind")
    # March missed too: at best 10 of 12 (83 %).
    t = status(session, tid, "T07", date(2026, 3, 20))
    assert (t.numerator, t.denominator, t.status) == (1, 3, "overdue")
    assert t.decided_by.detail == {"kind": "target_unreachable", "misses": 2}
    assert status(session, tid, "T07", date(2026, 3, 19)).status == "behind"


def test_t07_subdistricts_expect_all_their_deputies(session):
    setup_rules(session)
    tid = add_unit(session, "sd", UnitType.subdistrict)
    county = add_deputies(session, tid, 4, level=DeputyLevel.county)
    city = add_deputies(session, tid, 1, level=DeputyLevel.city)
    add_contact_day(session, tid, date(2026, 1, 20), county)  # 4/5 = 0.8
    add_contact_day(session, tid, date(2026, 2, 20), county[:3])  # 3/5
    add_contact_day(session, tid, date(2026, 3, 20), county[:3] + city)  # 4/5
    t = status(session, tid, "T07", date(2026, 3, 31))
    assert (t.numerator, t.denominator) == (2, 3)


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_records_of_contact_days(town, session):
    deputies = add_deputies(session, town, 5, presidium=True)
    add_contact_day(session, town, date(2026, 1, 20), deputies[:4])  # 4/5
    add_contact_day(session, town, date(2026, 2, 23), deputies)  # off day
    rows = records(session, town, "T07", date(2026, 3, 1))
    assert list(rows["counts"]) == [True, False]
    assert list(rows["detail"]) == ["", "off_day"]
    assert list(rows["text"]) == ["4/5", "5/5"]


def test_records_of_t07_name_low_participation_and_count_the_working_day_before(session):
    setup_rules(session)  # nearest_working_day
    tid = add_unit(session, "a")
    deputies = add_deputies(session, tid, 10)
    add_contact_day(session, tid, date(2026, 3, 20), deputies[:7])  # 7/10 < 0.8
    # Thursday 18 Jun: Saturday 20 Jun follows the Dragon Boat Festival on Friday 19th.
    add_contact_day(session, tid, date(2026, 6, 18), deputies[:9])
    rows = records(session, tid, "T07", date(2026, 6, 30))
    assert list(rows["detail"]) == ["low_participation", ""]
    assert list(rows["counts"]) == [False, True]
    assert list(rows["value"]) == [7, 9]
    assert status(session, tid, "T07", date(2026, 6, 30)).numerator == 1


def test_january_contact_day_held_on_31_december_counts_in_the_count_and_the_records(session):
    setup_rules(session)
    save_rule_change(session, lambda d: d["contact_day"].update(day_of_month=1))
    # The rule set of 2026 also rules 2028 (the latest year ≤ 2028); 1 Jan 2028 is a Saturday.
    tid = add_unit(session)
    deputies = add_deputies(session, tid, 2)
    add_contact_day(session, tid, date(2027, 12, 31), deputies)
    as_of = date(2028, 1, 31)
    t07 = checklist.checklist_status(session, 2028, as_of).unit(tid).task("T07")
    rows = checklist.cell_records(
        session, ADMIN, year=2028, as_of=as_of, township_id=tid, task_code="T07"
    )
    assert (t07.numerator, t07.denominator) == (1, 1)
    assert list(rows["date"]) == [date(2027, 12, 31)]
    assert list(rows["counts"]) == [True]
