"""Aspect A of the task list, T01–T04: the counts and the records behind a cell, on small
hand-built records, values worked by hand."""

from datetime import date

import pytest

from models.enums import (
    MeetingKind,
)
from services import checklist
from tests.factories import (
    YEAR,
    add_meeting,
    add_unit,
    records,
    setup_rules,
    status,
)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


# ---------------------------------------------------------------------------------------------
# T01 congress sessions


def test_t01_a_session_on_30_june_is_in_time_one_on_1_july_is_late(session):
    setup_rules(session)
    a = add_unit(session, "a", order=1)
    b = add_unit(session, "b", order=2)
    add_meeting(session, a, MeetingKind.congress_session, date(2026, 6, 30))
    add_meeting(session, b, MeetingKind.congress_session, date(2026, 7, 1))

    on_30 = checklist.checklist_status(session, YEAR, date(2026, 6, 30))
    # Schedule: 1 by 30 Jun, 2 by 31 Dec.
    ta, tb = on_30.unit(a).task("T01"), on_30.unit(b).task("T01")
    assert (ta.value, ta.expected, ta.status) == (1, 1, "on_track")
    assert (tb.value, tb.expected, tb.status) == (0, 1, "overdue")
    assert tb.missing == (
        {
            "kind": "sessions_needed",
            "n": 1,
            "deadline": date(2026, 6, 30),
            "quarter": None,
            "overdue": True,
        },
        {
            "kind": "sessions_needed",
            "n": 2,
            "deadline": date(2026, 12, 31),
            "quarter": None,
            "overdue": False,
        },
    )
    assert ta.missing[0]["deadline"] == date(2026, 12, 31) and ta.missing[0]["n"] == 1

    # On 1 July the late session counts: 1 of the 1 expected by the passed deadline.
    assert status(session, b, "T01", date(2026, 7, 1)).status == "on_track"


def test_t01_a_second_session_planned_for_december_is_not_behind_in_october(town, session):
    """First session in March, the second planned for December: deadlines 30 Jun (1) and
    31 Dec (2), a warning 30 days ahead. On track through 30 Nov (31 days left), behind from
    1 Dec (30 days left), overdue when 31 Dec ends without the second."""
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 18))
    for as_of, want in (
        (date(2026, 9, 30), "on_track"),
        (date(2026, 10, 1), "on_track"),
        (date(2026, 11, 30), "on_track"),
        (date(2026, 12, 1), "behind"),
        (date(2026, 12, 30), "behind"),
        (date(2026, 12, 31), "overdue"),
    ):
        assert status(session, town, "T01", as_of).status == want, as_of
    t = status(session, town, "T01", date(2026, 12, 2))
    assert t.decided_by.reason == "deadline_near"
    assert (t.decided_by.point.day, t.decided_by.point.expected) == (date(2026, 12, 31), 2)
    assert (t.decided_by.point.kind, t.decided_by.days_left) == ("deadline", 29)
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 12, 2))
    assert status(session, town, "T01", date(2026, 12, 2)).status == "done"


def test_t01_done_when_both_sessions_are_held(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20))
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 2))
    t = status(session, town, "T01", date(2026, 3, 2))
    assert (t.value, t.status, t.missing) == (2, "done", ())


# ---------------------------------------------------------------------------------------------
# T02 presidium meetings per quarter


