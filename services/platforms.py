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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from models import Deputy, Platform, PlatformCheck, PlatformDeputy
from models.base import utcnow
from models.enums import AuditAction, PlatformKind
from services import audit, clock, corrections, years
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
from services.validation import clean_text, past_date

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
        .where(col(PlatformDeputy.platform_id).in_(ids))
        .order_by(PlatformDeputy.platform_id, Deputy.id)
    ).all():
        out.setdefault(pid, []).append((did, name))
    return out


def _infos(session: Session, rows: Sequence[Platform]) -> list[PlatformInfo]:
    keys = [audit.key_of(r) for r in rows]
    stationed = _stationed(session, keys)
    return [
        PlatformInfo(
            id=key,
            township_id=r.township_id,
            kind=PlatformKind(r.kind),
            name=r.name,
            address=r.address,
            opened_on=r.opened_on,
            opening_hours=r.opening_hours,
            closed_on=r.closed_on,
            active=r.active,
            deputy_ids=tuple(d for d, _ in stationed.get(key, [])),
            deputy_names=tuple(n for _, n in stationed.get(key, [])),
        )
        for r, key in zip(rows, keys, strict=True)
    ]


def list_platforms(
    session: Session, actor: Actor, township_id: int, *, include_retired: bool = True
) -> list[PlatformInfo]:
    """The unit's register: homes, then stations, then points, each by name."""
    require_read(actor, township_id)
    stmt = select(Platform).where(Platform.township_id == township_id)
    if not include_retired:
        stmt = stmt.where(col(Platform.active))
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
            select(Deputy.id).where(col(Deputy.id).in_(ids), Deputy.township_id == township_id)
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
        Platform.township_id == township_id, Platform.name == name, col(Platform.active)
    )
    if platform_id is not None:
        stmt = stmt.where(Platform.id != platform_id)
    return session.exec(stmt).first() is not None


def _opened(opened_on: date | None, today: date | None) -> date | None:
    """An opening date has happened (a platform is registered once it is open)."""
    if opened_on is None:
        return None
    return past_date(opened_on, field="opened_on", today=today)


def require_open_years(session: Session, actor: Actor, *days: date | None) -> None:
    """The years a change of the register touches (its dates, or today's year when it has
    none) must be open."""
    touched = {d.year for d in days if d is not None} or {clock.today().year}
    for y in sorted(touched):
        years.require_open(session, actor, y)


def _once(seen: set[tuple] | None, key: tuple, check: Callable[[], object]) -> None:
    """Run ``check`` unless this batch already ran it for ``key``: a batch of records is one
    write, so it checks a unit exists and a year is open once for all its records."""
    if seen is None or key not in seen:
        check()
        if seen is not None:
            seen.add(key)


@dataclass(frozen=True)
class PlatformEntry:
    """A platform as a clerk registers it."""

    township_id: int
    kind: PlatformKind | str
    name: str
    address: str = ""
    opened_on: date | None = None
    opening_hours: str = ""
    deputy_ids: Sequence[int] = ()


def _insert_platform(
    session: Session,
    actor: Actor,
    entry: PlatformEntry,
    today: date | None,
    seen: set[tuple] | None = None,
) -> int:
    """Check and add one platform to the caller's transaction (no commit)."""
    require_write(actor, entry.township_id)
    _once(seen, ("unit", entry.township_id), lambda: get_township(session, entry.township_id))
    values = _clean(
        name=entry.name, address=entry.address, opening_hours=entry.opening_hours, kind=entry.kind
    )
    opened_on = _opened(entry.opened_on, today)
    year = (opened_on or clock.today()).year
    _once(seen, ("year", year), lambda: require_open_years(session, actor, opened_on))
    if _duplicate(session, entry.township_id, str(values["name"]), None):
        raise ValidationError("guarantees.error.platform_duplicate", field="name")
    deputies = _check_deputies(session, entry.township_id, entry.deputy_ids)
    row = Platform(
        township_id=entry.township_id, opened_on=opened_on, entered_by_id=actor.id, **values
    )
    session.add(row)
    session.flush()
    key = audit.key_of(row)
    if deputies:
        session.execute(
            insert(PlatformDeputy), [{"platform_id": key, "deputy_id": d} for d in deputies]
        )
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="platform",
        entity_id=key,
        township_id=entry.township_id,
        after={**(audit.snapshot(row) or {}), "deputy_ids": deputies},
    )
    return key


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
    today: date | None = None,
) -> int:
    """Add a platform to the unit's register with the deputies stationed there (of its roster)."""
    entry = PlatformEntry(
        township_id=township_id,
        kind=kind,
        name=name,
        address=address,
        opened_on=opened_on,
        opening_hours=opening_hours,
        deputy_ids=deputy_ids,
    )
    key = _insert_platform(session, actor, entry, today)
    session.commit()
    return key


