"""Records built by hand for the task-list tests, shared by the test modules of the engine,
the ten tasks, the forms and the hand marks.

Dates are in 2026 with the seed rule set unless a test stores another version. Weekdays of 2026
that matter: 20 Jun is a Saturday, 20 Sep and 20 Dec are Sundays, 20 Feb is a Friday.
"""

from datetime import date

from sqlmodel import Session

from models import (
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IntegratedActivity,
    Meeting,
    Notification,
    SupervisionActivity,
    SupervisionItem,
    SupervisionTopic,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.enums import DeputyLevel, MeetingKind, Role, SupervisionKind, UnitType, VisitKind
from services import checklist, rules
from services.permissions import Actor
from services.task_status import TaskStatus

YEAR = 2026
ADMIN = Actor(id=None, username="admin", role=Role.district_admin)


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


def status(session: Session, tid: int, code: str, as_of: date) -> TaskStatus:
    return checklist.checklist_status(session, YEAR, as_of).unit(tid).task(code)


def records(session: Session, tid: int, code: str, as_of: date):
    """The records behind the cell of unit ``tid`` and task ``code``, as the admin reads them."""
    return checklist.cell_records(
        session, ADMIN, year=YEAR, as_of=as_of, township_id=tid, task_code=code
    )


def add_activity(session, tid, held_on, kind=SupervisionKind.inspection):
    session.add(SupervisionActivity(township_id=tid, kind=kind, held_on=held_on, subject="视察"))
    session.commit()


def add_item(session, tid, opened_on, stage):
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


def add_voters(session, tid, cid, n, *, active=True) -> list[int]:
    rows = [
        Voter(township_id=tid, constituency_id=cid, name=f"选民{i}", active=active)
        for i in range(n)
    ]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def link_voters(session, tid, deputy_id, voter_ids):
    session.add_all(VoterLink(township_id=tid, deputy_id=deputy_id, voter_id=v) for v in voter_ids)
    session.commit()


def add_visit(session, tid, held_on):
    session.add(Visit(township_id=tid, kind=VisitKind.voter, held_on=held_on))
    session.commit()


def add_notification(session, tid, kind, issued_on):
    session.add(Notification(township_id=tid, kind=kind, issued_on=issued_on, title="通报"))
    session.commit()


def add_integrated(session, tid, held_on, levels, theme=None):
    """An activity, by default on the district's theme of its year."""
    theme = rules.get_rules(session, held_on.year).themes[0] if theme is None else theme
    session.add(
        IntegratedActivity(
            township_id=tid, held_on=held_on, theme=theme, title="活动", levels=levels
        )
    )
    session.commit()
