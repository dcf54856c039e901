"""The loop's metrics on the hand-built loop of ``tests.factories.build_loop``, every expected
number worked out by hand.

Rules (both years): investigation 30, deliberation 15, assignment 15, follow-up 60, feedback 30
days; unsatisfied returns to assignment. As of 30 Jun 2026:

Unit A (town)
  a1 opened 10 Jan: →del 20 Jan →asg 30 Jan →fu 9 Feb →fb 11 Mar →closed 21 Mar (satisfied, 20)
  a2 opened 1 Feb: →del 11 Feb →asg 16 Feb →fu 26 Feb →fb 28 Mar →asg 7 Apr (unsatisfied, 10)
     →fu 17 Apr →fb 17 May →closed 27 May (basically satisfied, 30)
  a3 opened 1 May: →del 11 May, still there (deadline 26 May: 35 days overdue)
Unit B (sub-district)
  b1 opened 1 Jun 2026, in investigation 29 days (deadline 1 Jul: in time)
  b2 opened 1 Nov 2025: →del 11 Nov →asg 21 Nov →fu 1 Dec →fb 30 Jan 2026
     →asg 9 Feb 2026 (unsatisfied, 12), still there (deadline 24 Feb: 126 days overdue)
  b4 opened 20 Feb 2026, in investigation (deadline 22 Mar: 100 days overdue)
  b3 opened 1 Mar 2025, closed 10 May 2025: not alive in 2026, counted nowhere.
"""

from datetime import date

import pytest

from services import supervision_metrics as metrics
from tests.factories import LOOP_AS_OF as AS_OF
from tests.factories import advance_through, build_loop


@pytest.fixture
def loop(session):
    return build_loop(session)


def test_counts_by_stage_per_unit(session, loop):
    w, _ = loop
    df = metrics.stage_counts(session, w.leader, year=2026, as_of=AS_OF)
    got = {(r.township_id, r.stage): r.items for r in df.itertuples()}
    assert got == {
        (w.a, "closed"): 2,
        (w.a, "deliberation"): 1,
        (w.b, "investigation"): 2,
        (w.b, "assignment"): 1,
    }
    mine = metrics.stage_counts(session, w.clerk_b, year=2026, as_of=AS_OF)
    assert set(mine["township_id"]) == {w.b} and mine["items"].sum() == 3
    # In 2025 only b2 (open at the end of the year) and b3 (closed in May) were alive.
    df25 = metrics.stage_counts(session, w.leader, year=2025, as_of=date(2025, 12, 31))
    assert {(r.stage, r.items) for r in df25.itertuples()} == {("assignment", 1), ("closed", 1)}


def test_overdue_list(session, loop):
    w, ids = loop
    df = metrics.overdue_items(session, w.leader, year=2026, as_of=AS_OF)
    assert df[["id", "stage", "deadline", "days_overdue"]].values.tolist() == [
        [ids["b2"], "assignment", date(2026, 2, 24), 126],
        [ids["b4"], "investigation", date(2026, 3, 22), 100],
        [ids["a3"], "deliberation", date(2026, 5, 26), 35],
    ]
    # a3 is still in time on its deadline day, 26 May.
    on_time = metrics.overdue_items(session, w.clerk_a, year=2026, as_of=date(2026, 5, 26))
    assert on_time.empty
    assert metrics.overdue_items(session, w.clerk_a, year=2026, as_of=AS_OF)["id"].tolist() == [
        ids["a3"]
    ]


