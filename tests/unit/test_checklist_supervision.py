"""Aspect B of the task list, T05–T06: the counts and the records behind a cell, on small
hand-built records, values worked by hand."""

from datetime import date

import pytest

from models.enums import (
    SupervisionKind,
    SupervisionStage,
)
from tests.factories import (
    add_activity,
    add_item,
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
# T05 supervision activities


def test_t05_activities_against_the_quarterly_schedule(town, session):
    add_activity(session, town, date(2026, 3, 5))
    add_activity(session, town, date(2026, 5, 5), SupervisionKind.appraisal)
    t = status(session, town, "T05", date(2026, 7, 1))
    assert (t.value, t.expected, t.status) == (2, 2, "on_track")
    # The quarters' figures are pace points: short of 3 by 30 Sep is behind, not overdue.
    assert status(session, town, "T05", date(2026, 9, 29)).status == "on_track"
    t = status(session, town, "T05", date(2026, 9, 30))
    assert (t.value, t.expected, t.status) == (2, 3, "behind")
    assert t.decided_by.reason == "pace_short"
    assert (t.decided_by.point.day, t.decided_by.point.kind) == (date(2026, 9, 30), "pace")
    assert t.missing[0] == {
        "kind": "activities_needed",
        "n": 1,
        "deadline": date(2026, 9, 30),
        "quarter": 3,
        "overdue": False,
    }
    # The year's end is a deadline: 4 by 31 Dec.
    assert status(session, town, "T05", date(2026, 12, 30)).status == "behind"
    assert status(session, town, "T05", date(2026, 12, 31)).status == "overdue"


def test_t05_one_activity_by_15_october_is_behind_not_overdue(town, session):
    add_activity(session, town, date(2026, 2, 5))
    t = status(session, town, "T05", date(2026, 10, 15))
    assert (t.value, t.status) == (1, "behind")
    # Four a year are still within reach; the 30 Sep pace point asked for 3.
    assert (t.decided_by.point.day, t.decided_by.point.expected) == (date(2026, 9, 30), 3)
    assert status(session, town, "T05", date(2026, 3, 31)).status == "on_track"
    assert status(session, town, "T05", date(2026, 6, 30)).status == "behind"


# ---------------------------------------------------------------------------------------------
# T06 closing the loop


def test_t06_items_due_and_reaching_feedback(town, session):
    # Due 120 days after opening (30 + 15 + 15 + 60). As of 30 Jun 2026 an item is due when
    # opened between 3 Sep 2025 (due 1 Jan 2026) and 2 Mar 2026 (due 30 Jun 2026).
    add_item(session, town, date(2025, 9, 2), SupervisionStage.follow_up)  # due last year
    add_item(session, town, date(2025, 9, 3), SupervisionStage.closed)  # due 1 Jan: reached
    add_item(session, town, date(2026, 1, 10), SupervisionStage.follow_up)  # due 10 May: open
    add_item(session, town, date(2026, 3, 2), SupervisionStage.feedback)  # due 30 Jun: reached
    add_item(session, town, date(2026, 3, 3), SupervisionStage.investigation)  # not due yet

    t = status(session, town, "T06", date(2026, 6, 30))
    assert (t.numerator, t.denominator, t.target) == (2, 3, 0.9)
    assert t.status == "behind"
    # 0.9 × 3 = 2.7 → one more item must reach feedback.
    assert t.missing[0] == {"kind": "items_needed", "n": 1, "due": 3}
    assert t.missing[1] == {
        "kind": "item_not_closed",
        "title": "事项2026-01-10",
        "due_on": date(2026, 5, 10),
        "stage": SupervisionStage.follow_up,
    }


def test_t06_closure_target_comes_from_the_rule_set(town, session):
    add_item(session, town, date(2026, 1, 10), SupervisionStage.closed)
    add_item(session, town, date(2026, 1, 11), SupervisionStage.assignment)
    assert status(session, town, "T06", date(2026, 6, 30)).status == "behind"  # 1/2 < 0.9
    save_rule_change(session, lambda d: d["supervision"].update(closure_target=0.5))
    assert status(session, town, "T06", date(2026, 6, 30)).status == "on_track"


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_t05_records_list_every_activity_and_count_the_kinds_of_the_rule_set(town, session):
    save_rule_change(session, lambda d: d["supervision"].update(activity_kinds=["inspection"]))
    add_activity(session, town, date(2026, 3, 5))
    add_activity(session, town, date(2026, 4, 5), SupervisionKind.survey)
    rows = records(session, town, "T05", date(2026, 6, 30))
    assert list(rows["kind"]) == ["inspection", "survey"]
    assert list(rows["counts"]) == [True, False]
    assert status(session, town, "T05", date(2026, 6, 30)).value == 1


def test_t06_records_are_the_items_due_dated_by_when_they_were_due(town, session):
    add_item(session, town, date(2025, 9, 3), SupervisionStage.closed)  # due 1 Jan
    add_item(session, town, date(2026, 1, 10), SupervisionStage.follow_up)  # due 10 May
    add_item(session, town, date(2026, 3, 3), SupervisionStage.investigation)  # not due yet
    rows = records(session, town, "T06", date(2026, 6, 30))
    assert list(rows["date"]) == [date(2026, 1, 1), date(2026, 5, 10)]
    assert list(rows["detail"]) == ["closed", "follow_up"]
    assert list(rows["counts"]) == [True, False]
