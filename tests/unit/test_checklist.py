"""The task list engine: every rule T01–T10 on small hand-built records, values worked by hand.

Dates are in 2026 with the seed rule set unless a test stores another version. Weekdays of 2026
that matter: 20 Jun is a Saturday, 20 Sep and 20 Dec are Sundays, 20 Feb is a Friday.
"""

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session

from models import (
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IntegratedActivity,
    Meeting,
    Notification,
    PresidiumLink,
    SupervisionActivity,
    SupervisionItem,
    SupervisionTopic,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.enums import (
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    Role,
    SupervisionKind,
    SupervisionStage,
    UnitType,
    VisitKind,
)
from services import checklist as ck
from services import meetings, rules
from services.permissions import Actor

YEAR = 2026
ADMIN = Actor(id=None, username="admin", role=Role.district_admin)


# ---------------------------------------------------------------------------------------------
# Builders shared with test_meetings.py


def add_unit(session: Session, code: str = "dx", unit_type=UnitType.town, order: int = 1) -> int:
    row = Township(
        code=code, name_zh=f"{code}镇", name_en=code, unit_type=unit_type, sort_order=order
    )
    session.add(row)
    session.commit()
    return row.id


def setup_rules(session: Session) -> None:
    rules.install_defaults(session)


def save_rule_change(session: Session, change) -> None:
    """Store a new version of the 2026 rules with ``change(data)`` applied."""
    data = rules.to_content(rules.get_rules(session, YEAR))
    change(data)
    rules.save_rules(session, ADMIN, data, note="test")


def add_meeting(
    session: Session,
    tid: int,
    kind: MeetingKind,
    held_on: date,
    *,
    draft: bool = False,
    topics: int = 0,
    research: str = "调研",
    deliberation: str = "审议",
    follow_up: str = "督办",
) -> int:
    m = Meeting(
        township_id=tid,
        kind=kind,
        held_on=held_on,
        title=f"{kind.value} {held_on}",
        research=research,
        deliberation=deliberation,
        follow_up=follow_up,
        is_draft=draft,
    )
    session.add(m)
    session.flush()
    for i in range(topics):
        session.add(SupervisionTopic(meeting_id=m.id, township_id=tid, title=f"议题{i}"))
    session.commit()
    return m.id


def add_deputies(
    session: Session,
    tid: int,
    n: int,
    *,
    level: DeputyLevel = DeputyLevel.township,
    constituency_id: int | None = None,
    presidium: bool = False,
    active: bool = True,
) -> list[int]:
    rows = [
        Deputy(
            township_id=tid,
            name=f"代表{tid}-{level.value}-{i}",
            level=level,
            constituency_id=constituency_id,
            is_presidium_member=presidium,
            active=active,
        )
        for i in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def add_contact_day(session: Session, tid: int, held_on: date, deputy_ids: list[int]) -> None:
    day = ContactDay(township_id=tid, held_on=held_on)
    session.add(day)
    session.flush()
    session.add_all(ContactDayParticipant(contact_day_id=day.id, deputy_id=d) for d in deputy_ids)
    session.commit()


def status(session: Session, tid: int, code: str, as_of: date) -> ck.TaskStatus:
    return ck.checklist_status(session, YEAR, as_of).unit(tid).task(code)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


# ---------------------------------------------------------------------------------------------
# Schedules and pace


def test_expected_count_and_linear_pace_of_the_quarterly_schedule():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    points = ck.deadlines(r.task("T02"), YEAR, 4)
    assert points[0] == (date(2026, 3, 31), 1)
    assert ck.expected_by(points, date(2026, 3, 30)) == 0
    assert ck.expected_by(points, date(2026, 3, 31)) == 1
    # 31 Dec 2025 → 14 Feb is 45 of the 90 days to 31 Mar: pace 0.5.
    assert ck.pace(points, YEAR, date(2026, 2, 14)) == pytest.approx(0.5)
    assert ck.count_status(0, 4, points, YEAR, date(2026, 2, 14)) == "on_track"
    # 15 Feb: 46/90 = 0.511, more than half a meeting short.
    assert ck.count_status(0, 4, points, YEAR, date(2026, 2, 15)) == "behind"
    assert ck.count_status(0, 4, points, YEAR, date(2026, 3, 31)) == "overdue"
    assert ck.count_status(1, 4, points, YEAR, date(2026, 4, 1)) == "on_track"
    assert ck.count_status(4, 4, points, YEAR, date(2026, 4, 1)) == "done"
    # The year is over and the target was not met, whatever the schedule said.
    assert ck.count_status(3, 4, points[:3], YEAR, date(2026, 12, 31)) == "overdue"


def test_an_unscheduled_count_task_is_due_at_the_year_end():
    r = rules.load_toml(rules.default_rules_path(YEAR))
    task = r.task("T01").model_copy(update={"schedule": []})
    assert ck.deadlines(task, YEAR, 2) == [(date(2026, 12, 31), 2)]


def test_contact_day_tolerance_dates():
    r = rules.load_toml(rules.default_rules_path(YEAR)).contact_day
    exact = r.model_copy(update={"tolerance": "exact"})
    # 20 Sep 2026 is a Sunday: Friday 18th and Monday 21st count; Saturday 19th does not.
    assert ck.contact_days_allowed(r, YEAR, 9) == [date(2026, 9, d) for d in (18, 20, 21)]
    # 20 Jun 2026 is a Saturday: Friday 19th and Monday 22nd.
    assert ck.contact_days_allowed(r, YEAR, 6) == [date(2026, 6, d) for d in (19, 20, 22)]
    assert ck.contact_days_allowed(r, YEAR, 2) == [date(2026, 2, 20)]  # a Friday
    assert ck.contact_days_allowed(exact, YEAR, 9) == [date(2026, 9, 20)]
    # The day announced: the nearest working day of a weekend 20th, under the tolerance only.
    assert ck.contact_day_planned(r, YEAR, 9) == date(2026, 9, 21)  # Sunday → Monday
    assert ck.contact_day_planned(r, YEAR, 6) == date(2026, 6, 19)  # Saturday → Friday
    assert ck.contact_day_planned(r, YEAR, 2) == date(2026, 2, 20)
    assert ck.contact_day_planned(exact, YEAR, 9) == date(2026, 9, 20)


# ---------------------------------------------------------------------------------------------
# T01 congress sessions


def test_t01_a_session_on_30_june_is_in_time_one_on_1_july_is_late(session):
    setup_rules(session)
    a = add_unit(session, "a", order=1)
    b = add_unit(session, "b", order=2)
    add_meeting(session, a, MeetingKind.congress_session, date(2026, 6, 30))
    add_meeting(session, b, MeetingKind.congress_session, date(2026, 7, 1))

    on_30 = ck.checklist_status(session, YEAR, date(2026, 6, 30))
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
# T05 supervision activities


def _activity(session, tid, held_on, kind=SupervisionKind.inspection):
    session.add(SupervisionActivity(township_id=tid, kind=kind, held_on=held_on, subject="视察"))
    session.commit()


def test_t05_activities_against_the_quarterly_schedule(town, session):
    _activity(session, town, date(2026, 3, 5))
    _activity(session, town, date(2026, 5, 5), SupervisionKind.appraisal)
    t = status(session, town, "T05", date(2026, 7, 1))
    assert (t.value, t.expected, t.status) == (2, 2, "on_track")
    t = status(session, town, "T05", date(2026, 10, 1))
    assert (t.value, t.expected, t.status) == (2, 3, "overdue")
    assert t.missing[0] == {
        "kind": "activities_needed",
        "n": 1,
        "deadline": date(2026, 9, 30),
        "quarter": 3,
        "overdue": True,
    }


# ---------------------------------------------------------------------------------------------
# T06 closing the loop


def _item(session, tid, opened_on, stage):
    session.add(
        SupervisionItem(
            township_id=tid,
            title=f"事项{opened_on}",
            opened_on=opened_on,
            stage=stage,
            stage_entered_on=opened_on,
        )
    )
    session.commit()


def test_t06_items_due_and_reaching_feedback(town, session):
    # Due 120 days after opening (30 + 15 + 15 + 60). As of 30 Jun 2026 an item is due when
    # opened between 3 Sep 2025 (due 1 Jan 2026) and 2 Mar 2026 (due 30 Jun 2026).
    _item(session, town, date(2025, 9, 2), SupervisionStage.follow_up)  # due last year
    _item(session, town, date(2025, 9, 3), SupervisionStage.closed)  # due 1 Jan: reached
    _item(session, town, date(2026, 1, 10), SupervisionStage.follow_up)  # due 10 May: open
    _item(session, town, date(2026, 3, 2), SupervisionStage.feedback)  # due 30 Jun: reached
    _item(session, town, date(2026, 3, 3), SupervisionStage.investigation)  # not due yet

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
    _item(session, town, date(2026, 1, 10), SupervisionStage.closed)
    _item(session, town, date(2026, 1, 11), SupervisionStage.assignment)
    assert status(session, town, "T06", date(2026, 6, 30)).status == "behind"  # 1/2 < 0.9
    save_rule_change(session, lambda d: d["supervision"].update(closure_target=0.5))
    assert status(session, town, "T06", date(2026, 6, 30)).status == "on_track"


# ---------------------------------------------------------------------------------------------
# T07 contact days


@pytest.mark.parametrize(
    ("tolerance", "held_on", "counted"),
    [
        # 20 Sep 2026 is a Sunday; the 19th is the Saturday before: never the contact day.
        ("exact", date(2026, 9, 19), False),
        ("nearest_working_day", date(2026, 9, 19), False),
        # The Friday before and the Monday after count only with the tolerance.
        ("exact", date(2026, 9, 18), False),
        ("nearest_working_day", date(2026, 9, 18), True),
        ("nearest_working_day", date(2026, 9, 21), True),
        ("exact", date(2026, 9, 20), True),
        # 20 Jun 2026 is a Saturday: Friday the 19th.
        ("nearest_working_day", date(2026, 6, 19), True),
        ("exact", date(2026, 6, 19), False),
    ],
)
def test_t07_contact_day_on_the_19th_when_the_20th_is_a_weekend(
    session, tolerance, held_on, counted
):
    setup_rules(session)
    save_rule_change(session, lambda d: d["contact_day"].update(tolerance=tolerance))
    tid = add_unit(session)
    deputies = add_deputies(session, tid, 5)
    add_contact_day(session, tid, held_on, deputies)
    # As of 30 Sep the months January to September are due: 9.
    t = status(session, tid, "T07", date(2026, 9, 30))
    assert (t.numerator, t.denominator) == (int(counted), 9)
    missed = {m["month"]: m for m in t.missing if m["kind"] == "contact_day_missed"}
    assert (held_on.month in missed) == (not counted)
    if not counted:
        assert missed[held_on.month]["held_on"] == held_on


def test_t07_a_month_is_due_once_its_last_allowed_day_passed(session):
    setup_rules(session)  # nearest_working_day
    tid = add_unit(session, "a")
    other = add_unit(session, "b", order=2)
    deputies = add_deputies(session, tid, 2)
    add_contact_day(session, tid, date(2026, 9, 18), deputies)
    # Sunday 20 Sep: the Monday after is still to come, so September is not due for a unit
    # that has not held it yet, but counts for one that held it on the Friday.
    assert status(session, other, "T07", date(2026, 9, 20)).denominator == 8
    t = status(session, tid, "T07", date(2026, 9, 20))
    assert (t.numerator, t.denominator) == (1, 9)
    assert status(session, other, "T07", date(2026, 9, 21)).denominator == 9


def test_t07_participation_against_township_deputies(town, session):
    township = add_deputies(session, town, 10)
    # Deputies of other levels and retired ones are not expected at a town's contact day.
    county = add_deputies(session, town, 2, level=DeputyLevel.county)
    add_deputies(session, town, 3, active=False)
    add_contact_day(session, town, date(2026, 1, 20), township[:8])  # 8/10 = 0.8
    add_contact_day(session, town, date(2026, 2, 20), township[:7] + county)  # 7/10

    t = status(session, town, "T07", date(2026, 2, 28))
    assert (t.numerator, t.denominator, t.status) == (1, 2, "behind")
    assert t.missing == (
        {"kind": "contact_day_low", "month": 2, "share": 0.7, "min": 0.8},
        {"kind": "contact_day_next", "day": date(2026, 3, 20)},
    )
    save_rule_change(session, lambda d: d["contact_day"].update(min_participation=0.7))
    assert status(session, town, "T07", date(2026, 2, 28)).numerator == 2


def test_t07_subdistricts_expect_all_their_deputies(session):
    setup_rules(session)
    tid = add_unit(session, "sd", UnitType.subdistrict)
    county = add_deputies(session, tid, 4, level=DeputyLevel.county)
    city = add_deputies(session, tid, 1, level=DeputyLevel.city)
    add_contact_day(session, tid, date(2026, 1, 20), county)  # 4/5 = 0.8
    add_contact_day(session, tid, date(2026, 2, 20), county[:3])  # 3/5
    add_contact_day(session, tid, date(2026, 3, 20), county[:3] + city)  # 4/5
    t = status(session, tid, "T07", date(2026, 3, 31))
    assert (t.numerator, t.denominator) == (2, 3)


# ---------------------------------------------------------------------------------------------
# T08 double linkage


def _voters(session, tid, cid, n, *, active=True) -> list[int]:
    rows = [
        Voter(township_id=tid, constituency_id=cid, name=f"选民{i}", active=active)
        for i in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def _link_voters(session, tid, deputy_id, voter_ids):
    session.add_all(VoterLink(township_id=tid, deputy_id=deputy_id, voter_id=v) for v in voter_ids)
    session.commit()


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
    vx = _voters(session, town, x.id, 10)
    (retired,) = _voters(session, town, x.id, 1, active=False)
    for d in (m1, m2, d1, d2, d3):
        _link_voters(session, town, d, vx)
    _link_voters(session, town, d4, [*vx[:9], retired])  # 9 active voters
    _link_voters(session, town, d5, vx)  # voters of another constituency do not count

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
    voters = _voters(session, tid, c.id, 10)
    _link_voters(session, tid, a, voters)
    _link_voters(session, tid, b, voters)
    t = status(session, tid, "T08", date(2026, 6, 30))
    assert (t.numerator, t.denominator) == (2, 3)


# ---------------------------------------------------------------------------------------------
# T09 one visit, two notifications


def _visit(session, tid, held_on):
    session.add(Visit(township_id=tid, kind=VisitKind.voter, held_on=held_on))
    session.commit()


def _notice(session, tid, kind, issued_on):
    session.add(Notification(township_id=tid, kind=kind, issued_on=issued_on, title="通报"))
    session.commit()


def test_t09_each_half_year_needs_a_visit_and_both_notifications(town, session):
    _visit(session, town, date(2026, 3, 2))
    _notice(session, town, NotificationKind.presidium_work, date(2026, 6, 15))
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
    _notice(session, town, NotificationKind.deputy_performance, date(2026, 7, 1))
    assert status(session, town, "T09", date(2026, 7, 1)).value == 0
    _notice(session, town, NotificationKind.deputy_performance, date(2026, 6, 30))
    t = status(session, town, "T09", date(2026, 7, 1))
    assert (t.value, t.status) == (1, "on_track")
    # Second half: visit and the presidium notification still missing.
    assert [(m["kind"], m["half"]) for m in t.missing] == [
        ("visit_needed", 2),
        ("notification_needed", 2),
    ]
    _visit(session, town, date(2026, 11, 2))
    _notice(session, town, NotificationKind.presidium_work, date(2026, 12, 1))
    t = status(session, town, "T09", date(2026, 12, 31))
    assert (t.value, t.target, t.status) == (2, 2, "done")


# ---------------------------------------------------------------------------------------------
# T10 integrated activities


def _integrated(session, tid, held_on, levels, theme=None):
    """An activity, by default on the district's theme of its year."""
    theme = rules.get_rules(session, held_on.year).themes[0] if theme is None else theme
    session.add(
        IntegratedActivity(
            township_id=tid, held_on=held_on, theme=theme, title="活动", levels=levels
        )
    )
    session.commit()


def test_t10_counts_activities_of_at_least_two_levels(town, session):
    _integrated(session, town, date(2026, 4, 1), "county,township")
    _integrated(session, town, date(2026, 5, 1), "township")
    # One level named twice, or with an unknown code, is still one level.
    _integrated(session, town, date(2026, 5, 8), "township,township")
    _integrated(session, town, date(2026, 5, 15), "township,village")
    # Several levels, but not on the district's theme of the year.
    _integrated(session, town, date(2026, 5, 22), "county,township", theme="自选主题")
    _integrated(session, town, date(2026, 9, 1), "national,provincial,city,county,township")
    t = status(session, town, "T10", date(2026, 6, 30))
    assert (t.value, t.expected, t.status) == (1, 1, "on_track")
    assert status(session, town, "T10", date(2026, 9, 1)).status == "done"


# ---------------------------------------------------------------------------------------------
# Whole-list behaviour


def test_a_year_with_no_records(session):
    setup_rules(session)
    town = add_unit(session, "t", order=1)
    sub = add_unit(session, "s", UnitType.subdistrict, order=2)
    end = ck.checklist_status(session, YEAR, date(2026, 12, 31))
    # Count tasks miss their targets; share tasks owe nothing when nothing was due.
    assert {t.code: t.status for t in end.unit(town).tasks} == {
        "T01": "overdue",
        "T02": "overdue",
        "T03": "done",
        "T04": "done",
        "T05": "overdue",
        "T06": "done",
        "T07": "overdue",  # 0 of 12 months
        "T08": "done",
        "T09": "overdue",
        "T10": "overdue",
    }
    assert end.unit(town).task("T07").denominator == 12
    assert [t.status for t in end.unit(sub).tasks[:4]] == ["not_applicable"] * 4
    # T05–T10 apply; only T06 and T08 (nothing due) are in order.
    assert end.unit(sub).met == 2 and end.unit(sub).applicable == 6

    # 1 Mar: 60 days into the 181 to 30 Jun (pace 0.33) for T01; 60 of 90 (0.67) for T02.
    early = ck.checklist_status(session, YEAR, date(2026, 3, 1)).unit(town)
    assert early.task("T01").status == "on_track"
    assert early.task("T02").status == "behind"
    assert early.task("T07").status == "behind"  # January and February missed
    assert early.task("T03").status == "on_track"


def test_as_of_outside_the_year_is_held_to_the_year(town, session):
    result = ck.checklist_status(session, YEAR, date(2027, 3, 1))
    assert result.as_of == date(2026, 12, 31)


def test_a_rule_set_changed_mid_year_changes_the_result(town, session):
    for held in (date(2026, 2, 10), date(2026, 5, 12), date(2026, 8, 11)):
        add_meeting(session, town, MeetingKind.presidium, held, topics=1)
    before = ck.checklist_status(session, YEAR, date(2026, 9, 1))
    assert before.rules_version == 1
    assert before.unit(town).task("T02").status == "on_track"  # 3 of 4
    assert before.unit(town).task("T01").status == "overdue"

    def change(data):
        t02 = next(t for t in data["checklist"]["tasks"] if t["code"] == "T02")
        t02["target"] = 3
        t02["schedule"] = [{"by": "06-30", "expected": 1}, {"by": "12-31", "expected": 3}]
        t01 = next(t for t in data["checklist"]["tasks"] if t["code"] == "T01")
        t01["applies_to"] = ["township"]

    save_rule_change(session, change)
    after = ck.checklist_status(session, YEAR, date(2026, 9, 1))
    assert after.rules_version == 2
    assert after.unit(town).task("T02").status == "done"
    assert after.unit(town).task("T02").target == 3
    assert after.unit(town).task("T01").status == "not_applicable"


def test_a_hand_mark_settles_a_task_and_shows_as_such(town, session):
    meetings.set_task_mark(
        session, ADMIN, township_id=town, year=YEAR, task_code="T09", evidence="见通报原件"
    )
    t = status(session, town, "T09", date(2026, 7, 1))
    assert (t.status, t.hand_mark, t.mark_evidence, t.missing) == ("done", True, "见通报原件", ())
    # A mark of another year does not count.
    assert (
        ck.checklist_status(session, 2025, date(2025, 7, 1)).unit(town).task("T09").hand_mark
        is False
    )


def test_a_hand_mark_does_not_make_a_task_applicable(session):
    setup_rules(session)
    sub = add_unit(session, "s", UnitType.subdistrict)
    meetings.set_task_mark(
        session, ADMIN, township_id=sub, year=YEAR, task_code="T01", evidence="x"
    )
    assert status(session, sub, "T01", date(2026, 7, 1)).status == "not_applicable"


def test_units_filter_and_retired_units(session):
    setup_rules(session)
    a = add_unit(session, "a", order=1)
    b = add_unit(session, "b", order=2)
    c = add_unit(session, "c", order=3)
    session.get(Township, c).active = False
    session.commit()
    assert [u.township_id for u in ck.checklist_status(session, YEAR, date(2026, 5, 1)).units] == [
        a,
        b,
    ]
    only_b = ck.checklist_status(session, YEAR, date(2026, 5, 1), [b])
    assert [u.township_id for u in only_b.units] == [b]
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=a)
    mine = ck.readable_checklist(session, clerk, year=YEAR, as_of=date(2026, 5, 1), township_id=b)
    assert mine.units == ()
    frame = ck.checklist_status(session, YEAR, date(2026, 5, 1)).frame()
    assert len(frame) == 20 and list(frame["task"][:2]) == ["T01", "T02"]


def _populate(session, tid):
    add_meeting(session, tid, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, tid, MeetingKind.congress_session, date(2026, 2, 11), follow_up="")
    deputies = add_deputies(session, tid, 3, presidium=True)
    add_contact_day(session, tid, date(2026, 1, 20), deputies)
    _activity(session, tid, date(2026, 3, 1))
    _item(session, tid, date(2026, 1, 2), SupervisionStage.assignment)
    _visit(session, tid, date(2026, 3, 3))
    _integrated(session, tid, date(2026, 3, 4), "county,township")


def test_the_query_count_does_not_grow_with_the_units(session, engine):
    setup_rules(session)
    first = add_unit(session, "u0", order=0)
    _populate(session, first)

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            ck.checklist_status(session, YEAR, date(2026, 6, 30))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    one = queries()
    for i in range(1, 5):
        _populate(session, add_unit(session, f"u{i}", order=i))
    assert queries() == one
    assert one <= 20