def test_closure_and_satisfaction_per_unit(session, loop):
    w, _ = loop
    df = metrics.township_summary(session, w.leader, year=2026, as_of=AS_OF).set_index(
        "township_id"
    )
    a, b = df.loc[w.a], df.loc[w.b]
    # A: 3 items, 2 closed; ratings in 2026: satisfied, unsatisfied, basically satisfied.
    assert (a["items"], a["closed"], a["open"], a["overdue"]) == (3, 2, 1, 1)
    assert a["closure_rate"] == pytest.approx(2 / 3)
    assert (a["rated"], a["good"], a["raters"]) == (3, 2, 60)
    assert a["satisfaction"] == pytest.approx(2 / 3)
    # B: 3 items alive (b1, b2, b4), none closed; one rating in 2026 (b2, unsatisfied).
    assert (b["items"], b["closed"], b["overdue"], b["rated"], b["good"]) == (3, 0, 2, 1, 0)
    assert b["closure_rate"] == 0 and b["satisfaction"] == 0
    assert a["closure_target"] == 0.9
    # As of 31 Mar: a1 is closed, a2 not yet; a3 and b1 are not opened yet.
    march = metrics.township_summary(session, w.clerk_a, year=2026, as_of=date(2026, 3, 31))
    assert march[["township_id", "items", "closed", "rated"]].values.tolist() == [[w.a, 2, 1, 1]]


def test_a_unit_without_items_shows_no_rate(session, loop):
    w, _ = loop
    df = metrics.township_summary(session, w.leader, year=2024, as_of=date(2024, 12, 31))
    assert df["items"].tolist() == [0, 0]
    assert df["closure_rate"].isna().all() and df["satisfaction"].isna().all()


def test_average_days_per_stage(session, loop):
    w, _ = loop
    df = metrics.average_stage_days(session, w.leader, year=2026, as_of=AS_OF).set_index("stage")
    # investigation: a1 10, a2 10, a3 10, b1 29 (to 30 Jun), b2 10, b4 130 (to 30 Jun) = 199 / 6
    # deliberation: a1 10, a2 5, a3 50 (to 30 Jun), b2 10 = 75 / 4
    # assignment: a1 10, a2 10 + 10, b2 10 + 141 (9 Feb to 30 Jun) = 181 / 5
    # follow-up: a1 30, a2 30 + 30, b2 60 = 150 / 4
    # feedback: a1 10, a2 10 + 10, b2 10 = 40 / 4
    assert df["stays"].to_dict() == {
        "investigation": 6,
        "deliberation": 4,
        "assignment": 5,
        "follow_up": 4,
        "feedback": 4,
    }
    assert df["avg_days"].tolist() == pytest.approx([199 / 6, 75 / 4, 181 / 5, 150 / 4, 10.0])
    assert df["deadline_days"].tolist() == [30, 15, 15, 60, 30]
    # One unit only: B's stays are b1 29, b2 10, b4 130 in investigation.
    b = metrics.average_stage_days(session, w.leader, year=2026, as_of=AS_OF, township_id=w.b)
    assert b.set_index("stage").loc["investigation", "avg_days"] == pytest.approx(169 / 3)
    assert b.set_index("stage").loc["deliberation", "stays"] == 1


def test_t06_loop_progress(session, loop):
    w, ids = loop
    # Due once 30 + 15 + 15 + 60 = 120 days have run from opening, within 2026 up to 30 Jun:
    # opened between 3 Sep 2025 and 1 Mar 2026. A: a1, a2 (both closed). B: b2 (assignment
    # after the unsatisfied rating, so not at feedback now), b4 (investigation).
    df = metrics.loop_progress(session, w.leader, year=2026, as_of=AS_OF).set_index("township_id")
    assert df.loc[w.a, ["due", "reached"]].tolist() == [2, 2]
    assert df.loc[w.b, ["due", "reached"]].tolist() == [2, 0]
    assert df.loc[w.a, "share"] == 1 and df.loc[w.b, "share"] == 0
    advance_through(session, w, ids["b2"], date(2026, 7, 1), date(2026, 7, 2))  # back to feedback
    after = metrics.loop_progress(session, w.leader, year=2026, as_of=date(2026, 7, 2))
    assert after.set_index("township_id").loc[w.b, ["due", "reached"]].tolist() == [2, 1]


def test_t06_agrees_with_the_task_list(session, loop):
    from services.checklist import checklist_status

    w, _ = loop
    mine = metrics.loop_progress(session, w.leader, year=2026, as_of=AS_OF).set_index("township_id")
    result = checklist_status(session, 2026, AS_OF)
    for tid in (w.a, w.b):
        task = result.unit(tid).task("T06")
        assert (task.numerator, task.denominator) == tuple(mine.loc[tid, ["reached", "due"]])
