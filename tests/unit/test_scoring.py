"""The appraisal: a hand-built town scored by hand, a weight change, ties and grades."""

from datetime import UTC, date, datetime

import pytest

from models import (
    Budget,
    Commendation,
    Expense,
    IntegratedActivity,
    Meeting,
    OrgGuarantee,
    Platform,
    PlatformCheck,
    SupervisionActivity,
    SupervisionTopic,
    TaskMark,
    Township,
)
from models.enums import MeetingKind, PlatformKind, SupervisionKind, UnitType
from services import rules, scoring
from tests.factories import ADMIN

Y = 2026
YEAR_END = date(Y, 12, 31)
FULL = {"research": "会前调研", "deliberation": "会中审议", "follow_up": "会后督办"}


def _town(session, code: str, order: int) -> int:
    unit = Township(
        code=code, name_zh=f"{code}镇", name_en=code, unit_type=UnitType.town, sort_order=order
    )
    session.add(unit)
    session.commit()
    return unit.id


def _fill(session, tid: int) -> None:
    """The records of the worked example below."""
    session.add(
        Meeting(
            township_id=tid,
            kind=MeetingKind.congress_session,
            held_on=date(Y, 2, 10),
            title="人代会",
            **FULL,
        )
    )
    for month in (2, 5, 8):  # Q1–Q3: three of four presidium meetings, each with a topic
        m = Meeting(
            township_id=tid,
            kind=MeetingKind.presidium,
            held_on=date(Y, month, 15),
            title=f"{month}月主席团会议",
            **FULL,
        )
        session.add(m)
        session.flush()
        session.add(SupervisionTopic(meeting_id=m.id, township_id=tid, title="议题"))
    for month in (3, 9):
        session.add(
            SupervisionActivity(
                township_id=tid,
                kind=SupervisionKind.inspection,
                held_on=date(Y, month, 1),
                subject="视察",
            )
        )
    for code in ("T08", "T09"):
        session.add(TaskMark(township_id=tid, year=Y, task_code=code, evidence="台账"))
    platform = Platform(township_id=tid, kind=PlatformKind.home, name="代表之家")
    session.add(platform)
    session.flush()
    items = [
        "place",
        "sign",
        "rules",
        "plan",
        "activities",
        "ledger",
        "funding",
        "results",
        "functions",
        "mechanism",
        "design",
    ]
    for i, code in enumerate(items):
        session.add(PlatformCheck(platform_id=platform.id, year=Y, item_code=code, ok=i < 8))
    session.add(
        OrgGuarantee(
            township_id=tid,
            year=Y,
            has_department=True,
            has_fulltime_staff=True,
            has_training_mechanism=False,
        )
    )
    session.add(
        Budget(
            township_id=tid,
            year=Y,
            category="meetings",
            amount_fen=1_000_000,
            district_share_fen=400_000,
            township_share_fen=600_000,
        )
    )
    session.add(
        Expense(
            township_id=tid,
            occurred_on=date(Y, 5, 1),
            budget_year=Y,
            category="meetings",
            amount_fen=400_000,
            payee="会务公司",
            purpose="人代会会务",
            receipt_no=f"R-{tid}-1",
            entered_at=datetime(Y, 5, 2, tzinfo=UTC),
        )
    )
    session.add(
        IntegratedActivity(
            township_id=tid,
            held_on=date(Y, 6, 1),
            theme=rules.get_rules(session, Y).themes[0],  # a district's theme of the year
            title="五级代表进网格",
            levels="county,township",
        )
    )
    session.add(
        Commendation(
            township_id=tid,
            year=Y,
            title="优秀代表",
            status="approved",
            awarded_on=date(Y, 12, 1),
        )
    )
    session.commit()


@pytest.fixture
def town(session):
    rules.install_defaults(session)
    tid = _town(session, "jia", 1)
    _fill(session, tid)
    return tid


