"""Integrated activities of deputies of the five levels (一体化活动).

A clerk records an activity with the deputies of the unit's roster who took part and the number
of city, provincial and national deputies who are not on the roster. The levels that took part
follow from that entry alone (``levels_of``): each roster deputy's level, plus city, provincial
or national when their count is above zero. T10 counts an activity held in the year on one of
the year's themes with two or more levels; another theme may be recorded and is shown as not
counting.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, select

from models import ActivityDeputy, Deputy, IntegratedActivity
from models.enums import AuditAction, DeputyLevel, levels_in, on_theme
from services import audit
from services.errors import NotFound, ValidationError
from services.evidence import Upload, check_uploads, compose_evidence, parse_evidence, store_file
from services.org import get_township, list_townships
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.validation import clean_text

MAX_TITLE = 200
MAX_THEME = 200
MAX_RESULTS = 2000
MAX_OUTSIDE = 500
MAX_VOTERS = 1_000_000
LEVEL_ORDER = (
    DeputyLevel.national,
    DeputyLevel.provincial,
    DeputyLevel.city,
    DeputyLevel.county,
    DeputyLevel.township,
)


@dataclass(frozen=True)
class RosterDeputy:
    id: int
    name: str
    level: DeputyLevel


@dataclass(frozen=True)
class ActivityInfo:
    id: int
    township_id: int
    held_on: date
    title: str
    theme: str
    on_theme: bool
    levels: tuple[DeputyLevel, ...]
    deputy_ids: tuple[int, ...]
    deputy_names: tuple[str, ...]
    outside_city: int
    outside_provincial: int
    outside_national: int
    voters_reached: int
    results: str
    photos: tuple[str, ...]

    @property
    def counts_for_t10(self) -> bool:
        return self.on_theme and len(self.levels) >= 2


def levels_of(
    roster_levels: Sequence[DeputyLevel | str],
    *,
    outside_city: int = 0,
    outside_provincial: int = 0,
    outside_national: int = 0,
) -> tuple[DeputyLevel, ...]:
    """The levels that took part, from the national level down."""
    present = {DeputyLevel(lv) for lv in roster_levels}
    if outside_city > 0:
        present.add(DeputyLevel.city)
    if outside_provincial > 0:
        present.add(DeputyLevel.provincial)
    if outside_national > 0:
        present.add(DeputyLevel.national)
    return tuple(lv for lv in LEVEL_ORDER if lv in present)


def roster_deputies(session: Session, actor: Actor, township_id: int) -> list[RosterDeputy]:
    """The unit's active deputies of every level, to pick from."""
    require_read(actor, township_id)
    rows = session.exec(
        select(Deputy.id, Deputy.name, Deputy.level)
        .where(Deputy.township_id == township_id, Deputy.active)
        .order_by(Deputy.level, Deputy.id)
    ).all()
    return [RosterDeputy(i, n, DeputyLevel(lv)) for i, n, lv in rows]


def _count(value: object, field: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise ValidationError("guarantees.error.count", field=field, n=limit)
    return value


def record_activity(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    held_on: date,
    title: str,
    theme: str,
    deputy_ids: Sequence[int] = (),
    outside_city: int = 0,
    outside_provincial: int = 0,
    outside_national: int = 0,
    voters_reached: int = 0,
    results: str = "",
    photos: Sequence[Upload] = (),
    today: date | None = None,
) -> int:
    """Record an integrated activity; its levels and participants follow from the deputies."""
    require_write(actor, township_id)
    get_township(session, township_id)
    if held_on > (today or date.today()):
        raise ValidationError("guarantees.error.future_date", field="held_on")
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    theme = clean_text(theme, field="theme", limit=MAX_THEME, required=True)
    results = clean_text(results, field="results", limit=MAX_RESULTS)
    counts = {
        "outside_city": _count(outside_city, "outside_city", MAX_OUTSIDE),
        "outside_provincial": _count(outside_provincial, "outside_provincial", MAX_OUTSIDE),
        "outside_national": _count(outside_national, "outside_national", MAX_OUTSIDE),
    }
    voters_reached = _count(voters_reached, "voters_reached", MAX_VOTERS)
    ids = sorted(set(deputy_ids))
    deputies = (
        session.exec(
            select(Deputy.id, Deputy.level).where(
                Deputy.id.in_(ids), Deputy.township_id == township_id
            )
        ).all()
        if ids
        else []
    )
    if len(deputies) != len(ids):
        raise ValidationError("guarantees.error.deputy_not_on_roster", field="deputies")
    levels = levels_of([lv for _, lv in deputies], **counts)
    if not levels:
        raise ValidationError("guarantees.error.no_deputies", field="deputies")
    accepted = check_uploads(photos)
    row = IntegratedActivity(
        township_id=township_id,
        held_on=held_on,
        title=title,
        theme=theme,
        levels=",".join(lv.value for lv in levels),
        participants=len(ids) + sum(counts.values()),
        voters_reached=voters_reached,
        results=results,
        photos=compose_evidence("", [store_file(f) for f in accepted]),
        entered_by_id=actor.id,
        **counts,
    )
    session.add(row)
    session.flush()
    for did in ids:
        session.add(ActivityDeputy(activity_id=row.id, deputy_id=did))
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="integrated_activity",
        entity_id=row.id,
        township_id=township_id,
        after={**audit.snapshot(row), "deputy_ids": ids},
    )
    session.commit()
    return row.id


