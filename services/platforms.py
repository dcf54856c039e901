"""The platform register (家站点: deputy homes, liaison stations, contact points) and each
platform's yearly check on the items of the rule set (八有 and the 2.0 items).

* A clerk keeps their own unit's register; retiring a platform (``retire_platform``) keeps it
  and its checks, with the date it closed.
* A platform counts for a year's share as of a date when it was open then: opened on or before
  that date (or with no opening date) and not retired by it. A platform opened mid-year counts
  in full; a retired one no longer counts.
* Once a year each item is ticked with evidence: a note and/or files. An item cannot be ticked
  without evidence. An item never ticked is missing, so a platform with no check has every item
  missing and a unit with no platform has no share at all (nothing is met by default).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from models import Deputy, Platform, PlatformCheck, PlatformDeputy
from models.base import utcnow
from models.enums import AuditAction, PlatformKind
from services import audit
from services.errors import NotFound, ValidationError
from services.evidence import (
    Evidence,
    Upload,
    check_uploads,
    compose_evidence,
    parse_evidence,
    store_file,
)
from services.org import get_township, list_townships
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.validation import clean_text

MAX_NAME = 100
MAX_ADDRESS = 200
MAX_HOURS = 100
MAX_NOTE = 300


@dataclass(frozen=True)
class PlatformInfo:
    id: int
    township_id: int
    kind: PlatformKind
    name: str
    address: str
    opened_on: date | None
    opening_hours: str
    closed_on: date | None
    active: bool
    deputy_ids: tuple[int, ...] = ()
    deputy_names: tuple[str, ...] = ()

    def open_on(self, day: date) -> bool:
        """Whether the platform was open on ``day`` (see the module's rule)."""
        return _open_on(self.opened_on, self.closed_on, self.active, day)


@dataclass(frozen=True)
class ItemCheck:
    """One item of a platform's yearly check: ticked or not, with its evidence."""

    ok: bool = False
    evidence: Evidence = field(default_factory=lambda: Evidence("", ()))


@dataclass(frozen=True)
class ItemEntry:
    """What a clerk enters for one item: the tick, a note and new files."""

    ok: bool
    note: str = ""
    files: Sequence[Upload] = ()


def _open_on(opened_on: date | None, closed_on: date | None, active: bool, day: date) -> bool:
    """Opened by ``day`` (or with no opening date) and not retired by it. A platform marked
    retired without a closing date (rows from before the date was kept) is never open."""
    if not active and closed_on is None:
        return False
    opened = opened_on is None or opened_on <= day
    return opened and (closed_on is None or closed_on > day)


def _row(session: Session, platform_id: int) -> Platform:
    row = session.get(Platform, platform_id)
    if row is None:
        raise NotFound("error.not_found.platform", id=platform_id)
    return row


def _stationed(session: Session, ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {}
    if not ids:
        return out
    for pid, did, name in session.exec(
        select(PlatformDeputy.platform_id, Deputy.id, Deputy.name)
        .join(Deputy, Deputy.id == PlatformDeputy.deputy_id)
        .where(PlatformDeputy.platform_id.in_(ids))
        .order_by(PlatformDeputy.platform_id, Deputy.id)
    ).all():
        out.setdefault(pid, []).append((did, name))
    return out


def _infos(session: Session, rows: Sequence[Platform]) -> list[PlatformInfo]:
    stationed = _stationed(session, [r.id for r in rows])
    return [
        PlatformInfo(
            id=r.id,
            township_id=r.township_id,
            kind=PlatformKind(r.kind),
            name=r.name,
            address=r.address,
            opened_on=r.opened_on,
            opening_hours=r.opening_hours,
            closed_on=r.closed_on,
            active=r.active,
            deputy_ids=tuple(d for d, _ in stationed.get(r.id, [])),
            deputy_names=tuple(n for _, n in stationed.get(r.id, [])),
        )
        for r in rows
    ]


def list_platforms(
    session: Session, actor: Actor, township_id: int, *, include_retired: bool = True
) -> list[PlatformInfo]:
    """The unit's register: homes, then stations, then points, each by name."""
    require_read(actor, township_id)
    stmt = select(Platform).where(Platform.township_id == township_id)
    if not include_retired:
        stmt = stmt.where(Platform.active)
    rows = session.exec(stmt.order_by(Platform.id)).all()
    order = {k: i for i, k in enumerate(PlatformKind)}
    return sorted(_infos(session, rows), key=lambda p: (order[p.kind], p.name, p.id))


def get_platform(session: Session, actor: Actor, platform_id: int) -> PlatformInfo:
    row = _row(session, platform_id)
    require_read(actor, row.township_id)
    return _infos(session, [row])[0]


def _check_deputies(session: Session, township_id: int, deputy_ids: Sequence[int]) -> list[int]:
    ids = sorted(set(deputy_ids))
    if not ids:
        return []
    found = set(
        session.exec(
            select(Deputy.id).where(Deputy.id.in_(ids), Deputy.township_id == township_id)
        ).all()
    )
    if found != set(ids):
        raise ValidationError("guarantees.error.deputy_not_on_roster", field="deputies")
    return ids


def _clean(
    *, name: str, address: str, opening_hours: str, kind: PlatformKind | str
) -> dict[str, object]:
    try:
        kind = PlatformKind(kind)
    except ValueError:
        raise ValidationError("guarantees.error.platform_kind", field="kind") from None
    return {
        "kind": kind,
        "name": clean_text(name, field="name", limit=MAX_NAME, required=True),
        "address": clean_text(address, field="address", limit=MAX_ADDRESS),
        "opening_hours": clean_text(opening_hours, field="opening_hours", limit=MAX_HOURS),
    }


def _set_deputies(session: Session, platform_id: int, deputy_ids: list[int]) -> None:
    for link in session.exec(
        select(PlatformDeputy).where(PlatformDeputy.platform_id == platform_id)
    ).all():
        session.delete(link)
    session.flush()
    for did in deputy_ids:
        session.add(PlatformDeputy(platform_id=platform_id, deputy_id=did))


def _duplicate(session: Session, township_id: int, name: str, platform_id: int | None) -> bool:
    stmt = select(Platform.id).where(
        Platform.township_id == township_id, Platform.name == name, Platform.active
    )
    if platform_id is not None:
        stmt = stmt.where(Platform.id != platform_id)
    return session.exec(stmt).first() is not None


def add_platform(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: PlatformKind | str,
    name: str,
    address: str = "",
    opened_on: date | None = None,
    opening_hours: str = "",
    deputy_ids: Sequence[int] = (),
) -> int:
    """Add a platform to the unit's register with the deputies stationed there (of its roster)."""
    require_write(actor, township_id)
    get_township(session, township_id)
    values = _clean(name=name, address=address, opening_hours=opening_hours, kind=kind)
    if _duplicate(session, township_id, values["name"], None):
        raise ValidationError("guarantees.error.platform_duplicate", field="name")
    deputies = _check_deputies(session, township_id, deputy_ids)
    row = Platform(township_id=township_id, opened_on=opened_on, entered_by_id=actor.id, **values)
    session.add(row)
    session.flush()
    _set_deputies(session, row.id, deputies)
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="platform",
        entity_id=row.id,
        township_id=township_id,
        after={**audit.snapshot(row), "deputy_ids": deputies},
    )
    session.commit()
    return row.id


def update_platform(
    session: Session,
    actor: Actor,
    platform_id: int,
    *,
    kind: PlatformKind | str,
    name: str,
    address: str = "",
    opened_on: date | None = None,
    opening_hours: str = "",
    deputy_ids: Sequence[int] = (),
) -> None:
    """Change a platform's details and its stationed deputies."""
    row = _row(session, platform_id)
    require_write(actor, row.township_id)
    values = _clean(name=name, address=address, opening_hours=opening_hours, kind=kind)
    if _duplicate(session, row.township_id, values["name"], row.id):
        raise ValidationError("guarantees.error.platform_duplicate", field="name")
    deputies = _check_deputies(session, row.township_id, deputy_ids)
    old_deputies = list(_stationed(session, [row.id]).get(row.id, []))
    before = {**audit.snapshot(row), "deputy_ids": [d for d, _ in old_deputies]}
    for key, value in values.items():
        setattr(row, key, value)
    row.opened_on = opened_on
    row.updated_at = utcnow()
    session.add(row)
    _set_deputies(session, row.id, deputies)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="platform",
        entity_id=row.id,
        township_id=row.township_id,
        before=before,
        after={**audit.snapshot(row), "deputy_ids": deputies},
    )
    session.commit()


