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
from services.errors import NotFound, PermissionDenied, ValidationError
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
        ({"held_on": TODAY + timedelta(days=1)}, "linkage.error.future_date"),
        ({"held_on": date(2024, 12, 31)}, "linkage.error.date_too_old"),
        ({"held_on": "2026-11-20"}, "linkage.error.date"),
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


def test_delete_a_contact_day(session, unit):
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
    with pytest.raises(ValidationError, match="contact_day_in_use"):
        contact_days.delete_contact_day(session, unit["clerk"], day_id)
    item = session.exec(select(SupervisionItem)).one()
    session.delete(item)
    session.commit()
    contact_days.delete_contact_day(session, unit["clerk"], day_id)
    assert (
        count_rows(session, ContactDay),
        count_rows(session, ContactDayParticipant),
        count_rows(session, Opinion),
    ) == (0, 0, 0)
    assert session.exec(select(AuditLog.action).order_by(AuditLog.id)).all() == ["create", "delete"]
    with pytest.raises(NotFound):
        contact_days.delete_contact_day(session, unit["clerk"], day_id)


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
