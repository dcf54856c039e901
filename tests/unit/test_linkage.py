"""Double linkage figures on a small hand-built district, every expected value counted by hand.

Town A (rules: 5 deputies per presidium member, 10 voters per deputy):
  constituencies C1 (voters v01–v30) and C2 (voters w01–w15, w11 retired);
  presidium members m1 (C1), m2 (C1), m3 (C2); deputies d1, d2 (C1), d3 (moved C1 → C2),
  d4, d5, d6 (C2), d7 (retired), plus a county deputy without constituency.
  Presidium links: m1 → d1–d5 (5), m2 → d1–d6 (6), m3 → d1–d4 (4).
  Voter links:
    m1 → v21–v30          10 own  covered
    d1 → v01–v10          10 own  covered (exactly ten)
    d2 → v11–v19           9 own  gap (one short)
    d3 → v01–v12           0 own  gap: twelve voters of C1, the constituency they left
    d4 → w01–w11          10 own  covered (w11 is retired and does not count)
    d5 → w01–w09 and v20   9 own  gap: v20 is of another constituency
    m2, m3, d6             0      gap
  → deputies 9 (m1–m3, d1–d6), covered 3 (m1, d1, d4); members 3, covered 2 (m1, m2).
Sub-district B: constituency S1; county deputies e1 (10 voters) and e2 (3 voters); a city
  deputy without constituency (no voter links expected, but expected on contact days).
  → deputies 2, covered 1; presidium not applicable.
"""

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import insert

