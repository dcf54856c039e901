"""The pure rules of the task list: schedules, pace, count and share status, the contact-day
calendar. Days of 2026 that matter: 20 Jun a Saturday (19 Jun the Dragon Boat Festival), 20 Sep
a Sunday made a working day, 20 Dec a Sunday, 20 Feb a Friday in the Spring Festival."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services import rules
from services import task_status as ts
from services.checklist_tasks.meetings import presidium_quarters

YEAR = 2026


# ---------------------------------------------------------------------------------------------
# Schedules and verdicts


def _points(code: str, goal: float) -> list[ts.Point]:
    r = rules.load_toml(rules.default_rules_path(YEAR))
    return ts.schedule_points(r.task(code), YEAR, goal)


def test_the_default_schedules_name_deadlines_and_pace_points():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    kinds = {
        code: [(p.day, p.expected, p.kind) for p in ts.schedule_points(r.task(code), YEAR, goal)]
        for code, goal in (("T01", 2), ("T02", 4), ("T05", 4), ("T09", 2), ("T10", 2))
    }
    assert kinds["T01"] == [(date(2026, 6, 30), 1, "deadline"), (date(2026, 12, 31), 2, "deadline")]
    assert [k for _, _, k in kinds["T02"]] == ["deadline"] * 4
    assert [k for _, _, k in kinds["T05"]] == ["pace", "pace", "pace", "deadline"]
    assert kinds["T09"][0][2] == kinds["T09"][1][2] == "deadline"
    assert kinds["T10"][-1] == (date(2026, 12, 31), 2, "deadline")
    assert {c: r.task(c).warn_days for c in ("T01", "T02", "T05", "T09", "T10")} == {
        "T01": 30,
        "T02": 30,
        "T05": 0,
        "T09": 30,
        "T10": 30,
    }


def test_an_unscheduled_count_task_is_due_at_the_year_end():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    task = r.task("T01").model_copy(update={"schedule": []})
    assert ts.schedule_points(task, YEAR, 2) == [ts.Point(date(2026, 12, 31), 2, "deadline")]


def test_a_deadline_missed_is_overdue_the_day_it_passes_short():
    points = _points("T01", 2)
    # No session by 30 Jun: on 30 May 31 days are left, on 31 May 30 (the window opens); on
    # 29 Jun one day is left.
    assert ts.count_verdict(0, 2, points, date(2026, 5, 30), 30)[0] == "on_track"
    assert ts.count_verdict(0, 2, points, date(2026, 5, 31), 30)[0] == "behind"
    status, why = ts.count_verdict(0, 2, points, date(2026, 6, 29), 30)
    assert (status, why.reason, why.days_left) == ("behind", "deadline_near", 1)
    status, why = ts.count_verdict(0, 2, points, date(2026, 6, 30), 30)
    assert (status, why.reason, why.point.day) == ("overdue", "deadline_missed", date(2026, 6, 30))
    # Without a warning window a deadline still ahead is on track.
    assert ts.count_verdict(0, 2, points, date(2026, 6, 29), 0)[0] == "on_track"


def test_the_linear_pace_is_gone_a_session_planned_for_december_is_on_track_in_october():
    points = _points("T01", 2)
    for as_of, want, reason in (
        (date(2026, 9, 30), "on_track", "next"),
        (date(2026, 10, 1), "on_track", "next"),
        (date(2026, 11, 30), "on_track", "next"),  # 31 days left
        (date(2026, 12, 1), "behind", "deadline_near"),  # 30 days left: the window opens
        (date(2026, 12, 2), "behind", "deadline_near"),  # 29 days left
        (date(2026, 12, 31), "overdue", "deadline_missed"),
    ):
        status, why = ts.count_verdict(1, 2, points, as_of, 30)
        assert (status, why.reason) == (want, reason), as_of
    assert ts.count_verdict(1, 2, points, date(2026, 12, 2), 30)[1].days_left == 29


def test_a_pace_point_fallen_short_of_is_behind_never_overdue():
    points = _points("T05", 4)
    assert ts.count_verdict(2, 4, points, date(2026, 9, 29))[0] == "on_track"
    status, why = ts.count_verdict(2, 4, points, date(2026, 9, 30))
    assert (status, why.reason, why.point.expected) == ("behind", "pace_short", 3)
    assert ts.count_verdict(1, 4, points, date(2026, 10, 15))[0] == "behind"
    assert ts.count_verdict(3, 4, points, date(2026, 10, 15))[0] == "on_track"
    # The year's end is always a deadline.
    assert ts.count_verdict(3, 4, points, date(2026, 12, 31))[0] == "overdue"
    assert ts.count_verdict(4, 4, points, date(2026, 12, 31))[0] == "done"


def test_a_share_below_a_100_percent_target_after_a_final_miss_is_overdue():
    assert ts.share_verdict(0.5, 1.0, YEAR, date(2026, 6, 30))[0] == "behind"
    miss = ts.final_miss(1.0, 1)
    status, why = ts.share_verdict(0.5, 1.0, YEAR, date(2026, 6, 30), miss)
    assert (status, why.reason, why.detail) == ("overdue", "unreachable", miss)
    # A 90 % target can still be reached after one miss.
    assert ts.final_miss(0.9, 1) is None
    assert ts.share_verdict(None, 1.0, YEAR, date(2026, 6, 30))[0] == "on_track"
    assert ts.share_verdict(None, 1.0, YEAR, date(2026, 12, 31))[0] == "done"
    assert ts.share_verdict(0.5, 0.9, YEAR, date(2026, 12, 30))[0] == "behind"
    assert ts.share_verdict(0.5, 0.9, YEAR, date(2026, 12, 31))[0] == "overdue"


# Properties: a record added never worsens a verdict; time passing never improves it.

_days = st.dates(date(2026, 1, 1), date(2026, 12, 31))


@st.composite
def _schedules(draw):
    n = draw(st.integers(0, 5))
    days = sorted(draw(st.sets(_days, min_size=n, max_size=n)))
    expected = sorted(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)))
    kinds = draw(st.lists(st.sampled_from(["deadline", "pace"]), min_size=n, max_size=n))
    points = [ts.Point(d, float(e), k) for d, e, k in zip(days, expected, kinds, strict=True)]
    goal = float(draw(st.integers(1, 6)))
    if points and points[-1].day == date(2026, 12, 31):
        points[-1] = ts.Point(points[-1].day, max(points[-1].expected, goal), "deadline")
    else:
        points.append(ts.Point(date(2026, 12, 31), goal, "deadline"))
    return points, goal


@given(_schedules(), st.integers(0, 6), _days, st.integers(0, 60))
def test_adding_a_record_never_makes_a_count_verdict_worse(schedule, count, as_of, warn):
    points, goal = schedule
    before = ts.count_verdict(count, goal, points, as_of, warn)[0]
    after = ts.count_verdict(count + 1, goal, points, as_of, warn)[0]
    assert ts.RANK[after] <= ts.RANK[before]


@given(_schedules(), st.integers(0, 6), _days, _days, st.integers(0, 60))
def test_time_passing_never_makes_a_count_verdict_better(schedule, count, d1, d2, warn):
    points, goal = schedule
    early, late = sorted((d1, d2))
    before = ts.count_verdict(count, goal, points, early, warn)[0]
    after = ts.count_verdict(count, goal, points, late, warn)[0]
    assert ts.RANK[after] >= ts.RANK[before]


@given(
    st.dictionaries(st.integers(1, 12), st.integers(0, 2)),
    st.integers(1, 12),
    _days,
    _days,
    st.sampled_from([2, 3, 4, 5]),
)
def test_t02_a_meeting_added_never_worsens_and_time_never_improves_the_verdict(
    by_month, month, d1, d2, target
):
    """T02 from the meetings held per month (``presidium_quarters``) through ``count_task``."""
    task = rules.load_toml(rules.default_rules_path(YEAR)).task("T02")
    task = task.model_copy(update={"target": float(target)})

    def verdict(months: dict[int, int], as_of: date) -> str:
        # Only the meetings held by as_of are records by then.
        held = {m: n for m, n in months.items() if date(YEAR, m, 1) <= as_of}
        credited, _, _, reachable = presidium_quarters(held, task.target, YEAR, as_of)
        unreachable = None if reachable else {"kind": "quarters_without_meeting"}
        return ts.count_task(
            task,
            1,
            credited,
            task.target,
            year=YEAR,
            as_of=as_of,
            missing_kind="meetings_needed",
            unreachable=unreachable,
        ).status

    early, late = sorted((d1, d2))
    more = {**by_month, month: by_month.get(month, 0) + 1}
    # A meeting held in a month already begun by as_of.
    if date(YEAR, month, 1) <= late:
        assert ts.RANK[verdict(more, late)] <= ts.RANK[verdict(by_month, late)]
    # Time passing with only the meetings already held by the earlier day.
    past = {m: n for m, n in by_month.items() if date(YEAR, m, 1) <= early}
    assert ts.RANK[verdict(past, late)] >= ts.RANK[verdict(past, early)]


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


# ---------------------------------------------------------------------------------------------
# One reading of every verdict: what is due is more than what is done


def test_three_of_three_due_is_never_behind_the_figure_is_the_deadline_s():
    """T02, one meeting a quarter, three held by 2 Dec: the fourth quarter's deadline (31 Dec)
    is 29 days away, inside the 30-day warning window, so the task is behind, and it is held to
    4 by 31 Dec — not "3 done, 3 due"."""
    task = rules.load_toml(rules.default_rules_path(YEAR)).task("T02")
    status = ts.count_task(
        task, 1, 3, 4, year=YEAR, as_of=date(2026, 12, 2), missing_kind="meetings_needed"
    )
    assert (status.status, status.expected, status.expected_on) == (
        "behind",
        4,
        date(2026, 12, 31),
    )
    # On 27 Nov (34 days left) the same three are on track, due 3 by that day.
    status = ts.count_task(
        task, 1, 3, 4, year=YEAR, as_of=date(2026, 11, 27), missing_kind="meetings_needed"
    )
    assert (status.status, status.expected, status.expected_on) == ("on_track", 3, None)


def test_a_target_out_of_reach_holds_the_unit_to_the_year_s_goal():
    """Three meetings credited with a quarter left empty: overdue, due 4 by 31 Dec."""
    task = rules.load_toml(rules.default_rules_path(YEAR)).task("T02")
    status = ts.count_task(
        task,
        1,
        3,
        4,
        year=YEAR,
        as_of=date(2026, 11, 1),
        missing_kind="meetings_needed",
        unreachable={"kind": "quarters_without_meeting", "quarters": [3]},
    )
    assert (status.status, status.expected, status.expected_on) == (
        "overdue",
        4,
        date(2026, 12, 31),
    )


@given(_schedules(), st.integers(0, 6), _days, st.integers(0, 60))
def test_a_count_behind_or_overdue_always_owes_more_than_it_has(schedule, count, as_of, warn):
    points, goal = schedule
    status, decision = ts.count_verdict(count, goal, points, as_of, warn)
    expected, _ = ts.held_to(count, points, as_of, decision)
    if status in ("behind", "overdue"):
        assert count < expected
    else:
        assert status == "done" or count >= expected


def test_no_presidium_meeting_is_behind_from_the_first_quarter_s_end_never_on_track():
    """T04 of a town without a presidium meeting: nothing to share, but a topic was owed from
    31 Mar (the first quarter's meeting was due): behind, overdue from 31 Dec."""
    task = rules.load_toml(rules.default_rules_path(YEAR)).task("T04")
    owed = {"kind": "no_presidium_meeting"}

    def verdict(as_of: date, owes: bool) -> ts.TaskStatus:
        return ts.share_task(
            task,
            1,
            0,
            0,
            target=1.0,
            missing=[],
            year=YEAR,
            as_of=as_of,
            owed=owed if owes else None,
        )

    early = verdict(date(2026, 3, 30), owes=False)
    assert early.status == "on_track"
    late = verdict(date(2026, 12, 2), owes=True)
    assert late.status == "behind"
    assert late.decided_by is not None and late.decided_by.reason == "nothing_held"
    assert late.missing == (owed,)
    assert verdict(date(2026, 12, 31), owes=True).status == "overdue"


def test_the_next_contact_day_is_the_planned_one():
    """20 Dec 2026 is a Sunday: the contact day is announced for Monday 21 Dec, on every screen;
    after it, the next is 20 Jan 2027 (a Wednesday)."""
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day

    def nxt(d: date) -> date:
        return ts.next_contact_day_planned(lambda _year: r, d)

    assert nxt(date(2026, 11, 27)) == date(2026, 12, 21)
    assert nxt(date(2026, 12, 21)) == date(2026, 12, 21)
    assert nxt(date(2026, 12, 22)) == date(2027, 1, 20)
    assert nxt(date(2026, 11, 20)) == date(2026, 11, 20)
