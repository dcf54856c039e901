"""The task-list engine: every unit's ten tasks, not applicable and hand-marked tasks, rule
versions, the units read, the records behind a cell, and a query count that does not grow with
the units."""

from datetime import date

import pytest
from sqlalchemy import event

from models import Constituency, PresidiumLink, Township
from models.enums import (
    MeetingKind,
    NotificationKind,
    Role,
    SupervisionKind,
    SupervisionStage,
    UnitType,
)
from services import checklist, rules, task_marks
from services.errors import NotFound, PermissionDenied, ValidationError
from services.permissions import Actor
from tests.factories import (
    ADMIN,
    YEAR,
    add_activity,
    add_contact_day,
    add_deputies,
    add_integrated,
    add_item,
    add_meeting,
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
# Whole-list behaviour


def test_a_year_with_no_records(session):
    setup_rules(session)
    town = add_unit(session, "t", order=1)
    sub = add_unit(session, "s", UnitType.subdistrict, order=2)
    end = checklist.checklist_status(session, YEAR, date(2026, 12, 31))
    # Count tasks miss their targets; share tasks owe nothing when nothing was due, except T04:
    # a topic was owed at the presidium meetings due each quarter, and none was held.
    assert {t.code: t.status for t in end.unit(town).tasks} == {
        "T01": "overdue",
        "T02": "overdue",
        "T03": "done",
        "T04": "overdue",
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

    # 1 Mar: T01's first deadline, 30 Jun, is 121 days away; T02's, 31 Mar, 30 days away
    # (inside its 30-day warning); January's and February's contact days passed without one,
    # and months missed stay missed: 100 % is out of reach.
    early = checklist.checklist_status(session, YEAR, date(2026, 3, 1)).unit(town)
    assert early.task("T01").status == "on_track"
    assert early.task("T02").status == "behind"
    assert early.task("T07").status == "overdue"
    assert early.task("T07").decided_by.reason == "unreachable"
    assert early.task("T03").status == "on_track"


def test_as_of_outside_the_year_is_held_to_the_year(town, session):
    result = checklist.checklist_status(session, YEAR, date(2027, 3, 1))
    assert result.as_of == date(2026, 12, 31)


def test_a_rule_set_changed_mid_year_changes_the_result(town, session):
    for held in (date(2026, 2, 10), date(2026, 5, 12), date(2026, 8, 11)):
        add_meeting(session, town, MeetingKind.presidium, held, topics=1)
    before = checklist.checklist_status(session, YEAR, date(2026, 9, 1))
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
    after = checklist.checklist_status(session, YEAR, date(2026, 9, 1))
    assert after.rules_version == 2
    assert after.unit(town).task("T02").status == "done"
    assert after.unit(town).task("T02").target == 3
    assert after.unit(town).task("T01").status == "not_applicable"


def test_a_hand_mark_settles_a_task_and_shows_as_such(town, session):
    task_marks.set_task_mark(
        session, ADMIN, township_id=town, year=YEAR, task_code="T09", evidence="见通报原件"
    )
    t = status(session, town, "T09", date(2026, 7, 1))
    assert (t.status, t.hand_mark, t.mark_evidence, t.missing) == ("done", True, "见通报原件", ())
    # A mark of another year does not count.
    assert (
        checklist.checklist_status(session, 2025, date(2025, 7, 1)).unit(town).task("T09").hand_mark
        is False
    )


def test_a_hand_mark_does_not_make_a_task_applicable(session):
    setup_rules(session)
    sub = add_unit(session, "s", UnitType.subdistrict)
    task_marks.set_task_mark(
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
    assert [
        u.township_id for u in checklist.checklist_status(session, YEAR, date(2026, 5, 1)).units
    ] == [
        a,
        b,
    ]
    only_b = checklist.checklist_status(session, YEAR, date(2026, 5, 1), [b])
    assert [u.township_id for u in only_b.units] == [b]
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=a)
    mine = checklist.readable_checklist(
        session, clerk, year=YEAR, as_of=date(2026, 5, 1), township_id=b
    )
    assert mine.units == ()
    frame = checklist.checklist_status(session, YEAR, date(2026, 5, 1)).frame()
    assert len(frame) == 20 and list(frame["task"][:2]) == ["T01", "T02"]


def _populate(session, tid):
    add_meeting(session, tid, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, tid, MeetingKind.congress_session, date(2026, 2, 11), follow_up="")
    deputies = add_deputies(session, tid, 3, presidium=True)
    add_contact_day(session, tid, date(2026, 1, 20), deputies)
    add_activity(session, tid, date(2026, 3, 1))
    add_item(session, tid, date(2026, 1, 2), SupervisionStage.assignment)
    add_visit(session, tid, date(2026, 3, 3))
    add_integrated(session, tid, date(2026, 3, 4), "county,township")


def test_the_query_count_does_not_grow_with_the_units(session, engine):
    setup_rules(session)
    first = add_unit(session, "u0", order=0)
    _populate(session, first)

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            checklist.checklist_status(session, YEAR, date(2026, 6, 30))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    one = queries()
    for i in range(1, 5):
        _populate(session, add_unit(session, f"u{i}", order=i))
    assert queries() == one
    # Four of them read the stamps and the kept figures and keep the fresh ones.
    assert one <= 24


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def test_the_records_behind_a_cell_follow_permissions(town, session):
    other = Actor(id=None, username="c", role=Role.township_staff, township_id=town + 1)
    with pytest.raises(PermissionDenied):
        checklist.cell_records(
            session, other, year=YEAR, as_of=date(2026, 6, 30), township_id=town, task_code="T02"
        )
    with pytest.raises(ValidationError) as err:
        records(session, town, "T11", date(2026, 6, 30))
    assert err.value.key == "checklist.error.task_code"
    session.get(Township, town).active = False
    session.commit()
    with pytest.raises(NotFound):
        records(session, town, "T01", date(2026, 6, 30))


def test_a_cell_counts_the_records_its_task_counted(session):
    """Every task of one unit with records that count and records that do not: the records a
    cell flags as counted are the ones its figure counted. Figures as of 30 Jun 2026."""
    setup_rules(session)
    save_rule_change(
        session,
        lambda d: d["supervision"].update(activity_kinds=["inspection", "survey"]),
    )
    tid = add_unit(session)
    as_of = date(2026, 6, 30)
    # Meetings: two congress sessions (one lacking its research); presidium meetings on 10 Feb
    # and 12 May (a topic each) and 3 Jun (no topic, blank follow-up).
    add_meeting(session, tid, MeetingKind.congress_session, date(2026, 3, 2))
    add_meeting(session, tid, MeetingKind.congress_session, date(2026, 4, 8), research="")
    add_meeting(session, tid, MeetingKind.presidium, date(2026, 2, 10), topics=1)
    add_meeting(session, tid, MeetingKind.presidium, date(2026, 5, 12), topics=1)
    add_meeting(session, tid, MeetingKind.presidium, date(2026, 6, 3), follow_up="  ")
    # Activities: an appraisal is not a kind this rule set counts.
    add_activity(session, tid, date(2026, 3, 5))
    add_activity(session, tid, date(2026, 4, 1), SupervisionKind.survey)
    add_activity(session, tid, date(2026, 5, 5), SupervisionKind.appraisal)
    # Items due by 30 Jun (120 days after opening): two reached feedback, one open.
    add_item(session, tid, date(2025, 9, 3), SupervisionStage.closed)
    add_item(session, tid, date(2026, 1, 10), SupervisionStage.follow_up)
    add_item(session, tid, date(2026, 3, 2), SupervisionStage.feedback)
    add_item(session, tid, date(2026, 3, 3), SupervisionStage.investigation)
    # Deputies: five presidium members and two more, one of them with a constituency.
    c = Constituency(township_id=tid, name="X")
    session.add(c)
    session.commit()
    members = add_deputies(session, tid, 5, presidium=True)
    (plain,) = add_deputies(session, tid, 1)
    (with_voters,) = add_deputies(session, tid, 1, constituency_id=c.id)
    for d in [*members[1:], plain]:
        session.add(PresidiumLink(township_id=tid, member_id=members[0], deputy_id=d))
    session.commit()
    link_voters(session, tid, with_voters, add_voters(session, tid, c.id, 10))
    everyone = [*members, plain, with_voters]
    # Contact days: January 6/7; 23 Feb is no contact day; March 4/7 is too few; May 7/7.
    add_contact_day(session, tid, date(2026, 1, 20), everyone[:6])
    add_contact_day(session, tid, date(2026, 2, 23), everyone)
    add_contact_day(session, tid, date(2026, 3, 20), everyone[:4])
    add_contact_day(session, tid, date(2026, 5, 20), everyone)
    # The first half-year has a visit and both notifications.
    add_visit(session, tid, date(2026, 3, 2))
    add_notification(session, tid, NotificationKind.presidium_work, date(2026, 6, 15))
    add_notification(session, tid, NotificationKind.deputy_performance, date(2026, 6, 20))
    # Integrated activities: one of two levels on the theme; one level named twice; off theme.
    add_integrated(session, tid, date(2026, 4, 1), "county,township")
    add_integrated(session, tid, date(2026, 5, 8), "township,township")
    add_integrated(session, tid, date(2026, 5, 22), "county,township", theme="自选主题")

    unit = checklist.checklist_status(session, YEAR, as_of).unit(tid)
    cells = {code: records(session, tid, code, as_of) for code in rules.TASK_CODES}
    counted = {code: int(df["counts"].sum()) for code, df in cells.items()}
    listed = {code: len(df) for code, df in cells.items()}

    # Count tasks: the counted records are the count.
    assert (counted["T01"], listed["T01"], unit.task("T01").value) == (2, 2, 2)
    assert (counted["T02"], listed["T02"], unit.task("T02").value) == (3, 3, 3)
    assert (counted["T05"], listed["T05"], unit.task("T05").value) == (2, 3, 2)
    assert (counted["T10"], listed["T10"], unit.task("T10").value) == (1, 3, 1)
    # Share tasks: the counted records over the records listed are the share.
    for code, (num, den) in {
        "T03": (3, 5),  # every meeting held; two lack a part
        "T04": (2, 3),  # a presidium meeting held without a topic is listed, not counted
        "T06": (2, 3),
        "T08": (1 + 1, 5 + 7),  # members 1 of 5; deputies 1 of 7
    }.items():
        t = unit.task(code)
        assert (counted[code], listed[code]) == (t.numerator, t.denominator) == (num, den), code
    # T07 counts months: the months of the contact days counted.
    t07 = cells["T07"]
    months = {d.month for d, ok in zip(t07["date"], t07["counts"], strict=True) if ok}
    assert months == {1, 5}
    assert (unit.task("T07").numerator, unit.task("T07").denominator) == (2, 6)
    # T09 counts half-years with a visit and both notifications among the records.
    assert counted["T09"] == listed["T09"] == 3
    assert unit.task("T09").value == 1
