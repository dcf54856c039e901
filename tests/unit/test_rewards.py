"""Rewards (奖补): the appraisal decides who is eligible, the rule set how much each pays."""

from datetime import date
from decimal import Decimal

import pytest

from models import IntegratedActivity, Platform, PlatformCheck, Township
from models.enums import PlatformKind, Role, UnitType
from services import rules, scoring
from services.permissions import Actor
from services.rewards import rewards
from tests.factories import ADMIN, LEADER

Y = 2025


@pytest.fixture
def world(session):
    """A town and a sub-district, and the town's clerk."""
    rules.install_defaults(session)
    town = Township(code="jia", name_zh="甲镇", name_en="Jia", unit_type=UnitType.town)
    sub = Township(code="yi", name_zh="乙街道", name_en="Yi", unit_type=UnitType.subdistrict)
    session.add_all([town, sub])
    session.commit()
    return {
        "town": town.id,
        "sub": sub.id,
        "clerk": Actor(id=None, username="c1", role=Role.township_staff, township_id=town.id),
    }


def _platform(session, tid, ok, active=True):
    """A platform with the first ``ok`` of the year's 11 check items ticked."""
    p = Platform(
        township_id=tid,
        kind=PlatformKind.station,
        name="联络站",
        active=active,
        closed_on=None if active else date(Y, 2, 1),
    )
    session.add(p)
    session.flush()
    for i, code in enumerate(rules.get_rules(session, Y).platforms.items):
        session.add(PlatformCheck(platform_id=p.id, year=Y, item_code=code, ok=i < ok))


def _activity(session, tid, held_on, levels):
    session.add(
        IntegratedActivity(
            township_id=tid, held_on=held_on, theme="主题", title="活动", levels=levels
        )
    )


def test_rewards_from_grade_platforms_and_activities(session, world, monkeypatch):
    town, sub = world["town"], world["sub"]
    monkeypatch.setattr(
        scoring, "township_grades", lambda s, year, as_of, **_: {town: "excellent", sub: "good"}
    )
    # Town: 21 of 22 items met (95.5 %, the minimum share is 95 %) on two platforms; a platform
    # retired in February with nothing met does not count.
    _platform(session, town, 11)
    _platform(session, town, 10)
    _platform(session, town, 0, active=False)
    # Sub-district: 20 of 22 (90.9 %) is not outstanding.
    _platform(session, sub, 11)
    _platform(session, sub, 9)
    # Town: 4 activities, one with 4 levels → distinctive.
    for day, levels in [
        (3, "township,county"),
        (4, "township"),
        (5, "township"),
        (6, "national,provincial,city,county"),
    ]:
        _activity(session, town, date(Y, day, 10), levels)
    # Sub-district: 4 activities, at most 3 levels (an unknown code is ignored) → not distinctive;
    # a fifth with 5 levels comes after the as-of date.
    for day, levels in [
        (3, "county,city,provincial"),
        (4, "county"),
        (5, "county"),
        (6, "county, city ,village"),
    ]:
        _activity(session, sub, date(Y, day, 10), levels)
    _activity(session, sub, date(Y, 12, 1), "national,provincial,city,county,township")
    session.commit()
    report = rewards(session, LEADER, year=Y, as_of=date(Y, 11, 30))
    rows = {r.township_id: r for r in report.rows}
    t, s = rows[town], rows[sub]
    assert (t.platform_ok, t.platform_items, t.platform_outstanding) == (21, 22, True)
    assert (t.activities, t.max_levels, t.distinctive) == (4, 4, True)
    assert t.total_yuan == Decimal("80000.00")  # 50,000 + 20,000 + 10,000
    assert (s.platform_outstanding, s.activities, s.max_levels, s.distinctive) == (
        False,
        4,
        3,
        False,
    )
    assert s.grade == "good" and s.total_yuan == Decimal("0.00")
    assert report.total_yuan == Decimal("80000.00")
    # With the late activity counted the sub-district earns the activity reward.
    later = rewards(session, LEADER, year=Y, as_of=date(Y, 12, 31))
    assert {r.township_id: r.activities_yuan for r in later.rows}[sub] == Decimal("10000.00")
    # A clerk sees their own unit only.
    own = rewards(session, world["clerk"], year=Y, as_of=date(Y, 11, 30))
    assert [r.township_id for r in own.rows] == [town]


def test_reward_amounts_come_from_the_rule_set(session, world, monkeypatch):
    town = world["town"]
    monkeypatch.setattr(scoring, "township_grades", lambda s, year, as_of, **_: {town: "excellent"})
    data = rules.to_content(rules.get_rules(session, Y))
    data["rewards"]["excellent_yuan"] = "12345.67"
    data["rewards"]["outstanding_platform_min_share"] = 0.5
    rules.save_rules(session, ADMIN, data)
    _platform(session, town, 6)  # 6 of 11 items: 54.5 %, at least the half asked for
    session.commit()
    row = next(
        r
        for r in rewards(session, LEADER, year=Y, as_of=date(Y, 6, 1)).rows
        if r.township_id == town
    )
    assert row.excellent_yuan == Decimal("12345.67") and row.platform_outstanding
    assert row.total_yuan == Decimal("32345.67")