def test_t02_two_meetings_in_one_quarter_and_none_in_the_next(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 3, 10), topics=1)

    # 29 Jun: the second quarter has a day left, 2 held against the 2 due by 30 Jun: the count
    # is in order; 1 Mar → 31 Mar the first quarter was in hand.
    assert status(session, town, "T02", date(2026, 6, 29)).status == "on_track"
    # 30 Jun ends without a meeting in the second quarter: four quarters each with a meeting
    # can no longer be reached, so the task is overdue although 2 of the 2 due were held; it
    # is held to the year's 4 by 31 Dec, so it never reads "2 done, 2 due" and overdue.
    t = status(session, town, "T02", date(2026, 6, 30))
    assert (t.value, t.expected, t.expected_on, t.status) == (2, 4, date(2026, 12, 31), "overdue")
    assert t.decided_by.reason == "unreachable"
    assert t.decided_by.detail == {"kind": "quarters_without_meeting", "quarters": [2]}
    assert t.missing[0] == {"kind": "quarter_without_meeting", "quarter": 2}
    t = status(session, town, "T02", date(2026, 8, 16))
    assert t.status == "overdue"
    assert t.missing == (
        {"kind": "quarter_without_meeting", "quarter": 2},
        {
            "kind": "meetings_needed",
            "n": 1,
            "deadline": date(2026, 9, 30),
            "quarter": 3,
            "overdue": False,
        },
    )
    assert t.next_deadline == date(2026, 9, 30)
    # 30 Sep: 3 expected, 2 held.
    t = status(session, town, "T02", date(2026, 9, 30))
    assert t.status == "overdue"
    # Quarters 2 and 3 ended empty; one meeting overdue for Q3, two more owed by 31 Dec.
    assert [(m["kind"], m["quarter"]) for m in t.missing] == [
        ("quarter_without_meeting", 2),
        ("quarter_without_meeting", 3),
        ("meetings_needed", 3),
        ("meetings_needed", 4),
    ]
    assert [m.get("n") for m in t.missing[2:]] == [1, 2]
    assert [m.get("overdue") for m in t.missing[2:]] == [True, False]


def test_t02_four_meetings_in_the_first_quarter_are_not_four_quarters(town, session):
    for day in (date(2026, 1, 12), date(2026, 2, 9), date(2026, 3, 9), date(2026, 3, 23)):
        add_meeting(session, town, MeetingKind.presidium, day, topics=1)
    # 31 Mar: all four count, but three quarters have still to hold their own: not done yet.
    t = status(session, town, "T02", date(2026, 3, 31))
    assert (t.value, t.status, t.missing) == (4, "on_track", ())
    assert t.decided_by.reason == "quarters_to_cover"
    # 30 Jun: the second quarter ended empty, so at most 4 − 1 = 3 count, and four quarters
    # each with a meeting are out of reach: overdue.
    t = status(session, town, "T02", date(2026, 6, 30))
    assert (t.value, t.status) == (3, "overdue")
    assert t.missing[0] == {"kind": "quarter_without_meeting", "quarter": 2}
    # 31 Dec: three quarters empty, 4 − 3 = 1 counts against the 4 due.
    t = status(session, town, "T02", date(2026, 12, 31))
    assert (t.value, t.status) == (1, "overdue")
    assert [m["quarter"] for m in t.missing if m["kind"] == "quarter_without_meeting"] == [
        2,
        3,
        4,
    ]


def test_t02_one_meeting_in_each_quarter_is_done(town, session):
    for day in (date(2026, 2, 9), date(2026, 5, 11), date(2026, 8, 10), date(2026, 10, 12)):
        add_meeting(session, town, MeetingKind.presidium, day, topics=1)
    assert status(session, town, "T02", date(2026, 9, 30)).status == "on_track"
    # 1 Oct: the fourth quarter's meeting is not yet held; 31 Dec is 91 days away, outside the
    # 30-day warning: on track. 1 Dec is 30 days before: behind, had it not been held.
    assert status(session, town, "T02", date(2026, 10, 1)).status == "on_track"
    t = status(session, town, "T02", date(2026, 10, 31))
    assert (t.value, t.status, t.missing) == (4, "done", ())


def test_t02_counts_a_meeting_held_without_a_topic_and_none_after_as_of(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 1, 15))  # no topic
    add_meeting(session, town, MeetingKind.presidium, date(2026, 4, 15), topics=1)
    t = status(session, town, "T02", date(2026, 3, 31))
    assert (t.value, t.status) == (1, "on_track")
    assert status(session, town, "T02", date(2026, 4, 14)).value == 1
    assert status(session, town, "T02", date(2026, 4, 15)).value == 2


def test_t02_warns_within_30_days_of_a_quarter_end_and_is_overdue_after_it(town, session):
    # No meeting at all: 28 Feb is 31 days before 31 Mar, 1 Mar the first day of the window.
    assert status(session, town, "T02", date(2026, 2, 28)).status == "on_track"
    t = status(session, town, "T02", date(2026, 3, 1))
    assert (t.status, t.decided_by.reason, t.decided_by.days_left) == (
        "behind",
        "deadline_near",
        30,
    )
    assert status(session, town, "T02", date(2026, 3, 30)).status == "behind"
    t = status(session, town, "T02", date(2026, 3, 31))
    assert (t.status, t.decided_by.reason) == ("overdue", "deadline_missed")


