"""Contact days, visits and notifications: permission-checked, validated before writing, audited.

The unit is the roster's test town (``build_roster``): four township deputies 甲, 乙, 丙 and 丁,
and in the sub-district next door the county deputy 戊.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import (
    AuditLog,
    ContactDay,
    ContactDayParticipant,
    Notification,
    Opinion,
    SupervisionItem,
    Visit,
)
from models.enums import NotificationKind, VisitKind
from services import contact_days
from services.errors import InUse, NotFound, PermissionDenied, ValidationError
from tests.factories import LEADER, build_roster, count_rows

TODAY = date(2026, 11, 27)


@pytest.fixture
def unit(session):
    return build_roster(session)


# --- contact days, visits, notifications --------------------------------------------------------


def _contact(session, unit, actor=None, **changes):
    fields = {
        "township_id": unit["town"],
        "held_on": date(2026, 11, 20),
        "deputy_ids": [unit["d"]["甲"], unit["d"]["乙"]],
        "voters_met": 12,
        "opinions_count": 3,
        "opinions": ["路灯不亮", "  ", "河道需要清淤"],
        "summary": "在联络站接待选民",
        "today": TODAY,
    } | changes
    return contact_days.record_contact_day(session, actor or unit["clerk"], **fields)


def test_record_a_contact_day(session, unit):
    day_id = _contact(session, unit)
    day = session.get(ContactDay, day_id)
    assert (day.voters_met, day.opinions_count, day.entered_by_id) == (12, 3, None)
    assert count_rows(session, ContactDayParticipant) == 2
    assert session.exec(select(Opinion.text).order_by(Opinion.id)).all() == [
        "路灯不亮",
        "河道需要清淤",
    ]
    log = session.exec(select(AuditLog)).one()
    assert log.entity == "contact_day" and log.after["deputy_ids"] == sorted(
        [unit["d"]["甲"], unit["d"]["乙"]]
    )
    frame = contact_days.contact_days_frame(session, unit["clerk"], unit["town"], 2026)
    row = frame.iloc[0]
    # Four township deputies are expected in the town; two took part.
    assert (row["participants"], row["expected"], row["opinions_recorded"]) == (2, 4, 2)
    assert row["on_day"] and row["rate"] == 0.5


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"held_on": TODAY + timedelta(days=1)}, "error.date_future"),
        ({"held_on": date(2027, 1, 15)}, "error.date_future"),
        ({"held_on": date(2024, 12, 31)}, "error.date_too_old"),
        ({"held_on": "2026-11-20"}, "error.date_required"),
        ({"deputy_ids": []}, "linkage.error.no_participants"),
        ({"voters_met": -1}, "error.negative"),
        ({"voters_met": "many"}, "linkage.error.number"),
        ({"opinions_count": 1}, "linkage.error.opinions_count"),
        ({"summary": "<img src=x onerror=alert(1)>"}, "error.markup"),
        ({"opinions": ["长" * 501]}, "error.too_long"),
    ],
)
def test_bad_contact_days_write_nothing(session, unit, changes, key):
    with pytest.raises(ValidationError) as info:
        _contact(session, unit, **changes)
    assert info.value.key == key
    assert (
        count_rows(session, ContactDay),
        count_rows(session, Opinion),
        count_rows(session, AuditLog),
    ) == (0, 0, 0)


def test_contact_day_participants_belong_to_the_unit(session, unit):
    with pytest.raises(ValidationError, match="deputy_not_here"):
        _contact(session, unit, deputy_ids=[unit["d"]["甲"], unit["d"]["戊"]])
    with pytest.raises(PermissionDenied):
        _contact(session, unit, actor=unit["other"])
    assert count_rows(session, ContactDay) == 0


def test_one_contact_day_per_date(session, unit):
    _contact(session, unit)
    with pytest.raises(ValidationError, match="contact_day_exists"):
        _contact(session, unit)
    assert count_rows(session, ContactDay) == 1
    # Two entries racing past the check are stopped by the database.
    held_on = session.exec(select(ContactDay.held_on)).one()
    session.add(ContactDay(township_id=unit["town"], held_on=held_on))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert count_rows(session, ContactDay) == 1


def test_withdraw_a_contact_day_with_its_participants_and_opinions(session, unit):
    day_id = _contact(session, unit)
    session.add(
        SupervisionItem(
            township_id=unit["town"],
            title="t",
            opened_on=TODAY,
            stage_entered_on=TODAY,
            contact_day_id=day_id,
        )
    )
    session.commit()
    with pytest.raises(InUse) as refused:
        contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason="误登")
    assert refused.value.dependents == {"supervision_item": 1}
    item = session.exec(select(SupervisionItem)).one()
    session.delete(item)
    session.commit()
    with pytest.raises(ValidationError) as refused:
        contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason=" ")
    assert refused.value.key == "error.reason_required"
    contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason="误登")
    assert (
        count_rows(session, ContactDay),
        count_rows(session, ContactDayParticipant),
        count_rows(session, Opinion),
    ) == (0, 0, 0)
    logs = session.exec(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(log.action, log.reason) for log in logs] == [("create", None), ("delete", "误登")]
    assert logs[-1].before["opinions"] == ["路灯不亮", "河道需要清淤"]
    with pytest.raises(NotFound):
        contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason="误登")


def test_visits_and_notifications(session, unit):
    contact_days.add_visit(
        session,
        unit["clerk"],
        township_id=unit["town"],
        kind=VisitKind.voter,
        held_on=date(2026, 5, 6),
        people_visited=8,
        note="走访困难群众",
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="duplicate_record"):
        contact_days.add_visit(
            session,
            unit["clerk"],
            township_id=unit["town"],
            kind=VisitKind.voter,
            held_on=date(2026, 5, 6),
            people_visited=3,
            note="走访困难群众",
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="at_least"):
        contact_days.add_visit(
            session,
            unit["clerk"],
            township_id=unit["town"],
            kind=VisitKind.deputy,
            held_on=date(2026, 5, 6),
            people_visited=0,
            today=TODAY,
        )
    contact_days.add_notification(
        session,
        unit["clerk"],
        township_id=unit["town"],
        kind=NotificationKind.presidium_work,
        issued_on=date(2026, 7, 1),
        title="上半年主席团工作通报",
        today=TODAY,
    )
    with pytest.raises(ValidationError, match=r"error\.required"):
        contact_days.add_notification(
            session,
            unit["clerk"],
            township_id=unit["town"],
            kind=NotificationKind.deputy_performance,
            issued_on=date(2026, 7, 1),
            title="   ",
            today=TODAY,
        )
    assert (count_rows(session, Visit), count_rows(session, Notification)) == (1, 1)
    visits = contact_days.visits_frame(session, LEADER, unit["town"], 2026)
    assert visits[["kind", "people_visited"]].values.tolist() == [["voter", 8]]
    notes = contact_days.notifications_frame(session, LEADER, unit["town"], 2026)
    assert notes["title"].tolist() == ["上半年主席团工作通报"]


# --- corrections, withdrawals and what T07 will make of an entry --------------------------------


def test_a_contact_day_is_corrected_with_its_reason(session, unit):
    day_id = _contact(session, unit)
    d = unit["d"]
    contact_days.correct_contact_day(
        session,
        unit["clerk"],
        day_id,
        reason="漏登两名代表",
        held_on=date(2026, 11, 20),
        deputy_ids=[d["甲"], d["乙"], d["丙"], d["丁"]],
        voters_met=15,
        opinions_count=3,
        opinions=["路灯不亮", "村口需要减速带"],
        summary="在联络站接待选民",
        today=TODAY,
    )
    entry = contact_days.contact_day_entry(session, unit["clerk"], day_id)
    assert entry["deputy_ids"] == sorted(d[k] for k in "甲乙丙丁")
    assert entry["opinions"] == ["路灯不亮", "村口需要减速带"]
    assert entry["voters_met"] == 15
    frame = contact_days.contact_days_frame(session, unit["clerk"], unit["town"], 2026)
    assert frame.iloc[0]["rate"] == 1.0
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.reason) == ("update", "漏登两名代表")
    assert len(log.before["deputy_ids"]) == 2 and len(log.after["deputy_ids"]) == 4
    assert log.before["opinions"] == ["路灯不亮", "河道需要清淤"]


def test_an_opinion_that_opened_an_item_stays(session, unit):
    day_id = _contact(session, unit)
    opinion = session.exec(select(Opinion).where(Opinion.text == "河道需要清淤")).one()
    session.add(
        SupervisionItem(
            township_id=unit["town"],
            title="河道清淤",
            opened_on=TODAY,
            stage_entered_on=TODAY,
            opinion_id=opinion.id,
        )
    )
    session.commit()
    fields = {
        "reason": "改",
        "held_on": date(2026, 11, 20),
        "deputy_ids": [unit["d"]["甲"]],
        "voters_met": 12,
        "opinions_count": 3,
        "summary": "",
        "today": TODAY,
    }
    with pytest.raises(InUse) as refused:
        contact_days.correct_contact_day(
            session, unit["clerk"], day_id, opinions=["路灯不亮"], **fields
        )
    assert refused.value.dependents == {"supervision_item": 1}
    session.rollback()
    with pytest.raises(InUse):
        contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason="误登")
    contact_days.correct_contact_day(
        session, unit["clerk"], day_id, opinions=["河道需要清淤"], **fields
    )
    # The opinion kept is the same record the item points at.
    assert session.get(Opinion, opinion.id).text == "河道需要清淤"
    assert count_rows(session, Opinion) == 1


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"reason": ""}, "error.reason_required"),
        ({"held_on": date(2027, 1, 20)}, "error.date_future"),
        ({"voters_met": -5}, "error.negative"),
        ({"deputy_ids": []}, "linkage.error.no_participants"),
    ],
)
def test_a_bad_contact_day_correction_changes_nothing(session, unit, changes, key):
    day_id = _contact(session, unit)
    fields = {
        "reason": "改",
        "held_on": date(2026, 11, 20),
        "deputy_ids": [unit["d"]["甲"]],
        "voters_met": 12,
        "opinions_count": 3,
        "opinions": [],
        "summary": "",
        "today": TODAY,
    } | changes
    with pytest.raises(ValidationError) as refused:
        contact_days.correct_contact_day(session, unit["clerk"], day_id, **fields)
    assert refused.value.key == key
    session.rollback()
    assert count_rows(session, ContactDayParticipant) == 2
    assert count_rows(session, AuditLog) == 1


def test_who_may_change_a_contact_day_and_when(session, unit):
    from services import years
    from tests.factories import ADMIN

    day_id = _contact(session, unit)
    with pytest.raises(PermissionDenied):
        contact_days.withdraw_contact_day(session, unit["other"], day_id, reason="误登")
    with pytest.raises(PermissionDenied):
        contact_days.withdraw_contact_day(session, LEADER, day_id, reason="误登")
    years.close_year(session, ADMIN, 2026, reason="年终")
    with pytest.raises(PermissionDenied) as refused:
        contact_days.withdraw_contact_day(session, unit["clerk"], day_id, reason="误登")
    assert refused.value.key == "error.year_closed"
    years.reopen_year(session, ADMIN, 2026, reason="更正")
    contact_days.withdraw_contact_day(session, ADMIN, day_id, reason="误登")
    assert count_rows(session, ContactDay) == 0


def test_the_preview_says_what_t07_will_make_of_a_contact_day(session, unit):
    d = unit["d"]
    # 20 Nov 2026 is a Friday: the rule's day. Two of four deputies is 50 %, under 80 %.
    two = contact_days.contact_day_preview(
        session,
        unit["clerk"],
        township_id=unit["town"],
        held_on=date(2026, 11, 20),
        deputy_ids=[d["甲"], d["乙"]],
    )
    assert (two.participants, two.expected, two.share, two.minimum) == (2, 4, 0.5, 0.8)
    assert two.warnings == ("participation",)
    # 3 Nov is no day the rule allows for November; after one saved on the 20th it is the
    # second of the month.
    _contact(session, unit)
    off = contact_days.contact_day_preview(
        session,
        unit["clerk"],
        township_id=unit["town"],
        held_on=date(2026, 11, 3),
        deputy_ids=list(d[k] for k in "甲乙丙丁"),
    )
    assert off.warnings == ("day", "second")
    assert off.allowed_days == (date(2026, 11, 20),)
    assert off.others_in_month == (date(2026, 11, 20),)
    # Correcting the saved one is not a second one of its month.
    day_id = session.exec(select(ContactDay.id)).one()
    same = contact_days.contact_day_preview(
        session,
        unit["clerk"],
        township_id=unit["town"],
        held_on=date(2026, 11, 20),
        deputy_ids=list(d[k] for k in "甲乙丙丁"),
        contact_day_id=day_id,
    )
    assert same.warnings == ()
    # 20 Dec 2026 is a Sunday: with the default tolerance the 18th and the 21st count too.
    sunday = contact_days.contact_day_preview(
        session,
        unit["clerk"],
        township_id=unit["town"],
        held_on=date(2026, 12, 21),
        deputy_ids=list(d[k] for k in "甲乙丙丁"),
    )
    assert sunday.allowed_days == (date(2026, 12, 18), date(2026, 12, 20), date(2026, 12, 21))
    assert sunday.warnings == ()


def test_visits_and_notifications_are_corrected_and_withdrawn(session, unit):
    from models import IssuedDocument

    visit = contact_days.add_visit(
        session,
        unit["clerk"],
        township_id=unit["town"],
        kind=VisitKind.voter,
        held_on=date(2026, 5, 6),
        people_visited=8,
        today=TODAY,
    )
    contact_days.correct_visit(
        session,
        unit["clerk"],
        visit,
        reason="人数录错",
        kind=VisitKind.deputy,
        held_on=date(2026, 5, 7),
        people_visited=6,
        note="走访代表",
        today=TODAY,
    )
    assert contact_days.visit_entry(session, unit["clerk"], visit) == {
        "id": visit,
        "kind": "deputy",
        "held_on": date(2026, 5, 7),
        "people_visited": 6,
        "note": "走访代表",
    }
    with pytest.raises(ValidationError) as refused:
        contact_days.correct_visit(
            session,
            unit["clerk"],
            visit,
            reason="x",
            kind=VisitKind.deputy,
            held_on=date(2027, 1, 15),
            people_visited=6,
            today=TODAY,
        )
    assert refused.value.key == "error.date_future"
    contact_days.withdraw_visit(session, unit["clerk"], visit, reason="重复")
    assert count_rows(session, Visit) == 0

    note = contact_days.add_notification(
        session,
        unit["clerk"],
        township_id=unit["town"],
        kind=NotificationKind.presidium_work,
        issued_on=date(2026, 7, 1),
        title="上半年主席团工作通报",
        today=TODAY,
    )
    contact_days.correct_notification(
        session,
        unit["clerk"],
        note,
        reason="标题错字",
        kind=NotificationKind.presidium_work,
        issued_on=date(2026, 7, 2),
        title="2026年上半年主席团工作通报",
        today=TODAY,
    )
    assert contact_days.notification_entry(session, unit["clerk"], note)["title"] == (
        "2026年上半年主席团工作通报"
    )
    session.add(
        IssuedDocument(
            notification_id=note, township_id=unit["town"], period="2026H1", evidence="x"
        )
    )
    session.commit()
    with pytest.raises(InUse) as in_use:
        contact_days.withdraw_notification(session, unit["clerk"], note, reason="误登")
    assert in_use.value.dependents == {"issued_document": 1}
    with pytest.raises(PermissionDenied):
        contact_days.withdraw_notification(session, unit["other"], note, reason="误登")
    reasons = session.exec(select(AuditLog.reason).order_by(AuditLog.id)).all()
    assert reasons == [None, "人数录错", "重复", None, "标题错字"]