def delete_activity(session: Session, actor: Actor, activity_id: int) -> None:
    """Delete an activity entered by mistake; its photos stay in the store until an admin
    purges unreferenced files."""
    row = session.get(IntegratedActivity, activity_id)
    if row is None:
        raise NotFound("error.not_found.activity", id=activity_id)
    require_write(actor, row.township_id)
    links = session.exec(select(ActivityDeputy).where(ActivityDeputy.activity_id == row.id)).all()
    before = {**audit.snapshot(row), "deputy_ids": [link.deputy_id for link in links]}
    for link in links:
        session.delete(link)
    session.flush()
    session.delete(row)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="integrated_activity",
        entity_id=activity_id,
        township_id=before["township_id"],
        before=before,
    )
    session.commit()


def list_activities(
    session: Session, actor: Actor, year: int, *, township_id: int | None = None
) -> list[ActivityInfo]:
    """The year's activities of one unit, or of every unit the actor reads, newest first."""
    if township_id is not None:
        require_read(actor, township_id)
        ids = [township_id]
    else:
        ids = [u.id for u in list_townships(session, actor)]
    themes = get_rules(session, year).themes
    rows = session.exec(
        select(IntegratedActivity)
        .where(
            IntegratedActivity.township_id.in_(ids),
            IntegratedActivity.held_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(IntegratedActivity.held_on.desc(), IntegratedActivity.id.desc())
    ).all()
    people: dict[int, list[tuple[int, str]]] = {}
    if rows:
        for aid, did, name in session.exec(
            select(ActivityDeputy.activity_id, Deputy.id, Deputy.name)
            .join(Deputy, Deputy.id == ActivityDeputy.deputy_id)
            .where(ActivityDeputy.activity_id.in_([r.id for r in rows]))
            .order_by(Deputy.id)
        ).all():
            people.setdefault(aid, []).append((did, name))
    return [
        ActivityInfo(
            id=r.id,
            township_id=r.township_id,
            held_on=r.held_on,
            title=r.title,
            theme=r.theme,
            on_theme=on_theme(r.theme, themes),
            levels=tuple(lv for lv in LEVEL_ORDER if lv.value in levels_in(r.levels)),
            deputy_ids=tuple(d for d, _ in people.get(r.id, [])),
            deputy_names=tuple(n for _, n in people.get(r.id, [])),
            outside_city=r.outside_city,
            outside_provincial=r.outside_provincial,
            outside_national=r.outside_national,
            voters_reached=r.voters_reached,
            results=r.results,
            photos=parse_evidence(r.photos).files,
        )
        for r in rows
    ]


def activities_by_month(session: Session, actor: Actor, year: int) -> pd.DataFrame:
    """Activities of the year by month and by how many of the five levels took part: columns
    month (1–12), levels (1–5), activities."""
    counts: dict[tuple[int, int], int] = {}
    for a in list_activities(session, actor, year):
        key = (a.held_on.month, len(a.levels))
        counts[key] = counts.get(key, 0) + 1
    return pd.DataFrame(
        [{"month": m, "levels": n, "activities": c} for (m, n), c in sorted(counts.items())],
        columns=["month", "levels", "activities"],
    )