def add_platforms(
    session: Session, actor: Actor, entries: Sequence[PlatformEntry], *, today: date | None = None
) -> list[int]:
    """``add_platform`` for many platforms at once (a register taken over in one go): every
    entry passes the same checks, and all are written in one transaction or none."""
    try:
        seen: set[tuple] = set()
        with session.no_autoflush:
            keys = [_insert_platform(session, actor, entry, today, seen) for entry in entries]
    except Exception:
        session.rollback()
        raise
    session.commit()
    return keys


def correct_platform(
    session: Session,
    actor: Actor,
    platform_id: int,
    *,
    reason: str,
    kind: PlatformKind | str,
    name: str,
    address: str = "",
    opened_on: date | None = None,
    opening_hours: str = "",
    deputy_ids: Sequence[int] = (),
) -> None:
    """Correct a platform's details and its stationed deputies, with the reason (audited)."""
    row = _row(session, platform_id)
    values = _clean(name=name, address=address, opening_hours=opening_hours, kind=kind)
    opened_on = _opened(opened_on, None)
    reason = corrections.check_change(session, actor, row.township_id, clock.today(), reason)
    if opened_on != row.opened_on:  # the years the old and the new opening day count in
        require_open_years(session, actor, row.opened_on, opened_on)
    if _duplicate(session, row.township_id, str(values["name"]), row.id):
        raise ValidationError("guarantees.error.platform_duplicate", field="name")
    if row.closed_on is not None and opened_on is not None and row.closed_on < opened_on:
        raise ValidationError("guarantees.error.closed_before_opened", field="opened_on")
    deputies = _check_deputies(session, row.township_id, deputy_ids)
    key = audit.key_of(row)
    old_deputies = list(_stationed(session, [key]).get(key, []))
    before = {**(audit.snapshot(row) or {}), "deputy_ids": [d for d, _ in old_deputies]}
    for field_name, value in values.items():
        setattr(row, field_name, value)
    row.opened_on = opened_on
    row.updated_at = utcnow()
    _set_deputies(session, key, deputies)
    corrections.corrected(
        session,
        actor,
        row,
        entity="platform",
        township_id=row.township_id,
        before=before,
        reason=reason,
        extra_after={"deputy_ids": deputies},
    )


def retire_platform(
    session: Session, actor: Actor, platform_id: int, *, closed_on: date, today: date | None = None
) -> None:
    """Retire a platform from the register on ``closed_on``; it and its checks are kept."""
    row = _row(session, platform_id)
    require_write(actor, row.township_id)
    if not row.active:
        raise ValidationError("guarantees.error.platform_retired", field="closed_on")
    closed_on = past_date(closed_on, field="closed_on", today=today)
    if row.opened_on is not None and closed_on < row.opened_on:
        raise ValidationError("guarantees.error.closed_before_opened", field="closed_on")
    years.require_open(session, actor, closed_on)
    before = audit.snapshot(row)
    row.active = False
    row.closed_on = closed_on
    row.updated_at = utcnow()
    audit.save(session, actor, row, entity="platform", township_id=row.township_id, before=before)


def withdraw_platform(session: Session, actor: Actor, platform_id: int, *, reason: str) -> None:
    """Withdraw a platform registered by mistake. One with yearly checks is part of those years'
    record: it is retired instead (the refusal names the checks)."""
    row = _row(session, platform_id)
    reason = corrections.check_change(
        session, actor, row.township_id, row.opened_on or clock.today(), reason
    )
    key = audit.key_of(row)
    checked = session.exec(
        select(func.count(func.distinct(PlatformCheck.year))).where(
            PlatformCheck.platform_id == key
        )
    ).one()
    corrections.refuse_if_depended({"platform_check": int(checked)})
    links = session.exec(select(PlatformDeputy).where(PlatformDeputy.platform_id == key)).all()
    before = {**(audit.snapshot(row) or {}), "deputy_ids": [link.deputy_id for link in links]}
    for link in links:
        session.delete(link)
    session.flush()
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="platform",
        township_id=row.township_id,
        before=before,
        reason=reason,
    )


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


def _year_checks(session: Session, platform_id: int, year: int) -> dict[str, PlatformCheck]:
    return {
        r.item_code: r
        for r in session.exec(
            select(PlatformCheck).where(
                PlatformCheck.platform_id == platform_id, PlatformCheck.year == year
            )
        ).all()
    }


def _corrects(saved: PlatformCheck, ok: bool, note: str) -> bool:
    """Unticking a saved item or changing its saved note corrects the check."""
    return (saved.ok and not ok) or bool(saved.note and saved.note != note)