# ---------------------------------------------------------------------------------------------
# T03 meetings run in full, T04 a topic at every presidium meeting


def test_t03_share_of_meetings_with_all_three_parts(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20))
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1, follow_up="   ")
    add_meeting(session, town, MeetingKind.presidium, date(2026, 3, 10), topics=1, research="")

    t = status(session, town, "T03", date(2026, 3, 9))
    assert (t.numerator, t.denominator, t.value) == (1, 2, 0.5)
    assert t.status == "behind"
    assert t.missing == (
        {
            "kind": "meeting_incomplete",
            "title": "presidium 2026-02-10",
            "held_on": date(2026, 2, 10),
            "parts": ["follow_up"],
        },
    )
    # Its parts may still be recorded: behind, not overdue, before the year's end.
    assert status(session, town, "T03", date(2026, 12, 30)).status == "behind"
    assert status(session, town, "T03", date(2026, 12, 31)).status == "overdue"


def test_t04_a_meeting_held_without_a_topic_makes_the_100_percent_target_unreachable(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=2)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 10))
    add_meeting(session, town, MeetingKind.presidium, date(2026, 8, 10), topics=1)
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 10))

    assert status(session, town, "T04", date(2026, 5, 9)).status == "on_track"
    t = status(session, town, "T04", date(2026, 5, 10))
    assert (t.numerator, t.denominator, t.status) == (1, 2, "overdue")
    assert t.decided_by.reason == "unreachable"
    assert t.decided_by.detail == {"kind": "target_unreachable", "misses": 1}
    t = status(session, town, "T04", date(2026, 9, 1))
    assert (t.numerator, t.denominator, t.status) == (2, 3, "overdue")
    assert [m["held_on"] for m in t.missing] == [date(2026, 5, 10)]


def test_t04_complete_when_every_presidium_meeting_has_a_topic(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 12), topics=1)
    assert status(session, town, "T04", date(2026, 6, 1)).status == "on_track"
    assert status(session, town, "T04", date(2026, 12, 31)).status == "done"


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_records_of_t03_and_t04_flag_what_counts(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=2)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 10), research="")
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 2), research="")
    add_meeting(session, town, MeetingKind.presidium, date(2026, 7, 10), topics=1)

    t04 = records(session, town, "T04", date(2026, 6, 30))
    assert list(t04["date"]) == [date(2026, 2, 10), date(2026, 5, 10)]
    assert list(t04["value"]) == [2, 0]
    assert list(t04["counts"]) == [True, False]
    assert list(t04["detail"]) == ["", ""]
    assert t04["text"][0] == "议题0；议题1"

    t03 = records(session, town, "T03", date(2026, 6, 30))
    assert list(t03["date"]) == [date(2026, 2, 10), date(2026, 3, 2), date(2026, 5, 10)]
    assert list(t03["counts"]) == [True, False, False]
    assert list(t03["detail"]) == ["", "research", "research"]


def test_records_of_t01_and_t02_count_the_meetings_held(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20), research="")
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 4, 10))

    t01 = records(session, town, "T01", date(2026, 6, 30))
    # A session lacking its research is still held.
    assert list(t01["counts"]) == [True]
    assert list(t01["kind"]) == ["congress_session"]
    assert status(session, town, "T01", date(2026, 6, 30)).value == 1

    # A presidium meeting without a topic is held and counts for T02.
    t02 = records(session, town, "T02", date(2026, 6, 30))
    assert list(t02["date"]) == [date(2026, 2, 10), date(2026, 4, 10)]
    assert list(t02["counts"]) == [True, True]
    assert status(session, town, "T02", date(2026, 6, 30)).value == 2


def test_a_record_part_of_spaces_is_blank_for_the_count_and_the_records(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20))
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1, follow_up="   ")
    t = status(session, town, "T03", date(2026, 6, 30))
    rows = records(session, town, "T03", date(2026, 6, 30))
    assert (t.numerator, t.denominator) == (1, 2)
    assert list(rows["counts"]) == [True, False]
    assert list(rows["detail"]) == ["", "follow_up"]