def test_a_town_scored_by_hand(session, town):
    board = scoring.township_scores(session, Y, YEAR_END)
    s = board.unit(town)
    # Task list, 10 tasks × 6 points, credit = share of the annual target:
    #   T01 1/2 → 3    T02 3/4 → 4.5   T03 4/4 full records → 6   T04 3/3 with topic → 6
    #   T05 2/4 → 3    T06 nothing due, no recorded work to measure → 0
    #   T07 no contact day in 12 months → 0
    #   T08, T09 hand marks → 6 + 6     T10 1/2 → 3            total 37.5
    assert s.dimensions["checklist"] == 37.5
    # No supervision item at all: 0 of 10.
    assert s.dimensions["supervision"] == 0
    # 8 of 11 platform items: 10 × 8 / 11 = 7.27.
    assert s.dimensions["platforms"] == 7.27
    # Two of the three ones: 5 × 2 / 3 = 3.33.
    assert s.dimensions["organisation"] == 3.33
    # No standing violation (5) + execution 4,000 / 10,000 at year end (5 × 0.4 = 2).
    assert s.dimensions["funds"] == 7.0
    # One multi-level activity of 2 (2.5 × 0.5) + a commendation (2.5).
    assert s.dimensions["integrated"] == 3.75
    # 37.5 + 0 + 7.2727 + 3.3333 + 7 + 3.75 = 58.856 → 58.86, a fail (58.86 < 60).
    assert s.total == 58.86 and s.grade == "fail" and s.rank == 1
    t02 = next(f for f in s.facts if f.params.get("task") == "T02")
    assert (t02.key, t02.params["n"], t02.params["target"], t02.points, t02.max_points) == (
        "score.fact.count",
        3,
        4,
        4.5,
        6.0,
    )
    assert scoring.township_grades(session, Y, YEAR_END) == {town: "fail"}
    # Reward eligibility: a fail is not excellent; 8 of 11 items (73 %) is under the 95 % of
    # outstanding platforms; one activity of two levels is short of 4 activities, one of 4 levels.
    e = s.rewards
    assert (e.grade, e.excellent) == ("fail", False)
    assert (e.platform_ok, e.platform_items, e.platform_outstanding) == (8, 11, False)
    assert (e.activities, e.max_levels, e.distinctive) == (1, 2, False)


def test_reward_eligibility_follows_the_rule_set(session, town):
    data = rules.to_content(rules.get_rules(session, Y))
    data["rewards"]["outstanding_platform_min_share"] = 0.72  # 8 / 11 = 0.727… reaches it
    data["rewards"]["distinctive_min_activities"] = 1
    data["rewards"]["distinctive_min_levels"] = 2
    data["appraisal"]["grades"] = [
        {"code": "excellent", "min": 55},  # 58.86 reaches it
        {"code": "good", "min": 40},
        {"code": "pass", "min": 20},
        {"code": "fail", "min": 0},
    ]
    rules.save_rules(session, ADMIN, data)
    e = scoring.township_scores(session, Y, YEAR_END).unit(town).rewards
    assert (e.grade, e.excellent, e.platform_outstanding, e.distinctive) == (
        "excellent",
        True,
        True,
        True,
    )


def test_changing_a_weight_changes_the_score_by_hand(session, town):
    data = rules.to_content(rules.get_rules(session, Y))
    data["appraisal"]["weights"]["platforms"] = 20
    data["appraisal"]["weights"]["checklist"] = 50
    for task in data["checklist"]["tasks"]:
        task["weight"] = 5
    rules.save_rules(session, ADMIN, data)
    s = scoring.township_scores(session, Y, YEAR_END).unit(town)
    # Task list: 6.25 credits × 5 = 31.25; platforms 20 × 8 / 11 = 14.55.
    assert s.dimensions["checklist"] == 31.25
    assert s.dimensions["platforms"] == 14.55
    # 31.25 + 0 + 14.5454 + 3.3333 + 7 + 3.75 = 59.879 → 59.88.
    assert s.total == 59.88


