"""Integrated activities of deputies of the five levels (一体化活动).

A clerk records an activity with the deputies of the unit's roster who took part and the number
of city, provincial and national deputies who are not on the roster. The levels that took part
follow from that entry alone (``levels_of``): each roster deputy's level, plus city, provincial
or national when their count is above zero. T10 counts an activity held in the year on one of
the year's themes with two or more levels; another theme may be recorded and is shown as not
counting.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, col, select

from models import ActivityDeputy, Deputy, IntegratedActivity
from models.base import utcnow
from models.enums import AuditAction, DeputyLevel, levels_in, on_theme
from services import audit, corrections, years
from services.errors import NotFound, ValidationError
from services.evidence import Upload, check_uploads, compose_evidence, parse_evidence, store_file
from services.org import get_township, list_townships
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.validation import clean_text, past_date

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
    """The unit's active deputies of every level, to pick from: its own level first (township,
    then district deputies), then the higher levels."""
    require_read(actor, township_id)
    rows = session.exec(
        select(Deputy.id, Deputy.name, Deputy.level)
        .where(Deputy.township_id == township_id, col(Deputy.active))
        .order_by(Deputy.id)
    ).all()
    rank = {lv: i for i, lv in enumerate(reversed(LEVEL_ORDER))}
    deputies = [RosterDeputy(i, n, DeputyLevel(lv)) for i, n, lv in rows]
    return sorted(deputies, key=lambda d: (rank[d.level], d.id))


def _count(value: object, field: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise ValidationError("guarantees.error.count", field=field, n=limit)
    return value


@dataclass(frozen=True)
class ActivityEntry:
    """An integrated activity as a clerk records it."""

    township_id: int
    held_on: date
    title: str
    theme: str
    deputy_ids: Sequence[int] = ()
    outside_city: int = 0
    outside_provincial: int = 0
    outside_national: int = 0
    voters_reached: int = 0
    results: str = ""
    photos: Sequence[Upload] = ()


@dataclass(frozen=True)
class _Checked:
    held_on: date
    title: str
    theme: str
    results: str
    counts: dict[str, int]
    voters_reached: int
    deputy_ids: list[int]
    levels: tuple[DeputyLevel, ...]


def _check_entry(
    session: Session, entry: ActivityEntry, today: date | None, *, year: int | None = None
) -> _Checked:
    """The field checks of an activity (held, with deputies of the unit's roster)."""
    held_on = past_date(entry.held_on, field="held_on", today=today, year=year)
    title = clean_text(entry.title, field="title", limit=MAX_TITLE, required=True)
    theme = clean_text(entry.theme, field="theme", limit=MAX_THEME, required=True)
    results = clean_text(entry.results, field="results", limit=MAX_RESULTS)
    counts = {
        "outside_city": _count(entry.outside_city, "outside_city", MAX_OUTSIDE),
        "outside_provincial": _count(entry.outside_provincial, "outside_provincial", MAX_OUTSIDE),
        "outside_national": _count(entry.outside_national, "outside_national", MAX_OUTSIDE),
    }
    voters_reached = _count(entry.voters_reached, "voters_reached", MAX_VOTERS)
    ids = sorted(set(entry.deputy_ids))
    deputies = (
        session.exec(
            select(Deputy.id, Deputy.level).where(
                col(Deputy.id).in_(ids), Deputy.township_id == entry.township_id
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
    return _Checked(held_on, title, theme, results, counts, voters_reached, ids, levels)


def _apply(row: IntegratedActivity, checked: _Checked) -> None:
    row.held_on = checked.held_on
    row.title = checked.title
    row.theme = checked.theme
    row.levels = ",".join(lv.value for lv in checked.levels)
    row.participants = len(checked.deputy_ids) + sum(checked.counts.values())
    row.voters_reached = checked.voters_reached
    row.results = checked.results
    row.outside_city = checked.counts["outside_city"]
    row.outside_provincial = checked.counts["outside_provincial"]
    row.outside_national = checked.counts["outside_national"]


def _add_links(session: Session, activity_id: int, deputy_ids: Sequence[int]) -> None:
    if deputy_ids:  # one statement for every deputy who took part
        session.execute(
            insert(ActivityDeputy),
            [{"activity_id": activity_id, "deputy_id": d} for d in deputy_ids],
        )


def _link_deputies(session: Session, activity_id: int, deputy_ids: Sequence[int]) -> None:
    """Replace the activity's roster deputies."""
    for link in _links(session, activity_id):
        session.delete(link)
    session.flush()
    _add_links(session, activity_id, deputy_ids)


def _insert_activity(
    session: Session,
    actor: Actor,
    entry: ActivityEntry,
    today: date | None,
    seen: set[tuple] | None = None,
) -> int:
    """Check and add one activity to the caller's transaction (no commit)."""
    require_write(actor, entry.township_id)
    _once(seen, ("unit", entry.township_id), lambda: get_township(session, entry.township_id))
    checked = _check_entry(session, entry, today)
    year = checked.held_on.year
    _once(seen, ("year", year), lambda: years.require_open(session, actor, year))
    accepted = check_uploads(entry.photos)
    row = IntegratedActivity(
        township_id=entry.township_id,
        held_on=checked.held_on,
        title=checked.title,
        theme=checked.theme,
        photos=compose_evidence("", [store_file(f) for f in accepted]),
        entered_by_id=actor.id,
    )
    _apply(row, checked)
    session.add(row)
    session.flush()
    key = audit.key_of(row)
    _add_links(session, key, checked.deputy_ids)
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="integrated_activity",
        entity_id=key,
        township_id=entry.township_id,
        after={**(audit.snapshot(row) or {}), "deputy_ids": checked.deputy_ids},
    )
    return key


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
    entry = ActivityEntry(
        township_id=township_id,
        held_on=held_on,
        title=title,
        theme=theme,
        deputy_ids=deputy_ids,
        outside_city=outside_city,
        outside_provincial=outside_provincial,
        outside_national=outside_national,
        voters_reached=voters_reached,
        results=results,
        photos=photos,
    )
    key = _insert_activity(session, actor, entry, today)
    session.commit()
    return key


def record_activities(
    session: Session, actor: Actor, entries: Sequence[ActivityEntry], *, today: date | None = None
) -> list[int]:
    """``record_activity`` for many activities at once (a year's activities taken over in one
    go): every entry passes the same checks, and all are written in one transaction or none."""
    try:
        seen: set[tuple] = set()
        with session.no_autoflush:
            keys = [_insert_activity(session, actor, entry, today, seen) for entry in entries]
    except Exception:
        session.rollback()
        raise
    session.commit()
    return keys


def _once(seen: set[tuple] | None, key: tuple, check: Callable[[], object]) -> None:
    """Run ``check`` unless this batch already ran it for ``key``: a batch of records is one
    write, so it checks a unit exists and a year is open once for all its records."""
    if seen is None or key not in seen:
        check()
        if seen is not None:
            seen.add(key)


def _activity(session: Session, activity_id: int) -> IntegratedActivity:
    row = session.get(IntegratedActivity, activity_id)
    if row is None:
        raise NotFound("error.not_found.activity", id=activity_id)
    return row


def correct_activity(
    session: Session,
    actor: Actor,
    activity_id: int,
    *,
    reason: str,
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
) -> None:
    """Correct a saved activity, with the reason (audited). It stays in its year; new photos are
    added to those kept."""
    row = _activity(session, activity_id)
    reason = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    entry = ActivityEntry(
        township_id=row.township_id,
        held_on=held_on,
        title=title,
        theme=theme,
        deputy_ids=deputy_ids,
        outside_city=outside_city,
        outside_provincial=outside_provincial,
        outside_national=outside_national,
        voters_reached=voters_reached,
        results=results,
        photos=photos,
    )
    checked = _check_entry(session, entry, today, year=row.held_on.year)
    accepted = check_uploads(photos)
    key = audit.key_of(row)
    old = [link.deputy_id for link in _links(session, key)]
    before = {**(audit.snapshot(row) or {}), "deputy_ids": old}
    _apply(row, checked)
    kept = parse_evidence(row.photos).files
    row.photos = compose_evidence("", [*kept, *(store_file(f) for f in accepted)])
    row.updated_at = utcnow()
    _link_deputies(session, key, checked.deputy_ids)
    corrections.corrected(
        session,
        actor,
        row,
        entity="integrated_activity",
        township_id=row.township_id,
        before=before,
        reason=reason,
        extra_after={"deputy_ids": checked.deputy_ids},
    )


def _links(session: Session, activity_id: int) -> Sequence[ActivityDeputy]:
    return session.exec(
        select(ActivityDeputy).where(ActivityDeputy.activity_id == activity_id)
    ).all()


def withdraw_activity(session: Session, actor: Actor, activity_id: int, *, reason: str) -> None:
    """Withdraw an activity entered by mistake, with the reason; its photos stay in the store
    until an admin purges unreferenced files."""
    row = _activity(session, activity_id)
    reason = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    links = _links(session, audit.key_of(row))
    before = {**(audit.snapshot(row) or {}), "deputy_ids": [link.deputy_id for link in links]}
    for link in links:
        session.delete(link)
    session.flush()
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="integrated_activity",
        township_id=row.township_id,
        before=before,
        reason=reason,
    )


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
            col(IntegratedActivity.township_id).in_(ids),
            col(IntegratedActivity.held_on).between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(col(IntegratedActivity.held_on).desc(), col(IntegratedActivity.id).desc())
    ).all()
    people: dict[int, list[tuple[int, str]]] = {}
    if rows:
        for aid, did, name in session.exec(
            select(ActivityDeputy.activity_id, Deputy.id, Deputy.name)
            .join(Deputy, Deputy.id == ActivityDeputy.deputy_id)
            .where(col(ActivityDeputy.activity_id).in_([r.id for r in rows]))
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
