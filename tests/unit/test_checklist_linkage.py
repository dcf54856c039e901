"""T08 and T09 of the task list, the double linkage and its visits and notifications: the
counts and the records behind a cell, on small hand-built records, values worked by hand."""

from datetime import date

import pytest

from models import Constituency, PresidiumLink
from models.enums import (
    DeputyLevel,
    NotificationKind,
    UnitType,
)
from tests.factories import (
    add_deputies,
    add_notification,
    add_unit,
    add_visit,
    add_voters,
    link_voters,
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
# T08 double linkage


def test_t08_presidium_and_voter_linkage(town, session):
    x = Constituency(township_id=town, name="X")
    y = Constituency(township_id=town, name="Y")
    session.add_all([x, y])
    session.commit()
    m1, m2 = add_deputies(session, town, 2, constituency_id=x.id, presidium=True)
    d1, d2, d3, d4 = add_deputies(session, town, 4, constituency_id=x.id)
    (d5,) = add_deputies(session, town, 1, constituency_id=y.id)
    (gone,) = add_deputies(session, town, 1, constituency_id=x.id, active=False)
    # m1 keeps contact with 5 deputies; m2 with 4 active ones plus a retired one.
    for d in (d1, d2, d3, d4, d5):
        session.add(PresidiumLink(township_id=town, member_id=m1, deputy_id=d))
    for d in (d1, d2, d3, gone, d4):
        session.add(PresidiumLink(township_id=town, member_id=m2, deputy_id=d))
    session.commit()
    vx = add_voters(session, town, x.id, 10)
    (retired,) = add_voters(session, town, x.id, 1, active=False)
    for d in (m1, m2, d1, d2, d3):
        link_voters(session, town, d, vx)
    link_voters(session, town, d4, [*vx[:9], retired])  # 9 active voters
    link_voters(session, town, d5, vx)  # voters of another constituency do not count

    t = status(session, town, "T08", date(2026, 6, 30))
    # Members: 1 of 2 linked to 5 deputies. Deputies (7 active): m1, m2, d1, d2, d3 have 10.
    assert (t.numerator, t.denominator) == (1 + 5, 2 + 7)
    assert t.value == pytest.approx(0.5)  # the weaker half: min(1/2, 5/7)
    assert t.status == "behind"
    assert [(m["kind"], m["have"], m["need"]) for m in t.missing] == [
        ("member_links_short", 4, 5),
        ("deputy_voters_short", 0, 10),
        ("deputy_voters_short", 9, 10),
    ]
    save_rule_change(
        session,
        lambda d: d["linkage"].update(deputies_per_presidium_member=4, voters_per_deputy=9),
    )
    t = status(session, town, "T08", date(2026, 6, 30))
    assert (t.numerator, t.denominator, t.status) == (2 + 6, 9, "behind")


def test_t08_subdistricts_have_only_the_voter_half(session):
    setup_rules(session)
    tid = add_unit(session, "sd", UnitType.subdistrict)
    c = Constituency(township_id=tid, name="社区")
    session.add(c)
    session.commit()
    a, b = add_deputies(session, tid, 2, level=DeputyLevel.county, constituency_id=c.id)
    # A presidium flag means nothing without a congress; a deputy without constituency is
    # not asked to link voters.
    add_deputies(session, tid, 1, level=DeputyLevel.county, presidium=True, constituency_id=c.id)
    add_deputies(session, tid, 1, level=DeputyLevel.city)
    voters = add_voters(session, tid, c.id, 10)
    link_voters(session, tid, a, voters)
    link_voters(session, tid, b, voters)
    t = status(session, tid, "T08", date(2026, 6, 30))
    assert (t.numerator, t.denominator) == (2, 3)


# ---------------------------------------------------------------------------------------------
# T09 one visit, two notifications


def test_t09_each_half_year_needs_a_visit_and_both_notifications(town, session):
    add_visit(session, town, date(2026, 3, 2))
    add_notification(session, town, NotificationKind.presidium_work, date(2026, 6, 15))
    t = status(session, town, "T09", date(2026, 7, 1))
    # No half-year complete; one expected by 30 Jun.
    assert (t.value, t.expected, t.status) == (0, 1, "overdue")
    assert t.missing[0] == {
        "kind": "notification_needed",
        "notification": NotificationKind.deputy_performance,
        "half": 1,
        "deadline": date(2026, 6, 30),
        "overdue": True,
    }
    # The second half began on 1 Jul: all three of its parts are owed by 31 Dec.
    assert [(m["kind"], m["half"], m["overdue"]) for m in t.missing[1:]] == [
        ("visit_needed", 2, False),
        ("notification_needed", 2, False),
        ("notification_needed", 2, False),
    ]
    # Issued on 1 Jul, the notification belongs to the second half.
    add_notification(session, town, NotificationKind.deputy_performance, date(2026, 7, 1))
    assert status(session, town, "T09", date(2026, 7, 1)).value == 0
    add_notification(session, town, NotificationKind.deputy_performance, date(2026, 6, 30))
    t = status(session, town, "T09", date(2026, 7, 1))
    assert (t.value, t.status) == (1, "on_track")
    # Second half: visit and the presidium notification still missing.
    assert [(m["kind"], m["half"]) for m in t.missing] == [
        ("visit_needed", 2),
        ("notification_needed", 2),
    ]
    add_visit(session, town, date(2026, 11, 2))
    add_notification(session, town, NotificationKind.presidium_work, date(2026, 12, 1))
    t = status(session, town, "T09", date(2026, 12, 31))
    assert (t.value, t.target, t.status) == (2, 2, "done")


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_records_of_linkage(town, session):
    add_deputies(session, town, 5, presidium=True)
    t08 = records(session, town, "T08", date(2026, 3, 1))
    # Five presidium members (no links) and the same five as deputies (no voters).
    assert list(t08["kind"]) == ["presidium_member"] * 5 + ["deputy"] * 5
    assert not t08["counts"].any()


def test_records_of_t09_list_visits_and_notifications_by_date(town, session):
    add_visit(session, town, date(2026, 3, 2))
    add_notification(session, town, NotificationKind.presidium_work, date(2026, 2, 15))
    add_notification(session, town, NotificationKind.deputy_performance, date(2026, 7, 1))
    rows = records(session, town, "T09", date(2026, 6, 30))
    assert list(rows["kind"]) == ["notification.presidium_work", "visit.voter"]
    assert rows["counts"].all()
