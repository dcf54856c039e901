"""The platform register as an Excel workbook: exported and imported with the same columns, so
a clerk can export, correct in Excel and import again; an unchanged file changes nothing.

Rows are matched to the unit's platforms by name. A row with a new name adds a platform; a row
with a known name updates what differs; a closing date on an open platform retires it (its
history is kept). Deputies are named as on the roster, separated by "、" or ",". Every problem
of the file is listed at once and nothing is written unless the whole file is good.
"""

import re
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from models import Deputy, Platform, PlatformDeputy
from models.base import utcnow
from models.enums import PlatformKind
from services import imports
from services.imports import Choice, ColumnSpec, ImportResult, Problem, SheetSpec
from services.org import get_township
from services.permissions import Actor, require_read, require_write
from services.platforms import (
    MAX_ADDRESS,
    MAX_HOURS,
    MAX_NAME,
    list_platforms,
    require_open_years,
)

_SEPARATORS = re.compile(r"[、,，;；\s]+")

REGISTER_SHEET = SheetSpec(
    code="platforms",
    zh="家站点",
    en="Platforms",
    columns=(
        ColumnSpec(
            "kind",
            "类型",
            "Kind",
            kind="choice",
            required=True,
            choices=(
                Choice("home", "代表之家", "Deputy home", ("家",)),
                Choice("station", "代表联络站", "Liaison station", ("站", "联络站")),
                Choice("point", "代表联系点", "Contact point", ("点", "联系点")),
            ),
        ),
        ColumnSpec("name", "名称", "Name", required=True, max_len=MAX_NAME, width=30),
        ColumnSpec("address", "地址", "Address", max_len=MAX_ADDRESS, width=30),
        ColumnSpec("opened_on", "启用日期", "Opened on", kind="date"),
        ColumnSpec("opening_hours", "开放时间", "Opening hours", max_len=MAX_HOURS, width=22),
        ColumnSpec("deputies", "进驻代表", "Deputies stationed", max_len=2000, width=30),
        ColumnSpec("closed_on", "撤销日期", "Closed on", kind="date"),
    ),
)


def export_register(session: Session, actor: Actor, township_id: int, *, lang: str) -> bytes:
    """The unit's register, retired platforms included, as the import reads it."""
    require_read(actor, township_id)
    rows = [
        {
            "kind": p.kind.value,
            "name": p.name,
            "address": p.address,
            "opened_on": p.opened_on,
            "opening_hours": p.opening_hours,
            "deputies": "、".join(p.deputy_names),
            "closed_on": p.closed_on,
        }
        for p in list_platforms(session, actor, township_id)
    ]
    return imports.build_workbook(REGISTER_SHEET, "zh" if lang == "zh" else "en", rows)


def _names(text: str) -> list[str]:
    return [n for n in _SEPARATORS.split(text or "") if n]


def import_register(
    session: Session,
    actor: Actor,
    township_id: int,
    data: bytes,
    *,
    filename: str = "",
) -> ImportResult:
    """Import the unit's register from a workbook (all or nothing, one audit row of counts)."""
    require_write(actor, township_id)
    get_township(session, township_id)
    sheet = imports.read_rows(data, REGISTER_SHEET)
    problems: list[Problem] = list(sheet.problems)
    roster: dict[str, list[int]] = {}
    for did, name in session.exec(
        select(Deputy.id, Deputy.name).where(Deputy.township_id == township_id)
    ).all():
        roster.setdefault(name, []).append(did)
    seen: set[str] = set()
    for row in sheet.rows:
        name = row.values.get("name") or ""
        if name in seen:
            problems.append(Problem(row.row, "name", "guarantees.import.duplicate_name"))
        seen.add(name)
        for person in _names(row.values.get("deputies") or ""):
            if len(roster.get(person, [])) != 1:
                key = "unknown_deputy" if person not in roster else "ambiguous_deputy"
                problems.append(
                    Problem(row.row, "deputies", f"guarantees.import.{key}", {"name": person})
                )
        opened, closed = row.values.get("opened_on"), row.values.get("closed_on")
        if opened and closed and closed < opened:
            problems.append(Problem(row.row, "closed_on", "guarantees.import.closed_before"))
    imports.raise_if_any(problems)

    existing = {
        p.name: p
        for p in session.exec(select(Platform).where(Platform.township_id == township_id)).all()
    }
    links: dict[int, set[int]] = {}
    for pid, did in session.exec(
        select(PlatformDeputy.platform_id, PlatformDeputy.deputy_id).where(
            PlatformDeputy.platform_id.in_([p.id for p in existing.values()])
        )
    ).all():
        links.setdefault(pid, set()).add(did)

    def write() -> ImportResult:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for row in sheet.rows:
            v = row.values
            wanted = {
                "kind": PlatformKind(v["kind"]),
                "address": v.get("address") or "",
                "opened_on": v.get("opened_on"),
                "opening_hours": v.get("opening_hours") or "",
                "closed_on": v.get("closed_on"),
            }
            deputies = {roster[n][0] for n in _names(v.get("deputies") or "")}
            platform = existing.get(v["name"])
            if platform is None:
                # A new platform's dates must fall in open years (a closed year's share stands).
                require_open_years(session, actor, wanted["opened_on"], wanted["closed_on"])
                platform = Platform(
                    township_id=township_id,
                    name=v["name"],
                    active=wanted["closed_on"] is None,
                    entered_by_id=actor.id,
                    **wanted,
                )
                session.add(platform)
                session.flush()
                _link(session, platform.id, deputies, set())
                counts["created"] += 1
                continue
            changed = {k: val for k, val in wanted.items() if getattr(platform, k) != val}
            if "closed_on" in changed and platform.closed_on is not None:
                changed.pop("closed_on")  # a retirement is kept; the import never reopens
            old = links.get(platform.id, set())
            if not changed and deputies == old:
                counts["unchanged"] += 1
                continue
            # A changed date touches the years of its old and new values (a closed year's
            # share stands); other details only the record as it is now.
            require_open_years(
                session,
                actor,
                *(
                    d
                    for k in changed
                    for d in (getattr(platform, k), changed[k])
                    if isinstance(d, date)
                ),
            )
            for key, val in changed.items():
                setattr(platform, key, val)
            if platform.closed_on is not None:
                platform.active = False
            platform.updated_at = utcnow()
            session.add(platform)
            _link(session, platform.id, deputies, old)
            counts["updated"] += 1
        return ImportResult(rows=len(sheet.rows), counts=counts)

    return imports.write_all_or_nothing(
        session,
        actor,
        write,
        entity="platform_import",
        township_id=township_id,
        filename=filename,
    )


def _link(session: Session, platform_id: int, wanted: set[int], old: set[int]) -> None:
    for did in wanted - old:
        session.add(PlatformDeputy(platform_id=platform_id, deputy_id=did))
    gone: Sequence[PlatformDeputy] = (
        session.exec(
            select(PlatformDeputy).where(
                PlatformDeputy.platform_id == platform_id,
                PlatformDeputy.deputy_id.in_(list(old - wanted)),
            )
        ).all()
        if old - wanted
        else []
    )
    for link in gone:
        session.delete(link)