def _write_check(
    session: Session,
    actor: Actor,
    row: Platform,
    *,
    year: int,
    items: Sequence[str],
    entries: Mapping[str, ItemEntry],
    reason: str,
    existing: dict[str, PlatformCheck] | None = None,
    seen: set[tuple] | None = None,
) -> None:
    """Check and write one platform's check of the year into the caller's transaction. Saving
    over a check already saved adds freely (ticks, notes where there were none, files); untick-
    ing an item or changing its saved note is a correction and states a ``reason``."""
    require_write(actor, row.township_id)
    unknown = [code for code in entries if code not in items]
    if unknown:
        raise ValidationError("guarantees.error.unknown_item", field=unknown[0], item=unknown[0])
    key = audit.key_of(row)
    if existing is None:
        existing = _year_checks(session, key, year)
    cleaned = {}
    for code, entry in entries.items():
        note = clean_text(entry.note, field=code, limit=MAX_NOTE)
        files = check_uploads(entry.files)
        kept = parse_evidence(existing[code].evidence).files if code in existing else ()
        if entry.ok and not (note or files or kept):
            raise ValidationError("guarantees.error.item_evidence", field=code, item=code)
        cleaned[code] = (bool(entry.ok), note, files, kept)
    correction = any(
        _corrects(existing[code], ok, note)
        for code, (ok, note, _, _) in cleaned.items()
        if code in existing
    )
    if correction:
        reason = corrections.check_change(session, actor, row.township_id, year, reason)
    else:
        _once(seen, ("year", year), lambda: years.require_open(session, actor, year))
    before = {c: audit.snapshot(r) for c, r in existing.items()}
    after = {}
    new_rows = []
    for code, (ok, note, files, kept) in cleaned.items():
        evidence = compose_evidence(note, [*kept, *(store_file(f) for f in files)])
        after[code] = {"ok": ok, "evidence": evidence}
        values = {"ok": ok, "note": note[:MAX_NOTE], "evidence": evidence}
        if code in existing:
            for name, value in values.items():
                setattr(existing[code], name, value)
            session.add(existing[code])
        else:
            new_rows.append({"platform_id": key, "year": year, "item_code": code, **values})
    if new_rows:  # one statement for the items never saved before
        session.execute(insert(PlatformCheck), new_rows)
    audit.record(
        session,
        actor,
        action=AuditAction.update if before else AuditAction.create,
        entity="platform_check",
        entity_id=key,
        township_id=row.township_id,
        before={"year": year, "items": before} if before else None,
        after={"year": year, "items": after},
        reason=reason if correction else None,
    )


def check_platform(
    session: Session,
    actor: Actor,
    platform_id: int,
    *,
    year: int,
    entries: Mapping[str, ItemEntry],
    reason: str = "",
) -> None:
    """Save the year's check of a platform, item by item. An item ticked needs evidence: its
    note, a new file or a file kept from before; files are added to those kept. Unticking a
    saved item or changing its saved note needs a ``reason`` (a correction)."""
    row = _row(session, platform_id)
    items = get_rules(session, year).platforms.items
    _write_check(session, actor, row, year=year, items=items, entries=entries, reason=reason)
    session.commit()


def check_platforms(
    session: Session,
    actor: Actor,
    *,
    year: int,
    checks: Mapping[int, Mapping[str, ItemEntry]],
) -> None:
    """``check_platform`` for many platforms of a year at once (platform id → its entries): the
    same checks for each, one transaction for all."""
    items = get_rules(session, year).platforms.items
    ids = list(checks)
    rows = {
        audit.key_of(r): r
        for r in session.exec(select(Platform).where(col(Platform.id).in_(ids))).all()
    }
    saved: dict[int, dict[str, PlatformCheck]] = {i: {} for i in ids}
    for check in session.exec(
        select(PlatformCheck).where(
            col(PlatformCheck.platform_id).in_(ids), PlatformCheck.year == year
        )
    ).all():
        saved[check.platform_id][check.item_code] = check
    seen: set[tuple] = set()
    try:
        with session.no_autoflush:
            for platform_id, entries in checks.items():
                if platform_id not in rows:
                    raise NotFound("error.not_found.platform", id=platform_id)
                _write_check(
                    session,
                    actor,
                    rows[platform_id],
                    year=year,
                    items=items,
                    entries=entries,
                    reason="",
                    existing=saved[platform_id],
                    seen=seen,
                )
    except Exception:
        session.rollback()
        raise
    session.commit()


def withdraw_check(
    session: Session, actor: Actor, platform_id: int, *, year: int, reason: str
) -> None:
    """Withdraw a platform's check of a year (every item back to missing); its evidence files
    stay in the store until an admin purges unreferenced files."""
    row = _row(session, platform_id)
    reason = corrections.check_change(session, actor, row.township_id, year, reason)
    key = audit.key_of(row)
    existing = _year_checks(session, key, year)
    if not existing:
        raise NotFound("error.not_found.platform_check", id=key)
    for check in existing.values():
        session.delete(check)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="platform_check",
        entity_id=key,
        township_id=row.township_id,
        before={"year": year, "items": {c: audit.snapshot(r) for c, r in existing.items()}},
        reason=reason,
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
        ).where(col(Platform.township_id).in_(list(ids)))
    ).all():
        if _open_on(opened_on, closed_on, active, as_of):
            owners[pid] = tid
            counted[tid] = counted.get(tid, 0) + 1
    ticked: dict[int, int] = {}
    if owners:
        for pid, code in session.exec(
            select(PlatformCheck.platform_id, PlatformCheck.item_code).where(
                PlatformCheck.year == year,
                col(PlatformCheck.ok),
                col(PlatformCheck.platform_id).in_(list(owners)),
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
                        col(PlatformCheck.ok),
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
