"""Records built by hand for the tests, shared by every test module that needs them: actors of
each role, units, the records of the task list, a roster, a supervision world and loop, and
spreadsheets. A test module imports its builders from here, never from another test module.

Dates are in 2026 with the seed rule set unless a test stores another version. Weekdays of 2026
that matter: 20 Jun is a Saturday, 20 Sep and 20 Dec are Sundays, 20 Feb is a Friday.
"""

import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlmodel import Session, func, select

from models import (
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IntegratedActivity,
    Meeting,
    Notification,
    Opinion,
    SupervisionActivity,
    SupervisionItem,
    SupervisionTopic,
    Township,
    User,
    Visit,
    Voter,
    VoterLink,
)
from models import RuleSet as RuleSetRow
from models.enums import (
    DeputyLevel,
    MeetingKind,
    Rating,
    Role,
    SupervisionKind,
    SupervisionStage,
    UnitType,
    VisitKind,
)
from services import checklist, rules
from services import supervision as sv
from services.permissions import Actor
from services.task_status import TaskStatus

YEAR = 2026
ADMIN = Actor(id=None, username="admin", role=Role.district_admin)
LEADER = Actor(id=None, username="leader", role=Role.district_leader)


def clerk_of(township_id: int) -> Actor:
    """A township clerk of ``township_id``."""
    return Actor(
        id=None, username=f"clerk{township_id}", role=Role.township_staff, township_id=township_id
    )


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


# --- a roster -----------------------------------------------------------------------------------


def build_roster(session) -> dict:
    rules.install_defaults(session)
    town = Township(code="t", name_zh="测试镇", name_en="Test Town", unit_type=UnitType.town)
    sub = Township(code="s", name_zh="测试街道", name_en="Test Sub", unit_type=UnitType.subdistrict)
    session.add_all([town, sub])
    session.flush()
    c1 = Constituency(township_id=town.id, name="第1选区")
    c2 = Constituency(township_id=town.id, name="第2选区")
    s1 = Constituency(township_id=sub.id, name="第1选区")
    session.add_all([c1, c2, s1])
    session.flush()
    deputies = {}
    for name, con, member in (
        ("甲", c1, True),
        ("乙", c1, False),
        ("丙", c1, False),
        ("丁", c2, False),
    ):
        deputies[name] = Deputy(
            township_id=town.id,
            name=name,
            level=DeputyLevel.township,
            constituency_id=con.id,
            is_presidium_member=member,
            phone="13812345678",
        )
    deputies["戊"] = Deputy(
        township_id=sub.id, name="戊", level=DeputyLevel.county, constituency_id=s1.id
    )
    session.add_all(deputies.values())
    voters = [Voter(township_id=town.id, constituency_id=c1.id, name=f"v{i}") for i in range(3)]
    voters.append(Voter(township_id=town.id, constituency_id=c2.id, name="w0"))
    session.add_all(voters)
    session.commit()
    clerk = Actor(id=None, username="clerk", role=Role.township_staff, township_id=town.id)
    other = Actor(id=None, username="other", role=Role.township_staff, township_id=sub.id)
    return {
        "town": town.id,
        "sub": sub.id,
        "c1": c1.id,
        "c2": c2.id,
        "s1": s1.id,
        "d": {k: v.id for k, v in deputies.items()},
        "v": [v.id for v in voters],
        "clerk": clerk,
        "other": other,
    }


def count_rows(session, model) -> int:
    return session.exec(select(func.count(model.id))).one()


# --- spreadsheets -----------------------------------------------------------------------------


