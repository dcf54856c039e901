"""The pure rules of the task list: schedules, pace, count and share status, the contact-day
calendar. Days of 2026 that matter: 20 Jun a Saturday (19 Jun the Dragon Boat Festival), 20 Sep
a Sunday made a working day, 20 Dec a Sunday, 20 Feb a Friday in the Spring Festival."""

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


def test_contact_day_tolerance_follows_the_official_working_calendar():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    exact = r.model_copy(update={"tolerance": "exact"})
    # 20 Feb 2026, a Friday, falls in the Spring Festival holiday (15–23 Feb); the working day
    # before is the swapped Saturday 14 Feb, the one after Tuesday 24 Feb, the nearer one.
    assert ts.contact_days_allowed(r, YEAR, 2) == [date(2026, 2, d) for d in (14, 20, 24)]
    assert ts.contact_day_planned(r, YEAR, 2) == date(2026, 2, 24)
    # Sunday 20 Sep 2026 is a swapped working day (National Day): only that day counts.
    assert ts.contact_days_allowed(r, YEAR, 9) == [date(2026, 9, 20)]
    assert ts.contact_day_planned(r, YEAR, 9) == date(2026, 9, 20)
    # Saturday 20 Jun 2026: Friday 19th is the Dragon Boat Festival, so Thursday 18th and
    # Monday 22nd, as near as each other: the earlier is announced.
    assert ts.contact_days_allowed(r, YEAR, 6) == [date(2026, 6, d) for d in (18, 20, 22)]
    assert ts.contact_day_planned(r, YEAR, 6) == date(2026, 6, 18)
    # Sunday 20 Dec 2026: Friday 18th and Monday 21st; Sunday → Monday.
    assert ts.contact_days_allowed(r, YEAR, 12) == [date(2026, 12, d) for d in (18, 20, 21)]
    assert ts.contact_day_planned(r, YEAR, 12) == date(2026, 12, 21)
    assert ts.contact_days_allowed(exact, YEAR, 2) == [date(2026, 2, 20)]
    assert ts.contact_day_planned(exact, YEAR, 2) == date(2026, 2, 20)


def test_contact_days_around_national_day_and_swapped_saturdays():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    fifth = r.model_copy(update={"day_of_month": 5})
    # 5 Oct 2026 is in the National Day holiday (1–7 Oct): Wednesday 30 Sep before, Thursday
    # 8 Oct after, three days away against five.
    assert ts.contact_days_allowed(fifth, YEAR, 10) == [
        date(2026, 9, 30),
        date(2026, 10, 5),
        date(2026, 10, 8),
    ]
    assert ts.contact_day_planned(fifth, YEAR, 10) == date(2026, 10, 8)
    # Saturdays 14 Feb and 10 Oct 2026 are swapped working days: the day itself only.
    fourteenth = r.model_copy(update={"day_of_month": 14})
    assert ts.contact_days_allowed(fourteenth, YEAR, 2) == [date(2026, 2, 14)]
    tenth = r.model_copy(update={"day_of_month": 10})
    assert ts.contact_day_planned(tenth, YEAR, 10) == date(2026, 10, 10)
    # An ordinary Saturday, 13 Jun 2026, moves to Friday 12th.
    thirteenth = r.model_copy(update={"day_of_month": 13})
    assert ts.contact_day_planned(thirteenth, YEAR, 6) == date(2026, 6, 12)


def test_local_exceptions_and_the_weekend_fallback_past_the_official_calendar():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    local = r.model_copy(
        update={"local_holidays": [date(2026, 1, 20)], "local_working_days": [date(2026, 12, 20)]}
    )
    # Tuesday 20 Jan 2026 made a local holiday: Monday 19th and Wednesday 21st count too.
    assert ts.contact_days_allowed(local, YEAR, 1) == [date(2026, 1, d) for d in (19, 20, 21)]
    # Sunday 20 Dec 2026 made a local working day: the day itself only.
    assert ts.contact_days_allowed(local, YEAR, 12) == [date(2026, 12, 20)]
    # 2027 is past the official calendar the package knows: Saturday/Sunday only.
    assert ts.contact_days_allowed(r, 2027, 2) == [date(2027, 2, d) for d in (19, 20, 22)]


def test_a_day_cannot_be_both_a_local_holiday_and_a_local_working_day():
    data = rules.to_content(rules.load_toml(rules.default_rules_path(YEAR)))
    data["contact_day"]["local_holidays"] = ["2026-05-06"]
    data["contact_day"]["local_working_days"] = ["2026-05-06"]
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data)
    assert [d.type for d in err.value.details] == ["rule_calendar_both"]


def test_the_contact_day_calendar_names_the_month_of_every_allowed_day():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    calendar = ts.contact_day_calendar(r, YEAR)
    # Twelve 20ths, plus two more days for each 20th that is not a working day: Feb (Spring
    # Festival), Jun (a Saturday) and Dec (a Sunday); Sunday 20 Sep is a swapped working day.
    assert len(calendar) == 12 + 2 * 3
    assert [calendar.get(date(2026, 9, d)) for d in (18, 19, 20, 21)] == [None, None, 9, None]
    assert [calendar.get(date(2026, 2, d)) for d in (13, 14, 20, 24)] == [None, 2, 2, 2]
    # With the 1st as contact day, Saturday 1 Jan 2028 allows Friday 31 Dec 2027 for January.
    first = r.model_copy(update={"day_of_month": 1})
    assert ts.contact_day_calendar(first, 2028)[date(2027, 12, 31)] == 1
