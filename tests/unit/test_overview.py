"""Overview services: the next contact day, a clerk's due list and the district alerts."""

from datetime import date

import pytest

from models import Township
from models.enums import Role, UnitType
from services import overview, rules
from services.permissions import Actor
from tests.factories import LEADER


@pytest.fixture
def town(session):
    rules.install_defaults(session)
    unit = Township(code="t", name_zh="甲镇", name_en="T", unit_type=UnitType.town, sort_order=1)
    session.add(unit)
    session.commit()
    return unit.id


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # 20 Dec 2026 is a Sunday: the rule's nearest working day is Monday the 21st.
        (date(2026, 11, 27), date(2026, 12, 21)),
        (date(2026, 11, 20), date(2026, 11, 20)),
        (date(2026, 12, 21), date(2026, 12, 21)),
        (date(2026, 12, 22), date(2027, 1, 20)),
    ],
)
def test_next_contact_day(session, town, as_of, expected):
    assert overview.next_contact_day(session, as_of) == expected


def test_a_clerks_due_list_keeps_what_can_still_be_done(session, town):
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=town)
    due = overview.due_this_week(session, clerk, township_id=town, as_of=date(2026, 9, 28))
    kinds = [
        (d.task, d.item["kind"], d.item.get("deadline") or d.item.get("day"), d.overdue)
        for d in due
    ]
    # No presidium meeting all year: the missed Q2 deadline (overdue) and Q3's on 30 Sep, two
    # days ahead, are both owed.
    assert ("T02", "meetings_needed", date(2026, 6, 30), True) in kinds
    assert ("T02", "meetings_needed", date(2026, 9, 30), False) in kinds
    # September's missed contact day shows; January's, long past, does not.
    contact = [k for k in kinds if k[0] == "T07"]
    assert contact and all(k[2] >= date(2026, 8, 28) for k in contact)
    assert due == sorted(due, key=lambda d: (not d.overdue, d.on))
    other = Actor(id=None, username="o", role=Role.township_staff, township_id=town + 1)
    assert overview.due_this_week(session, other, township_id=town, as_of=date(2026, 9, 28)) == []


def test_a_pace_point_passed_short_is_due_not_overdue_in_the_clerks_list(session, town):
    """T05's quarterly figures are pace points: with no activity by 1 Oct, the 30 Sep point
    passed short is behind, and the clerk's list shows it without the overdue flag."""
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=town)
    due = overview.due_this_week(session, clerk, township_id=town, as_of=date(2026, 10, 1))
    t05 = [(d.item["deadline"], d.overdue) for d in due if d.task == "T05"]
    assert t05 == [(date(2026, 9, 30), False)]


def test_alerts_name_the_units_and_the_next_contact_day(session, town):
    found = overview.alerts(session, LEADER, year=2026, as_of=date(2026, 11, 27))
    keys = {a.key: a for a in found}
    assert keys["overview.alert.no_presidium"].params["names_zh"] == ["甲镇"]
    assert keys["overview.alert.contact_missing"].township_ids == (town,)
    assert keys["overview.alert.next_contact_day"].params == {"day": date(2026, 12, 21), "n": 24}
    headline = overview.headline(session, LEADER, year=2026, as_of=date(2026, 11, 27))
    assert (headline.units, headline.units_on_track, headline.open_items) == (1, 0, 0)
    assert headline.execution is None  # no budget at all


def test_a_unit_that_needs_a_call_says_what_and_since_when(session, town):
    """A town without any record on 28 Sep 2026, hand-worked:
    T01 one session due by 30 Jun: overdue since 30 Jun; T02 a presidium meeting each quarter:
    overdue since the first quarter's end, 31 Mar; T04 no presidium meeting so no topic: behind
    since 31 Mar; T05 one activity a quarter (pace points): behind since 31 Mar; T07 no contact
    day at all: overdue since January's, 20 Jan (a Tuesday)."""
    (call,) = overview.unit_calls(session, LEADER, year=2026, as_of=date(2026, 9, 28))
    assert call.township_id == town and call.name("zh") == "甲镇"
    lags = {lag.code: (lag.status, lag.since) for lag in call.lags}
    assert lags["T01"] == ("overdue", date(2026, 6, 30))
    assert lags["T02"] == ("overdue", date(2026, 3, 31))
    assert lags["T04"] == ("behind", date(2026, 3, 31))
    assert lags["T05"] == ("behind", date(2026, 3, 31))
    assert lags["T07"] == ("overdue", date(2026, 1, 20))
    # Overdue first, the oldest first; what puts it right comes with each task.
    statuses = [lag.status for lag in call.lags]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue")
    t02 = next(lag for lag in call.lags if lag.code == "T02")
    assert t02.task is not None and t02.task.missing[0] == {
        "kind": "quarter_without_meeting",
        "quarter": 1,
    }
    assert call.overdue == sum(s == "overdue" for s in statuses)
    other = Actor(id=None, username="o", role=Role.township_staff, township_id=town + 1)
    assert overview.unit_calls(session, other, year=2026, as_of=date(2026, 9, 28)) == []


def test_the_overdue_items_alert_names_each_unit_and_its_items(session, town):
    """An item opened on 1 Aug in investigation (30 days) is overdue from 31 Aug: the alert
    names the unit and the item, and the unit's calls list it with its deadline."""
    from models.enums import SupervisionStage
    from tests.factories import add_item
    from ui.overview import alert_text

    add_item(session, town, date(2026, 8, 1), SupervisionStage.investigation)
    found = {a.key: a for a in overview.alerts(session, LEADER, year=2026, as_of=date(2026, 9, 28))}
    alert = found["overview.alert.overdue_items"]
    assert alert.township_ids == (town,)
    assert alert.params["units"] == [
        {"name_zh": "甲镇", "name_en": "T", "titles": ["事项2026-08-01"]}
    ]
    assert alert_text(alert, "zh") == "1 个监督事项已逾期：甲镇：“事项2026-08-01”"
    assert alert_text(alert, "en") == "Overdue supervision items (1): T: “事项2026-08-01”"
    (call,) = overview.unit_calls(session, LEADER, year=2026, as_of=date(2026, 9, 28))
    item = next(lag for lag in call.lags if lag.code == "supervision")
    assert item.status == "overdue" and item.item is not None
    assert item.item["title"] == "事项2026-08-01" and item.since == item.item["deadline"]


def test_a_month_whose_contact_day_nobody_has_entered_yet_is_not_read_as_0_percent():
    import pandas as pd

    frame = pd.DataFrame(
        [
            {"month": 11, "held": True, "participants": 8, "expected": 10},
            {"month": 12, "held": False, "participants": 0, "expected": 10},
        ]
    )
    assert overview.latest_held_month(frame) == 11
    assert overview.latest_held_month(frame[frame["month"] == 12]) is None
    assert overview.latest_held_month(frame.iloc[0:0]) is None