def retire_platform(session: Session, actor: Actor, platform_id: int, *, closed_on: date) -> None:
    """Retire a platform from the register on ``closed_on``; it and its checks are kept."""
    row = _row(session, platform_id)
    require_write(actor, row.township_id)
    if not row.active:
        raise ValidationError("guarantees.error.platform_retired", field="closed_on")
    if row.opened_on is not None and closed_on < row.opened_on:
        raise ValidationError("guarantees.error.closed_before_opened", field="closed_on")
    before = audit.snapshot(row)
    row.active = False
    row.closed_on = closed_on
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="platform",
        entity_id=row.id,
        township_id=row.township_id,
        before=before,
        after=audit.snapshot(row),
    )
    session.commit()


# ---------------------------------------------------------------------------------------------
# The yearly check


def platform_check(
    session: Session, actor: Actor, platform_id: int, year: int
) -> dict[str, ItemCheck]:
    """The platform's check of the year on every item of the year's rule set (unticked items
    included), in the rule set's order."""
    info = get_platform(session, actor, platform_id)
    items = get_rules(session, year).platforms.items
    rows = {
        r.item_code: r
        for r in session.exec(
            select(PlatformCheck).where(
                PlatformCheck.platform_id == info.id, PlatformCheck.year == year
            )
        ).all()
    }
    return {
        code: ItemCheck(ok=rows[code].ok, evidence=parse_evidence(rows[code].evidence))
        if code in rows
        else ItemCheck()
        for code in items
    }