def test_grade_thresholds_and_adjustments_come_from_the_rules(session, town):
    data = rules.to_content(rules.get_rules(session, Y))
    data["appraisal"]["grades"][2]["min"] = 57  # pass now needs 57
    data["appraisal"]["adjustments"] = [
        {"township": "jia", "points": -2, "reason": "信息报送不及时"}
    ]
    rules.save_rules(session, ADMIN, data)
    s = scoring.township_scores(session, Y, YEAR_END).unit(town)
    assert s.adjustments == -2.0 and s.total == 56.86  # 58.86 − 2
    assert s.grade == "fail"  # 56.86 < 57
    line = next(f for f in s.facts if f.dimension == "adjustments")
    assert line.params == {"reason": "信息报送不及时"} and line.points == -2


def _q4_presidium_meeting(session, tid: int) -> None:
    m = Meeting(
        township_id=tid,
        kind=MeetingKind.presidium,
        held_on=date(Y, 11, 3),
        title="四季度主席团会议",
        **FULL,
    )
    session.add(m)
    session.flush()
    session.add(SupervisionTopic(meeting_id=m.id, township_id=tid, title="议题"))
    session.commit()


def test_ties_are_broken_by_checklist_points_then_the_units_order(session):
    rules.install_defaults(session)
    first = _town(session, "yi", 1)
    second = _town(session, "bing", 2)
    _fill(session, second)
    _fill(session, first)
    board = scoring.township_scores(session, Y, YEAR_END)
    # Same records, same total: the district's order of units decides, so ranks never repeat.
    assert [u.township_id for u in board.units] == [first, second]
    assert [u.rank for u in board.units] == [1, 2]
    assert board.units[0].total == board.units[1].total

    # The second unit holds its fourth presidium meeting in Q4: T02 goes from 3 to 4 of 4,
    # 6 × 1/4 = 1.5 more task-list points. A bonus line of 1.5 for the first unit evens the
    # totals again, so only the task-list points can put the second unit first.
    _q4_presidium_meeting(session, second)
    data = rules.to_content(rules.get_rules(session, Y))
    data["appraisal"]["adjustments"] = [{"township": "yi", "points": 1.5, "reason": "表彰加分"}]
    rules.save_rules(session, ADMIN, data)
    board = scoring.township_scores(session, Y, YEAR_END)
    a, b = board.unit(first), board.unit(second)
    assert b.dimensions["checklist"] - a.dimensions["checklist"] == pytest.approx(1.5)
    assert a.total == b.total
    assert [u.township_id for u in board.units] == [second, first]
    assert board.median_total == pytest.approx(a.total)


def test_one_units_score_is_its_score_on_the_board(session):
    """What a scorecard shows of last year: the chosen unit's points and total, the same as on
    the board of every unit, without the rank and rewards that compare units."""
    rules.install_defaults(session)
    first = _town(session, "yi", 1)
    second = _town(session, "bing", 2)
    _fill(session, first)
    _q4_presidium_meeting(session, second)
    board = scoring.township_scores(session, Y, YEAR_END)
    for tid in (first, second):
        alone = scoring.unit_score(session, Y, YEAR_END, tid)
        on_board = board.unit(tid)
        assert (alone.total, alone.grade, alone.dimensions, alone.facts) == (
            on_board.total,
            on_board.grade,
            on_board.dimensions,
            on_board.facts,
        )
        assert (alone.rank, alone.rewards) == (0, None)
    # 37.5 + 7.27 + 3.33 + 7 + 3.75 = 58.86 for the filled unit (worked out above).
    assert scoring.unit_score(session, Y, YEAR_END, first).total == 58.86
    assert scoring.unit_score(session, Y, YEAR_END, 10_000) is None


def test_a_unit_with_no_records_scores_zero_and_fails(session):
    rules.install_defaults(session)
    tid = _town(session, "ding", 1)
    for as_of in (date(Y, 6, 30), YEAR_END):
        s = scoring.township_scores(session, Y, as_of).unit(tid)
        # Not a point for work not recorded: no share with nothing due, no compliance without
        # any budget or expense.
        assert s.total == 0 and set(s.dimensions.values()) == {0}
        assert s.grade == "fail"
        keys = {f.key for f in s.facts}
        assert {"score.fact.nothing_due", "score.fact.no_fund_records"} <= keys
        assert all(f.points == 0 for f in s.facts)
