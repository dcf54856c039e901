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

    # On 1 July the late session counts: 1 of the 1 expected; pace 1 + 1/184.
    assert status(session, b, "T01", date(2026, 7, 1)).status == "on_track"
    # A draft is not a session held.
    add_meeting(session, a, MeetingKind.congress_session, date(2026, 8, 3), draft=True)
    assert status(session, a, "T01", date(2026, 12, 31)).value == 1


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

    # 30 Jun: 2 held, 2 expected: on track, but the empty second quarter is listed.
    t = status(session, town, "T02", date(2026, 6, 30))
    assert (t.value, t.expected, t.status) == (2, 2, "on_track")
    assert t.missing[0] == {"kind": "quarter_without_meeting", "quarter": 2}

    # 15 Aug: 46 of the 92 days to 30 Sep, pace 2.5: still within half a meeting.
    assert status(session, town, "T02", date(2026, 8, 15)).status == "on_track"
    # 16 Aug: pace 2 + 47/92 = 2.51: behind.
    t = status(session, town, "T02", date(2026, 8, 16))
    assert t.status == "behind"
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
    # 30 Jun: the second quarter ended empty, so at most 4 − 1 = 3 count; 2 were due.
    t = status(session, town, "T02", date(2026, 6, 30))
    assert (t.value, t.status) == (3, "on_track")
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
    t = status(session, town, "T02", date(2026, 10, 31))
    assert (t.value, t.status, t.missing) == (4, "done", ())


def test_t02_counts_neither_drafts_nor_meetings_after_as_of(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 1, 15), draft=True)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 4, 15), topics=1)
    t = status(session, town, "T02", date(2026, 3, 31))
    assert (t.value, t.status) == (0, "overdue")
    assert {"kind": "quarter_without_meeting", "quarter": 1} in t.missing


# ---------------------------------------------------------------------------------------------
# T03 meetings run in full, T04 a topic at every presidium meeting


def test_t03_share_of_meetings_with_all_three_parts(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20))
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1, follow_up="   ")
    # Drafts are not held meetings for T03.
    add_meeting(session, town, MeetingKind.presidium, date(2026, 3, 10), draft=True, research="")

    t = status(session, town, "T03", date(2026, 6, 30))
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
    assert status(session, town, "T03", date(2026, 12, 31)).status == "overdue"


def test_t04_drafts_are_meetings_held_without_a_topic(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=2)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 10), draft=True)
    # A draft with a topic is still a draft: not a finished record.
    add_meeting(session, town, MeetingKind.presidium, date(2026, 8, 10), draft=True, topics=1)
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 10))

    t = status(session, town, "T04", date(2026, 9, 1))
    assert (t.numerator, t.denominator) == (1, 3)
    assert t.status == "behind"
    assert [(m["held_on"], m["draft"]) for m in t.missing] == [
        (date(2026, 5, 10), True),
        (date(2026, 8, 10), True),
    ]
    # As of June only the first two are held: 1 of 2.
    t = status(session, town, "T04", date(2026, 6, 1))
    assert (t.numerator, t.denominator) == (1, 2)


def test_t04_complete_when_every_presidium_meeting_has_a_topic(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 12), topics=1)
    assert status(session, town, "T04", date(2026, 6, 1)).status == "on_track"
    assert status(session, town, "T04", date(2026, 12, 31)).status == "done"


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_records_of_t03_and_t04_flag_what_counts(town, session):
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=2)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 5, 10), draft=True)
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 2), research="")
    add_meeting(session, town, MeetingKind.presidium, date(2026, 7, 10), topics=1)

    t04 = records(session, town, "T04", date(2026, 6, 30))
    assert list(t04["date"]) == [date(2026, 2, 10), date(2026, 5, 10)]
    assert list(t04["value"]) == [2, 0]
    assert list(t04["counts"]) == [True, False]
    assert list(t04["detail"]) == ["", "draft"]
    assert t04["text"][0] == "议题0；议题1"

    t03 = records(session, town, "T03", date(2026, 6, 30))
    assert list(t03["counts"]) == [True, False]  # drafts are left out of T03
    assert t03["detail"][1] == "research"


def test_records_of_t01_and_t02_count_the_meetings_held(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20), research="")
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 2), draft=True)
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1)

    t01 = records(session, town, "T01", date(2026, 6, 30))
    # A session lacking its research is still held; a draft is listed but not held.
    assert list(t01["counts"]) == [True, False]
    assert list(t01["detail"]) == ["", "draft"]
    assert list(t01["kind"]) == ["congress_session"] * 2
    assert status(session, town, "T01", date(2026, 6, 30)).value == 1

    t02 = records(session, town, "T02", date(2026, 6, 30))
    assert list(t02["date"]) == [date(2026, 2, 10)]
    assert list(t02["counts"]) == [True]


def test_a_record_part_of_spaces_is_blank_for_the_count_and_the_records(town, session):
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 1, 20))
    add_meeting(session, town, MeetingKind.presidium, date(2026, 2, 10), topics=1, follow_up="   ")
    t = status(session, town, "T03", date(2026, 6, 30))
    rows = records(session, town, "T03", date(2026, 6, 30))
    assert (t.numerator, t.denominator) == (1, 2)
    assert list(rows["counts"]) == [True, False]
    assert list(rows["detail"]) == ["", "follow_up"]