def xlsx(rows, *, title="选民", merge: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- a supervision world and loop ---------------------------------------------------------------

SUPERVISION_TODAY = date(2026, 12, 31)
# Stage days of the fixture's rule set; the tests work dates out from these by hand.
DAYS = {
    "investigation": 30,
    "deliberation": 15,
    "assignment": 15,
    "follow_up": 60,
    "feedback": 30,
}


def install_rules(
    session: Session,
    year: int,
    *,
    days: dict[str, int] | None = None,
    returns_to: str = "assignment",
    closure_target: float = 0.9,
) -> None:
    """Store a rule set for ``year``: the seed file with the supervision part set by the test."""
    base = rules.load_toml(rules.default_rules_path(2026))
    supervision = base.supervision.model_copy(
        update={
            "stage_deadline_days": {SupervisionStage(k): v for k, v in (days or DAYS).items()},
            "unsatisfied_returns_to": SupervisionStage(returns_to),
            "closure_target": closure_target,
        }
    )
    content = rules.to_content(base.model_copy(update={"year": year, "supervision": supervision}))
    rules.parse(content)  # the stored content must validate
    version = (
        session.exec(select(func.max(RuleSetRow.version)).where(RuleSetRow.year == year)).one() or 0
    )
    session.add(RuleSetRow(year=year, version=version + 1, content=content))
    session.commit()


@dataclass
class World:
    a: int
    b: int
    clerk_a: Actor
    clerk_b: Actor
    admin: Actor
    leader: Actor
    topic_a: int
    session_topic_a: int
    activity_a: int
    opinion_a: int
    contact_day_a: int
    topic_b: int


def build_world(session: Session) -> World:
    """Two units, their sources (dated 10 Jan 2026) and one actor of each role."""
    a = Township(code="a", name_zh="甲镇", name_en="A Town", unit_type=UnitType.town, sort_order=1)
    b = Township(
        code="b", name_zh="乙街道", name_en="B", unit_type=UnitType.subdistrict, sort_order=2
    )
    session.add_all([a, b])
    session.commit()
    users = {}
    for name, role, tid in (
        ("clerk_a", Role.township_staff, a.id),
        ("clerk_b", Role.township_staff, b.id),
        ("admin", Role.district_admin, None),
        ("leader", Role.district_leader, None),
    ):
        u = User(
            username=name, display_name=f"{name}名", password_hash="x", role=role, township_id=tid
        )
        session.add(u)
        session.commit()
        users[name] = Actor(id=u.id, username=name, role=role, township_id=tid)
    held = date(2026, 1, 10)
    pres = Meeting(township_id=a.id, kind=MeetingKind.presidium, held_on=held, title="主席团会议")
    cong = Meeting(
        township_id=a.id, kind=MeetingKind.congress_session, held_on=held, title="人代会"
    )
    pres_b = Meeting(township_id=b.id, kind=MeetingKind.presidium, held_on=held, title="乙会议")
    session.add_all([pres, cong, pres_b])
    session.commit()
    topic = SupervisionTopic(meeting_id=pres.id, township_id=a.id, title="农村道路建设")
    topic2 = SupervisionTopic(meeting_id=cong.id, township_id=a.id, title="人代会议题")
    topic_b = SupervisionTopic(meeting_id=pres_b.id, township_id=b.id, title="乙议题")
    act = SupervisionActivity(
        township_id=a.id, kind=SupervisionKind.inspection, held_on=held, subject="视察河道"
    )
    day = ContactDay(township_id=a.id, held_on=held, summary="联系选民日")
    session.add_all([topic, topic2, topic_b, act, day])
    session.commit()
    opinion = Opinion(contact_day_id=day.id, township_id=a.id, text="路灯不亮")
    session.add(opinion)
    session.commit()
    return World(
        a=a.id,
        b=b.id,
        clerk_a=users["clerk_a"],
        clerk_b=users["clerk_b"],
        admin=users["admin"],
        leader=users["leader"],
        topic_a=topic.id,
        session_topic_a=topic2.id,
        activity_a=act.id,
        opinion_a=opinion.id,
        contact_day_a=day.id,
        topic_b=topic_b.id,
    )


LOOP_AS_OF = date(2026, 6, 30)


def _loop_open(session, w: World, tid: int, title: str, on: date) -> int:
    actor = w.clerk_a if tid == w.a else w.clerk_b
    source = {"topic_id": w.topic_a} if tid == w.a else {"topic_id": w.topic_b}
    return sv.open_item(
        session,
        actor,
        township_id=tid,
        title=title,
        opened_on=on,
        responsible_unit="镇建设办",
        today=SUPERVISION_TODAY,
        **source,
    )


def advance_through(session, w: World, item_id: int, *days: date, **kw) -> None:
    for d in days:
        sv.advance_stage(
            session,
            w.admin,
            item_id,
            on=d,
            evidence="材料",
            responsible_unit="办",
            today=SUPERVISION_TODAY,
            **kw,
        )


def _loop_rate(session, w: World, item_id: int, on: date, rating: Rating, raters: int) -> None:
    advance_through(session, w, item_id, on, rating=rating, raters=raters)


def build_loop(session) -> tuple[World, dict[str, int]]:
    """Supervision items in the world of ``build_world``, in two units over 2025 and 2026, as
    the docstring of ``tests/unit/test_supervision_metrics.py`` lists them with the numbers
    they give; returns the world and the items' ids by name."""
    install_rules(session, 2025)
    install_rules(session, 2026)
    w = build_world(session)
    # Sources are dated 10 Jan 2026; b2 and b3 open in 2025, so B's meeting moves earlier.
    topic_b = session.get(SupervisionTopic, w.topic_b)
    meeting = session.get(Meeting, topic_b.meeting_id)
    meeting.held_on = date(2025, 1, 5)
    session.add(meeting)
    session.commit()
    d = date
    ids = {}
    ids["a1"] = _loop_open(session, w, w.a, "a1", d(2026, 1, 10))
    advance_through(
        session, w, ids["a1"], d(2026, 1, 20), d(2026, 1, 30), d(2026, 2, 9), d(2026, 3, 11)
    )
    _loop_rate(session, w, ids["a1"], d(2026, 3, 21), Rating.satisfied, 20)
    ids["a2"] = _loop_open(session, w, w.a, "a2", d(2026, 2, 1))
    advance_through(
        session, w, ids["a2"], d(2026, 2, 11), d(2026, 2, 16), d(2026, 2, 26), d(2026, 3, 28)
    )
    _loop_rate(session, w, ids["a2"], d(2026, 4, 7), Rating.unsatisfied, 10)
    advance_through(session, w, ids["a2"], d(2026, 4, 17), d(2026, 5, 17))
    _loop_rate(session, w, ids["a2"], d(2026, 5, 27), Rating.basically_satisfied, 30)
    ids["a3"] = _loop_open(session, w, w.a, "a3", d(2026, 5, 1))
    advance_through(session, w, ids["a3"], d(2026, 5, 11))
    ids["b1"] = _loop_open(session, w, w.b, "b1", d(2026, 6, 1))
    ids["b2"] = _loop_open(session, w, w.b, "b2", d(2025, 11, 1))
    advance_through(
        session, w, ids["b2"], d(2025, 11, 11), d(2025, 11, 21), d(2025, 12, 1), d(2026, 1, 30)
    )
    _loop_rate(session, w, ids["b2"], d(2026, 2, 9), Rating.unsatisfied, 12)
    ids["b3"] = _loop_open(session, w, w.b, "b3", d(2025, 3, 1))
    advance_through(
        session, w, ids["b3"], d(2025, 3, 11), d(2025, 3, 21), d(2025, 3, 31), d(2025, 4, 30)
    )
    _loop_rate(session, w, ids["b3"], d(2025, 5, 10), Rating.satisfied, 5)
    ids["b4"] = _loop_open(session, w, w.b, "b4", d(2026, 2, 20))
    return w, ids


def count_where(session, model, **where):
    stmt = select(func.count(model.id))
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.exec(stmt).one()


def copy_rows(
    source: str,
    target: str,
    *,
    fixed: dict[tuple[str, str], object] | None = None,
    move_sequences: bool = False,
) -> None:
    """Copy every row of every table of the database at ``source`` into ``target``, column by
    column where both have the column (a target at an older revision keeps only its columns;
    ``fixed`` gives the value of a target column the source lacks, by (table, column)). On
    PostgreSQL ``move_sequences`` moves each id sequence past the copied rows."""
    from sqlalchemy import MetaData, text
    from sqlalchemy import select as select_core

    from models.db import make_engine

    src, dst = make_engine(source), make_engine(target)
    old, new = MetaData(), MetaData()
    old.reflect(dst)
    new.reflect(src)
    with src.connect() as reader, dst.begin() as writer:
        for table in old.sorted_tables:
            if table.name == "alembic_version" or table.name not in new.tables:
                continue
            shared = [c.name for c in table.columns if c.name in new.tables[table.name].columns]
            extra = {col: v for (name, col), v in (fixed or {}).items() if name == table.name}
            rows = [r._mapping for r in reader.execute(select_core(new.tables[table.name]))]
            if rows:
                writer.execute(table.insert(), [{k: r[k] for k in shared} | extra for r in rows])
            if move_sequences and "id" in table.columns:
                quoted = f'"{table.name}"'
                writer.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {quoted}), 0) + 1, false)"
                    )
                )
    src.dispose()
    dst.dispose()