from models import (
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Notification,
    PresidiumLink,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.base import utcnow
from models.enums import DeputyLevel, NotificationKind, Role, UnitType, VisitKind
from services import linkage, rules
from services.permissions import Actor
from services.task_status import contact_days_allowed
from tests.factories import ADMIN, LEADER

YEAR = 2026


def _deputy(session, unit, name, con, *, member=False, level=DeputyLevel.township, active=True):
    row = Deputy(
        township_id=unit.id,
        name=name,
        level=level,
        constituency_id=con.id if con else None,
        is_presidium_member=member,
        phone="13812345678",
        active=active,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def district(session):
    rules.install_defaults(session)
    a = Township(code="a", name_zh="甲镇", name_en="Town A", unit_type=UnitType.town, sort_order=1)
    b = Township(
        code="b",
        name_zh="乙街道",
        name_en="Sub-district B",
        unit_type=UnitType.subdistrict,
        sort_order=2,
    )
    session.add_all([a, b])
    session.flush()
    c1, c2 = Constituency(township_id=a.id, name="C1"), Constituency(township_id=a.id, name="C2")
    s1 = Constituency(township_id=b.id, name="S1")
    session.add_all([c1, c2, s1])
    session.flush()
    p = {}
    p["m1"] = _deputy(session, a, "m1", c1, member=True)
    p["m2"] = _deputy(session, a, "m2", c1, member=True)
    p["m3"] = _deputy(session, a, "m3", c2, member=True)
    for name, con in (("d1", c1), ("d2", c1), ("d3", c2), ("d4", c2), ("d5", c2), ("d6", c2)):
        p[name] = _deputy(session, a, name, con)
    p["d7"] = _deputy(session, a, "d7", c1, active=False)
    p["county_a"] = _deputy(session, a, "county_a", None, level=DeputyLevel.county)
    p["e1"] = _deputy(session, b, "e1", s1, level=DeputyLevel.county)
    p["e2"] = _deputy(session, b, "e2", s1, level=DeputyLevel.county)
    p["city_b"] = _deputy(session, b, "city_b", None, level=DeputyLevel.city)

    def voters(unit, con, prefix, n, retired=()):
        rows = [
            {
                "township_id": unit.id,
                "constituency_id": con.id,
                "name": f"{prefix}{i:02d}",
                "village": "",
                "phone": "",
                "active": f"{prefix}{i:02d}" not in retired,
                "entered_at": utcnow(),
            }
            for i in range(1, n + 1)
        ]
        ids = session.scalars(insert(Voter).returning(Voter.id, sort_by_parameter_order=True), rows)
        return dict(zip([r["name"] for r in rows], ids, strict=True))

    v = voters(a, c1, "v", 30) | voters(a, c2, "w", 15, retired=("w11",))
    v |= voters(b, s1, "s", 15)

    def link(deputy, names):
        for name in names:
            session.add(
                VoterLink(township_id=deputy.township_id, deputy_id=deputy.id, voter_id=v[name])
            )

    link(p["m1"], [f"v{i:02d}" for i in range(21, 31)])
    link(p["d1"], [f"v{i:02d}" for i in range(1, 11)])
    link(p["d2"], [f"v{i:02d}" for i in range(11, 20)])
    link(p["d3"], [f"v{i:02d}" for i in range(1, 13)])
    link(p["d4"], [f"w{i:02d}" for i in range(1, 12)])
    link(p["d5"], [*(f"w{i:02d}" for i in range(1, 10)), "v20"])
    link(p["e1"], [f"s{i:02d}" for i in range(1, 11)])
    link(p["e2"], [f"s{i:02d}" for i in range(11, 14)])
    for member, linked in (
        ("m1", ["d1", "d2", "d3", "d4", "d5"]),
        ("m2", ["d1", "d2", "d3", "d4", "d5", "d6"]),
        ("m3", ["d1", "d2", "d3", "d4"]),
    ):
        for name in linked:
            session.add(
                PresidiumLink(township_id=a.id, member_id=p[member].id, deputy_id=p[name].id)
            )
    session.commit()
    return {"a": a, "b": b, "people": p}


def _row(frame, township_id):
    return frame[frame["township_id"] == township_id].iloc[0]


def test_coverage_counts_by_hand(session, district):
    cov = linkage.coverage_by_township(session, ADMIN, year=YEAR)
    a, b = _row(cov, district["a"].id), _row(cov, district["b"].id)
    assert (a["presidium_members"], a["presidium_covered"]) == (3, 2)
    assert a["presidium_share"] == pytest.approx(2 / 3)
    assert (a["deputies"], a["deputies_covered"]) == (9, 3)
    assert a["deputy_share"] == pytest.approx(3 / 9)
    # The sub-district: no presidium half; e1 (10) covered, e2 (3) not; the city deputy has no
    # constituency and keeps no voter links.
    assert not b["presidium_applicable"]
    assert b["presidium_members"] == 0
    assert pd.isna(b["presidium_share"])
    assert (b["deputies"], b["deputies_covered"]) == (2, 1)

    totals = linkage.coverage_totals(cov)
    assert (totals.presidium_members, totals.presidium_covered) == (3, 2)
    assert (totals.deputies, totals.deputies_covered) == (11, 4)


def test_coverage_follows_the_rule_set(session, district):
    content = rules.to_content(rules.get_rules(session, YEAR))
    content["linkage"] = {"deputies_per_presidium_member": 6, "voters_per_deputy": 9}
    rules.save_rules(session, ADMIN, content)
    cov = linkage.coverage_by_township(session, ADMIN, year=YEAR)
    a = _row(cov, district["a"].id)
    # Six deputies: only m2. Nine voters: m1, d1, d4 plus d2 and d5 (nine own each).
    assert a["presidium_covered"] == 1
    assert a["deputies_covered"] == 5


def test_gap_list_names_who_is_short_of_what(session, district):
    gaps = linkage.linkage_gaps(session, ADMIN, year=YEAR)
    rows = [
        (r["deputy"], r["gap"], r["have"], r["need"], r["other_constituency"])
        for _, r in gaps.iterrows()
    ]
    assert rows == [
        # Town A: presidium gaps first, then deputies by shortfall, then name.
        ("m3", "deputies", 4, 5, 0),
        ("d3", "voters", 0, 10, 12),  # moved: twelve links left in the old constituency
        ("d6", "voters", 0, 10, 0),
        ("m2", "voters", 0, 10, 0),
        ("m3", "voters", 0, 10, 0),
        ("d2", "voters", 9, 10, 0),
        ("d5", "voters", 9, 10, 1),  # v20 belongs to C1
        # Sub-district B.
        ("e2", "voters", 3, 10, 0),
    ]
    assert set(gaps["constituency"][gaps["deputy"] == "d3"]) == {"C2"}
    # The count a screen shows without the list: the same eight people.
    assert linkage.gap_count(linkage.coverage_by_township(session, ADMIN, year=YEAR)) == 8


def test_a_clerk_reads_only_their_unit(session, district):
    clerk_b = Actor(id=None, username="cb", role=Role.township_staff, township_id=district["b"].id)
    cov = linkage.coverage_by_township(session, clerk_b, year=YEAR)
    assert list(cov["township_id"]) == [district["b"].id]
    gaps = linkage.linkage_gaps(session, clerk_b, year=YEAR)
    assert list(gaps["deputy"]) == ["e2"]
    assert linkage.gap_count(cov) == 1
    # Asking for another unit gives nothing rather than someone else's people.
    other = linkage.linkage_gaps(session, clerk_b, year=YEAR, township_id=district["a"].id)
    assert other.empty


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0527-84123456", "052******3456"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_mask_phone(phone, masked):
    assert linkage.mask_phone(phone) == masked


def test_who_sees_full_phones(district):
    a, b = district["a"].id, district["b"].id
    clerk_a = Actor(id=1, username="ca", role=Role.township_staff, township_id=a)
    assert linkage.can_see_full_phone(ADMIN, a)
    assert linkage.can_see_full_phone(clerk_a, a)
    assert not linkage.can_see_full_phone(clerk_a, b)
    assert not linkage.can_see_full_phone(LEADER, a)
    assert linkage.shown_phone(LEADER, a, "13812345678") == "138****5678"
    assert linkage.shown_phone(clerk_a, a, "13812345678") == "13812345678"


def test_gap_list_masks_phones_for_leaders_only(session, district):
    a = district["a"].id
    clerk_a = Actor(id=1, username="ca", role=Role.township_staff, township_id=a)
    for actor, phone in ((LEADER, "138****5678"), (ADMIN, "13812345678"), (clerk_a, "13812345678")):
        gaps = linkage.linkage_gaps(session, actor, year=YEAR, township_id=a)
        assert set(gaps["phone"]) == {phone}, actor.username


def test_allowed_contact_days():
    tolerant = rules.ContactDayRule(
        day_of_month=20,
        tolerance="nearest_working_day",
        min_participation=0.8,
        three_links_labels=["x"],
    )
    exact = tolerant.model_copy(update={"tolerance": "exact"})
    # 20 Jan 2026 is a Tuesday: only that day. 20 Jun is a Saturday after the Dragon Boat
    # Festival (Friday 19th); Sunday 20 Sep is a swapped working day.
    assert contact_days_allowed(tolerant, 2026, 1) == [date(2026, 1, 20)]
    assert contact_days_allowed(tolerant, 2026, 6) == [
        date(2026, 6, 18),
        date(2026, 6, 20),
        date(2026, 6, 22),
    ]
    assert contact_days_allowed(tolerant, 2026, 9) == [date(2026, 9, 20)]
    assert linkage.is_contact_day(date(2026, 6, 18), tolerant)
    assert not linkage.is_contact_day(date(2026, 6, 19), tolerant)
    assert not linkage.is_contact_day(date(2026, 6, 18), exact)
    assert not linkage.is_contact_day(date(2026, 1, 21), tolerant)
    # June's contact day is owed once its last allowed day, Monday the 22nd, has come.
    assert linkage.months_due(2026, date(2026, 6, 21), tolerant) == [1, 2, 3, 4, 5]
    assert linkage.months_due(2026, date(2026, 6, 22), tolerant) == [1, 2, 3, 4, 5, 6]
    assert linkage.months_due(2026, date(2026, 6, 20), exact) == [1, 2, 3, 4, 5, 6]


def _contact_day(session, unit, held_on, people):
    day = ContactDay(township_id=unit.id, held_on=held_on, voters_met=10, opinions_count=1)
    session.add(day)
    session.flush()
    for person in people:
        session.add(ContactDayParticipant(contact_day_id=day.id, deputy_id=person.id))
    return day


def test_participation_month_by_unit(session, district):
    """Town A expects its 9 active township deputies; sub-district B all 3 active deputies.

    A: 20 Jan all nine (+ the retired d7 and the county deputy, who do not count) → 9/9;
       25 Feb five, not an allowed day → held, rate 5/9, on-day rate 0; March none;
       19 Jun (20 Jun is a Saturday) eight → 8/9 on the day.
    B: 20 Jan e1 and the city deputy → 2/3.
    """
    a, b, p = district["a"], district["b"], district["people"]
    town = [p[n] for n in ("m1", "m2", "m3", "d1", "d2", "d3", "d4", "d5", "d6")]
    _contact_day(session, a, date(YEAR, 1, 20), [*town, p["d7"], p["county_a"]])
    _contact_day(session, a, date(YEAR, 2, 25), town[:5])
    _contact_day(session, a, date(YEAR, 6, 18), town[:8])
    _contact_day(session, b, date(YEAR, 1, 20), [p["e1"], p["city_b"]])
    session.commit()

    frame = linkage.contact_participation(session, ADMIN, year=YEAR, as_of=date(YEAR, 6, 25))
    town_a = frame[frame["township_id"] == a.id].set_index("month")
    assert list(town_a.index) == [1, 2, 3, 4, 5, 6]
    assert set(town_a["expected"]) == {9}
    assert town_a.loc[1, "participants"] == 9 and town_a.loc[1, "rate"] == 1.0
    assert town_a.loc[2, "held"] and not town_a.loc[2, "on_day"]
    assert town_a.loc[2, "rate"] == pytest.approx(5 / 9) and town_a.loc[2, "rate_on_day"] == 0
    assert not town_a.loc[3, "held"] and town_a.loc[3, "rate"] == 0
    assert town_a.loc[6, "on_day"] and town_a.loc[6, "rate_on_day"] == pytest.approx(8 / 9)
    sub_b = frame[frame["township_id"] == b.id].set_index("month")
    assert sub_b.loc[1, "expected"] == 3 and sub_b.loc[1, "rate"] == pytest.approx(2 / 3)

    compliance = linkage.contact_day_compliance(frame, 0.8).set_index("township_id")
    assert compliance.loc[a.id].to_dict() == {
        "months_due": 6,
        "months_held": 3,
        "months_on_day": 2,
        "months_quorate": 2,  # January (9/9) and June (8/9); February was not on the day
    }
    assert compliance.loc[b.id, "months_quorate"] == 0  # 2/3 is below 80 %

    trend = linkage.participation_trend(frame).set_index("month")
    assert trend.loc[1, "rate"] == pytest.approx((9 + 2) / (9 + 3))
    assert trend.loc[3, "rate"] == 0


def test_participation_lists_only_months_due(session, district):
    frame = linkage.contact_participation(session, ADMIN, year=YEAR, as_of=date(YEAR, 3, 19))
    assert sorted(set(frame["month"])) == [1, 2]
    past = linkage.contact_participation(session, ADMIN, year=YEAR - 1, as_of=date(YEAR, 3, 19))
    assert sorted(set(past["month"])) == list(range(1, 13))


def test_visits_and_notifications_by_half_year(session, district):
    a = district["a"]
    session.add_all(
        [
            Visit(township_id=a.id, kind=VisitKind.deputy, held_on=date(YEAR, 3, 2)),
            Visit(township_id=a.id, kind=VisitKind.voter, held_on=date(YEAR, 6, 30)),
            Visit(township_id=a.id, kind=VisitKind.voter, held_on=date(YEAR, 7, 1)),
            Visit(township_id=a.id, kind=VisitKind.voter, held_on=date(YEAR - 1, 12, 31)),
            Notification(
                township_id=a.id,
                kind=NotificationKind.presidium_work,
                issued_on=date(YEAR, 5, 5),
                title="t1",
            ),
            Notification(
                township_id=a.id,
                kind=NotificationKind.deputy_performance,
                issued_on=date(YEAR, 10, 9),
                title="t2",
            ),
        ]
    )
    session.commit()
    frame = linkage.visits_and_notifications(session, ADMIN, year=YEAR)
    rows = frame[frame["township_id"] == a.id].set_index("half")
    cols = ["deputy_visits", "voter_visits", "presidium_work", "deputy_performance"]
    assert rows.loc[1, cols].tolist() == [1, 1, 1, 0]  # 30 June is still the first half
    assert rows.loc[2, cols].tolist() == [0, 1, 0, 1]  # last December's visit is not counted
    # B has a row of zeros for each half: nothing recorded is still listed.
    assert len(frame[frame["township_id"] == district["b"].id]) == 2