def check_platform(
    session: Session,
    actor: Actor,
    platform_id: int,
    *,
    year: int,
    entries: Mapping[str, ItemEntry],
) -> None:
    """Save the year's check of a platform, item by item. An item ticked needs evidence: its
    note, a new file or a file kept from before; files are added to those kept."""
    row = _row(session, platform_id)
    require_write(actor, row.township_id)
    items = get_rules(session, year).platforms.items
    unknown = [code for code in entries if code not in items]
    if unknown:
        raise ValidationError("guarantees.error.unknown_item", field=unknown[0], item=unknown[0])
    existing = {
        r.item_code: r
        for r in session.exec(
            select(PlatformCheck).where(
                PlatformCheck.platform_id == row.id, PlatformCheck.year == year
            )
        ).all()
    }
    cleaned = {}
    for code, entry in entries.items():
        note = clean_text(entry.note, field=code, limit=MAX_NOTE)
        files = check_uploads(entry.files)
        kept = parse_evidence(existing[code].evidence).files if code in existing else ()
        if entry.ok and not (note or files or kept):
            raise ValidationError("guarantees.error.item_evidence", field=code, item=code)
        cleaned[code] = (bool(entry.ok), note, files, kept)
    before = {c: audit.snapshot(r) for c, r in existing.items()}
    after = {}
    for code, (ok, note, files, kept) in cleaned.items():
        check = existing.get(code) or PlatformCheck(platform_id=row.id, year=year, item_code=code)
        check.ok = ok
        check.note = note[:MAX_NOTE]
        check.evidence = compose_evidence(note, [*kept, *(store_file(f) for f in files)])
        session.add(check)
        after[code] = {"ok": ok, "evidence": check.evidence}
    audit.record(
        session,
        actor,
        action=AuditAction.update if before else AuditAction.create,
        entity="platform_check",
        entity_id=row.id,
        township_id=row.township_id,
        before={"year": year, "items": before} if before else None,
        after={"year": year, "items": after},
    )
    session.commit()


# ---------------------------------------------------------------------------------------------
# Reads for the appraisal, the rewards and the leader's screen


def platform_shares(
    session: Session, year: int, as_of: date, ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Per unit, (items ticked, items due) of the year's check over its platforms open on
    ``as_of``: every such platform owes every item of the year's rule set. A unit without such
    a platform is absent (no share at all)."""
    items = set(get_rules(session, year).platforms.items)
    counted: dict[int, int] = {}
    owners: dict[int, int] = {}
    for pid, tid, opened_on, closed_on, active in session.exec(
        select(
            Platform.id,
            Platform.township_id,
            Platform.opened_on,
            Platform.closed_on,
            Platform.active,
        ).where(Platform.township_id.in_(list(ids)))
    ).all():
        if _open_on(opened_on, closed_on, active, as_of):
            owners[pid] = tid
            counted[tid] = counted.get(tid, 0) + 1
    ticked: dict[int, int] = {}
    if owners:
        for pid, code in session.exec(
            select(PlatformCheck.platform_id, PlatformCheck.item_code).where(
                PlatformCheck.year == year,
                PlatformCheck.ok,
                PlatformCheck.platform_id.in_(list(owners)),
            )
        ).all():
            if code in items:
                ticked[owners[pid]] = ticked.get(owners[pid], 0) + 1
    return {tid: (ticked.get(tid, 0), n * len(items)) for tid, n in counted.items()}


@dataclass(frozen=True)
class PlatformGap:
    """One platform open on the as-of date and the items of the year it still misses."""

    township_id: int
    platform_id: int
    name: str
    kind: PlatformKind
    missing: tuple[str, ...]
    ticked: tuple[str, ...]


def platform_gaps(session: Session, actor: Actor, year: int, as_of: date) -> list[PlatformGap]:
    """Every platform the actor reads that is open on ``as_of``, with its missing items."""
    items = get_rules(session, year).platforms.items
    out = []
    for unit in list_townships(session, actor):
        for info in list_platforms(session, actor, unit.id):
            if not info.open_on(as_of):
                continue
            ok = {
                code
                for code in session.exec(
                    select(PlatformCheck.item_code).where(
                        PlatformCheck.platform_id == info.id,
                        PlatformCheck.year == year,
                        PlatformCheck.ok,
                    )
                ).all()
            }
            out.append(
                PlatformGap(
                    township_id=unit.id,
                    platform_id=info.id,
                    name=info.name,
                    kind=info.kind,
                    missing=tuple(c for c in items if c not in ok),
                    ticked=tuple(c for c in items if c in ok),
                )
            )
    return out
