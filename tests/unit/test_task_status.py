"""The pure rules of the task list: schedules, pace, count and share status, the contact-day
calendar. Weekdays of 2026 that matter: 20 Jun is a Saturday, 20 Sep and 20 Dec are Sundays,
20 Feb is a Friday."""

from datetime import date

import pytest

from services import rules
from services import task_status as ts

YEAR = 2026


# ---------------------------------------------------------------------------------------------
# Schedules and pace


def test_expected_count_and_linear_pace_of_the_quarterly_schedule():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    points = ts.deadlines(r.task("T02"), YEAR, 4)
    assert points[0] == (date(2026, 3, 31), 1)
    assert ts.expected_by(points, date(2026, 3, 30)) == 0
    assert ts.expected_by(points, date(2026, 3, 31)) == 1
    # 31 Dec 2025 → 14 Feb is 45 of the 90 days to 31 Mar: pace 0.5.
    assert ts.pace(points, YEAR, date(2026, 2, 14)) == pytest.approx(0.5)
    assert ts.count_status(0, 4, points, YEAR, date(2026, 2, 14)) == "on_track"
    # 15 Feb: 46/90 = 0.511, more than half a meeting short.
    assert ts.count_status(0, 4, points, YEAR, date(2026, 2, 15)) == "behind"
    assert ts.count_status(0, 4, points, YEAR, date(2026, 3, 31)) == "overdue"
    assert ts.count_status(1, 4, points, YEAR, date(2026, 4, 1)) == "on_track"
    assert ts.count_status(4, 4, points, YEAR, date(2026, 4, 1)) == "done"
    # The year is over and the target was not met, whatever the schedule said.
    assert ts.count_status(3, 4, points[:3], YEAR, date(2026, 12, 31)) == "overdue"


def test_an_unscheduled_count_task_is_due_at_the_year_end():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    task = r.task("T01").model_copy(update={"schedule": []})
    assert ts.deadlines(task, YEAR, 2) == [(date(2026, 12, 31), 2)]


def test_contact_day_tolerance_dates():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    exact = r.model_copy(update={"tolerance": "exact"})
    # 20 Sep 2026 is a Sunday: Friday 18th and Monday 21st count; Saturday 19th does not.
    assert ts.contact_days_allowed(r, YEAR, 9) == [date(2026, 9, d) for d in (18, 20, 21)]
    # 20 Jun 2026 is a Saturday: Friday 19th and Monday 22nd.
    assert ts.contact_days_allowed(r, YEAR, 6) == [date(2026, 6, d) for d in (19, 20, 22)]
    assert ts.contact_days_allowed(r, YEAR, 2) == [date(2026, 2, 20)]  # a Friday
    assert ts.contact_days_allowed(exact, YEAR, 9) == [date(2026, 9, 20)]
    # The day announced: the nearest working day of a weekend 20th, under the tolerance only.
    assert ts.contact_day_planned(r, YEAR, 9) == date(2026, 9, 21)  # Sunday → Monday
    assert ts.contact_day_planned(r, YEAR, 6) == date(2026, 6, 19)  # Saturday → Friday
    assert ts.contact_day_planned(r, YEAR, 2) == date(2026, 2, 20)
    assert ts.contact_day_planned(exact, YEAR, 9) == date(2026, 9, 20)


def test_the_contact_day_calendar_names_the_month_of_every_allowed_day():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    calendar = ts.contact_day_calendar(r, YEAR)
    # Twelve 20ths, plus two more days for each 20th on a weekend: Jun, Sep, Dec in 2026.
    assert len(calendar) == 12 + 2 * 3
    assert [calendar.get(date(2026, 9, d)) for d in (18, 19, 20, 21)] == [9, None, 9, 9]
    assert calendar.get(date(2026, 2, 20)) == 2
    # With the 1st as contact day, Saturday 1 Jan 2028 allows Friday 31 Dec 2027 for January.
    first = r.model_copy(update={"day_of_month": 1})
    assert ts.contact_day_calendar(first, 2028)[date(2027, 12, 31)] == 1
