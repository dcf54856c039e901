"""The deputy and voter imports of the roster.

Built on the generic reader in ``imports`` and the two sheets of ``roster_sheets``
(``VOTER_SHEET``, ``DEPUTY_SHEET``). An import checks every row against the unit's roster, lists
every problem at once and writes nothing then; otherwise it writes all rows in one transaction
with one audit row holding its counts, and a second import of the same file changes nothing.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from models import Constituency, Deputy, Voter, VoterLink
from models.base import utcnow
from models.enums import AuditAction, DeputyLevel
from services import audit, clock, imports
from services.imports import (
    ImportResult,
    Problem,
    Progress,
    match_key,
    raise_if_any,
    scaled_progress,
)
from services.linkage import needs_constituency, unit_deputy_conditions
from services.permissions import Actor, require_write
from services.roster import may_sit_on_presidium
from services.roster_matching import closest, constituency_key
from services.roster_reads import (
    constituencies,
    township_row,
)
from services.roster_sheets import DEPUTY_SHEET, LEVEL_ORDER, VOTER_SHEET, deputy_levels

NAME_SEPARATORS = ("、", ",", "，", ";", "；", "/")


# ---------------------------------------------------------------------------------------------
# Imports


def _split_names(text: str | None) -> list[str]:
    if not text:
        return []
    for sep in NAME_SEPARATORS[1:]:
        text = text.replace(sep, NAME_SEPARATORS[0])
    return [part.strip() for part in text.split(NAME_SEPARATORS[0]) if part.strip()]


class _Constituencies:
    """The unit's constituencies as an import finds them by name (``constituency_key``: "第一
    选区" is 第1选区). With ``create``, a name found nowhere is planned as a new constituency of
    the unit, under a negative placeholder id until ``write`` stores it."""

    def __init__(self, session: Session, actor: Actor, township_id: int, *, create: bool):
        self.names = {c.id: c.name for c in constituencies(session, actor, township_id)}
        self.by_key = {constituency_key(n): i for i, n in self.names.items()}
        self.create = create
        self.new: dict[int, str] = {}

    def find(self, row: int, name: str, problems: list[Problem]) -> int | None:
        key = constituency_key(name)
        if key in self.by_key:
            return self.by_key[key]
        if self.create and key:
            placeholder = -(len(self.new) + 1)
            self.new[placeholder] = name
            self.by_key[key] = placeholder
            self.names[placeholder] = name
            return placeholder
        known = [n for i, n in self.names.items() if i > 0]
        params = {"name": name, "known": "、".join(known) or "—"}
        near = closest(name, known)
        if near is None:
            problems.append(
                Problem(row, "constituency", "linkage.import.unknown_constituency", params)
            )
        else:
            problems.append(
                Problem(
                    row,
                    "constituency",
                    "linkage.import.unknown_constituency_near",
                    {**params, "closest": near},
                )
            )
        return None

    def write(self, session: Session, actor: Actor, township_id: int) -> dict[int, int]:
        """Store the planned constituencies (each audited) in the caller's transaction;
        returns placeholder → new id."""
        ids: dict[int, int] = {}
        for placeholder, name in self.new.items():
            row = Constituency(township_id=township_id, name=name)
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                action=AuditAction.create,
                entity="constituency",
                entity_id=row.id,
                township_id=township_id,
                after={"name": name},
            )
            ids[placeholder] = audit.key_of(row)
        return ids


def import_voters(
    session: Session,
    actor: Actor,
    township_id: int,
    data: bytes,
    *,
    filename: str = "",
    progress: Progress | None = None,
    dry_run: bool = False,
    create_constituencies: bool = False,
) -> ImportResult:
    """Read a voter sheet for the unit and store it whole, or raise ImportRejected.

    A voter is the same person when constituency, name and phone match (a blank phone matches
    a blank phone); a known voter's village is updated, a retired one comes back. A filled
    "linked deputies" cell replaces that voter's links; a blank optional cell keeps what is
    stored. Voters missing from the file are left alone. A second import of the same file
    changes nothing and writes no audit row. ``dry_run`` checks and counts without writing
    (the preview); ``create_constituencies`` creates the unit's constituencies the file names
    and the unit lacks, instead of refusing them.
    """
    require_write(actor, township_id)
    unit = township_row(session, township_id)
    sheet = imports.read_rows(data, VOTER_SHEET, progress=scaled_progress(progress, 0.0, 0.6))
    problems = list(sheet.problems)
    if not sheet.rows:
        raise_if_any(problems, sheet.layout)

    cons = _Constituencies(session, actor, township_id, create=create_constituencies)
    con_names = cons.names
    deputies: dict[str, list[tuple[int, int | None, str]]] = defaultdict(list)
    for dep_id, name, cid in session.exec(
        select(Deputy.id, Deputy.name, Deputy.constituency_id).where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=True),
        )
    ).all():
        deputies[match_key(name)].append((dep_id, cid, name))
    existing: dict[tuple[int, str, str], list[tuple[int, str, bool]]] = defaultdict(list)
    for vid, cid, name, phone, village, active in session.exec(
        select(
            Voter.id, Voter.constituency_id, Voter.name, Voter.phone, Voter.village, Voter.active
        ).where(Voter.township_id == township_id)
    ).all():
        existing[(cid, name, phone or "")].append((vid, village, active))

    with_links = "deputies" in sheet.columns
    # A row whose cells failed to convert cannot be told apart from others reliably.
    faulty = {p.row for p in problems}
    first_row: dict[tuple[int, str, str], int] = {}
    plan: list[tuple[int, tuple[int, str, str], str, list[int] | None]] = []
    for n, parsed in enumerate(sheet.rows, start=1):
        if n % 5000 == 0 and progress:
            progress(0.6 + 0.15 * n / len(sheet.rows), "check")
        v = parsed.values
        row = parsed.row
        if v["constituency"] is None:
            continue  # already reported as missing
        cid = cons.find(row, v["constituency"], problems)
        if cid is None or v["name"] is None:
            continue
        key = (cid, v["name"], v.get("phone") or "")
        if row in faulty:
            pass
        elif key in first_row:
            problems.append(
                Problem(row, "name", "linkage.import.duplicate_person", {"first": first_row[key]})
            )
            continue
        else:
            first_row[key] = row
        if len(existing.get(key, ())) > 1:
            problems.append(Problem(row, "name", "linkage.import.ambiguous_existing"))
            continue
        links: list[int] | None = None
        names = _split_names(v.get("deputies"))
        if with_links and names:
            links = []
            for name in names:
                candidates = deputies.get(match_key(name), [])
                if len(candidates) > 1:
                    candidates = [c for c in candidates if c[1] == cid] or candidates
                if not candidates:
                    problems.append(
                        Problem(row, "deputies", "linkage.import.unknown_deputy", {"name": name})
                    )
                elif len(candidates) > 1:
                    problems.append(
                        Problem(row, "deputies", "linkage.import.ambiguous_deputy", {"name": name})
                    )
                elif candidates[0][1] != cid:
                    problems.append(
                        Problem(
                            row,
                            "deputies",
                            "linkage.import.other_constituency",
                            {
                                "name": name,
                                "deputy_constituency": con_names.get(candidates[0][1], "—"),
                                "constituency": con_names[cid],
                            },
                        )
                    )
                else:
                    links.append(candidates[0][0])
        plan.append((row, key, v.get("village"), links))
    raise_if_any(problems, sheet.layout)

    now = utcnow()
    inserts: list[dict] = []
    insert_links: list[list[int] | None] = []
    updates: list[dict] = []
    link_targets: dict[int, set[int]] = {}
    known: list[int] = []
    for _row, key, village, links in plan:
        found = existing.get(key)
        if not found:
            cid, name, phone = key
            inserts.append(
                {
                    "township_id": township_id,
                    "constituency_id": cid,
                    "name": name,
                    "village": village or "",
                    "phone": phone,
                    "active": True,
                    "entered_at": now,
                    "entered_by_id": actor.id,
                    "updated_at": None,
                }
            )
            insert_links.append(links)
            continue
        vid, old_village, active = found[0]
        known.append(vid)
        change: dict[str, Any] = {}
        if village is not None and village != old_village:
            change["village"] = village
        if not active:
            change["active"] = True
        if change:
            updates.append({"id": vid, **change, "updated_at": now})
        if links is not None:
            link_targets[vid] = set(links)

    current_links: dict[int, dict[int, int]] = defaultdict(dict)
    if link_targets:
        for link_id, dep_id, voter_id in session.exec(
            select(col(VoterLink.id), VoterLink.deputy_id, VoterLink.voter_id).where(
                VoterLink.township_id == township_id
            )
        ).all():
            if voter_id in link_targets:
                current_links[voter_id][dep_id] = link_id
    drop_links: list[int] = []
    add_links: list[tuple[int, int]] = []
    relinked: set[int] = set()
    for vid, wanted in link_targets.items():
        have = current_links.get(vid, {})
        gone = [link_id for dep_id, link_id in have.items() if dep_id not in wanted]
        new = [(dep_id, vid) for dep_id in sorted(wanted - set(have))]
        if gone or new:
            relinked.add(vid)
        drop_links += gone
        add_links += new
    # A known voter is updated when a field or the set of linked deputies changed.
    updated = {u["id"] for u in updates} | relinked

    if progress:
        progress(0.75, "write")
    counts = {
        "created": len(inserts),
        "updated": len(updated),
        "unchanged": len(known) - len(updated),
        "links_added": len(add_links) + sum(len(set(links or ())) for links in insert_links),
        "links_removed": len(drop_links),
    }
    if cons.new:
        counts["constituencies_created"] = len(cons.new)
    layout, new_names = sheet.layout, tuple(cons.new.values())
    if dry_run:
        return ImportResult(len(plan), counts, layout, new_names)

    def write() -> ImportResult:
        created = cons.write(session, actor, township_id)
        for row in inserts:
            row["constituency_id"] = created.get(row["constituency_id"], row["constituency_id"])
        last_id = session.exec(select(func.coalesce(func.max(Voter.id), 0))).one()
        imports.bulk_insert(session, Voter, inserts, progress=scaled_progress(progress, 0.75, 0.9))
        if inserts:
            # New voters are found again by their natural key, unique in this unit by now.
            new_ids = {
                (cid, name, phone): vid
                for vid, cid, name, phone in session.exec(
                    select(col(Voter.id), Voter.constituency_id, Voter.name, Voter.phone).where(
                        Voter.township_id == township_id, Voter.id > last_id
                    )
                ).all()
            }
            for row, links in zip(inserts, insert_links, strict=True):
                vid = new_ids[(row["constituency_id"], row["name"], row["phone"])]
                add_links.extend((dep_id, vid) for dep_id in sorted(set(links or ())))
        if updates:
            session.execute(update(Voter), updates)
        for first in range(0, len(drop_links), 5000):
            session.execute(
                delete(VoterLink).where(VoterLink.id.in_(drop_links[first : first + 5000]))
            )
        today = clock.today()
        link_rows = [
            {
                "township_id": township_id,
                "deputy_id": dep_id,
                "voter_id": vid,
                "since": today,
                "entered_at": now,
                "entered_by_id": actor.id,
                "updated_at": None,
            }
            for dep_id, vid in add_links
        ]
        imports.bulk_insert(
            session, VoterLink, link_rows, progress=scaled_progress(progress, 0.9, 1.0)
        )
        counts["links_added"] = len(link_rows)
        return ImportResult(len(plan), counts, layout, new_names)

    return imports.write_all_or_nothing(
        session,
        actor,
        write,
        entity="voter_import",
        township_id=township_id,
        filename=filename,
        progress=progress,
    )


def import_deputies(
    session: Session,
    actor: Actor,
    township_id: int,
    data: bytes,
    *,
    filename: str = "",
    progress: Progress | None = None,
    today: date | None = None,
    dry_run: bool = False,
    create_constituencies: bool = False,
) -> ImportResult:
    """Read a deputy sheet for the unit and store it whole, or raise ImportRejected.

    A person is one record, whatever the number of congresses they sit in: the level cell may
    name several ("乡级、区级"), or the person may have one line per level (the first line's
    other cells count); the unit counts the deputy at the lowest. Deputies are matched
    on name and constituency, and on the phone where one is given, so two namesakes of two
    constituencies (or of one, with two phones) are two people. A row whose constituency holds
    no one of that name is the same person moved when exactly one deputy of that name is
    elsewhere and no phone says otherwise; the moved deputy's links to voters of the old
    constituency stop counting until they are redone. Blank optional cells keep what is stored.
    ``dry_run`` and ``create_constituencies`` work as for ``import_voters``.
    """
    require_write(actor, township_id)
    unit = township_row(session, township_id)
    today = today or clock.today()
    sheet = imports.read_rows(data, DEPUTY_SHEET, progress=scaled_progress(progress, 0.0, 0.6))
    problems = list(sheet.problems)
    if not sheet.rows:
        raise_if_any(problems, sheet.layout)
    cons = _Constituencies(session, actor, township_id, create=create_constituencies)
    by_name: dict[str, list[Deputy]] = defaultdict(list)
    for dep in session.exec(select(Deputy).where(Deputy.township_id == township_id)).all():
        by_name[match_key(dep.name)].append(dep)

    # The rows that name a person well enough, with their constituency found.
    entries: list[tuple[int, dict[str, Any], int | None]] = []
    first_row: dict[tuple[str, int | None, str], int] = {}
    by_row: dict[int, dict[str, Any]] = {}
    for parsed in sheet.rows:
        v, row = parsed.values, parsed.row
        cid = None
        if v.get("constituency"):
            cid = cons.find(row, v["constituency"], problems)
            if cid is None:
                continue
        if v["name"] is None or not v["level"]:
            continue  # already reported
        key = (match_key(v["name"]), cid, v.get("phone") or "")
        if key in first_row:
            earlier = by_row[first_row[key]]
            if not set(earlier["level"]) & set(v["level"]):
                # A roster that gives a deputy of two congresses one line per level: one person.
                held = set(earlier["level"]) | set(v["level"])
                earlier["level"] = tuple(lv.value for lv in LEVEL_ORDER if lv.value in held)
                continue
            problems.append(
                Problem(row, "name", "linkage.import.duplicate_person", {"first": first_row[key]})
            )
            continue
        first_row[key] = row
        by_row[row] = v
        entries.append((row, v, cid))

    def narrowed(found: list[Deputy], phone: str | None) -> list[Deputy]:
        if len(found) > 1 and phone:
            found = [d for d in found if d.phone == phone] or found
        if len(found) > 1:
            active = [d for d in found if d.active]
            found = active if len(active) == 1 else found
        return found

    # Who each row is: first the deputies already of that name in that constituency, then
    # those moved from another one, so a move never takes a person another row names exactly.
    targets: dict[int, Deputy | None] = {}
    moving: list[tuple[int, dict[str, Any], int | None]] = []
    for row, v, cid in entries:
        same = by_name.get(match_key(v["name"]), [])
        if cid is not None:
            same = [d for d in same if d.constituency_id == cid]
        else:
            same = [d for d in same if d.constituency_id is None] or same
        same = narrowed(same, v.get("phone"))
        if len(same) > 1:
            problems.append(Problem(row, "name", "linkage.import.ambiguous_existing"))
            continue
        if not same and cid is not None:
            moving.append((row, v, cid))
            continue
        targets[row] = same[0] if same else None
    claimed = {target.id for target in targets.values() if target is not None}
    for row, v, cid in moving:
        phone = v.get("phone")
        elsewhere = [
            d
            for d in by_name.get(match_key(v["name"]), [])
            if d.constituency_id != cid
            and d.id not in claimed
            and not (phone and d.phone and d.phone != phone)
        ]
        pool = narrowed(elsewhere, phone)
        targets[row] = pool[0] if len(pool) == 1 else None
        if len(pool) == 1:
            claimed.add(pool[0].id)
    seen_target: dict[int, int] = {}

    plan: list[tuple[Deputy | None, dict[str, Any]]] = []
    for row, v, cid in entries:
        if row not in targets:
            continue
        target = targets[row]
        if target is not None:
            target_id = audit.key_of(target)
            if target_id in seen_target:
                problems.append(
                    Problem(
                        row,
                        "name",
                        "linkage.import.duplicate_person",
                        {"first": seen_target[target_id]},
                    )
                )
                continue
            seen_target[target_id] = row
        level, *others = v["level"]
        fields: dict[str, Any] = {"level": level, "other_levels": ",".join(others)}
        if cid is not None:
            fields["constituency_id"] = cid
        has_seat = cid is not None or (target is not None and target.constituency_id is not None)
        if needs_constituency(unit.unit_type, level) and not has_seat:
            problems.append(Problem(row, "constituency", "imports.error.required"))
            continue
        member = v.get("is_presidium_member")
        if member is None and target is not None:
            member = target.is_presidium_member
        if member and not may_sit_on_presidium(unit.unit_type, level):
            problems.append(
                Problem(row, "is_presidium_member", "linkage.import.presidium_not_applicable")
            )
            continue
        if v.get("term_start") and v["term_start"] > today:
            problems.append(Problem(row, "term_start", "linkage.import.future_date"))
            continue
        for column in ("is_presidium_member", "gender", "phone", "has_fixed_income", "term_start"):
            if v.get(column) is not None:
                fields[column] = v[column]
        plan.append((target, {"name": v["name"], **fields}))
    raise_if_any(problems, sheet.layout)

    now = utcnow()
    inserts, updates, unchanged = [], [], 0
    for target, fields in plan:
        if target is None:
            inserts.append(
                {
                    "township_id": township_id,
                    "name": fields["name"],
                    "level": DeputyLevel(fields["level"]),
                    "other_levels": fields["other_levels"],
                    "constituency_id": fields.get("constituency_id"),
                    "is_presidium_member": bool(fields.get("is_presidium_member", False)),
                    "gender": fields.get("gender") or "",
                    "phone": fields.get("phone") or "",
                    "has_fixed_income": fields.get("has_fixed_income", True),
                    "term_start": fields.get("term_start"),
                    "active": True,
                    "entered_at": now,
                    "entered_by_id": actor.id,
                    "updated_at": None,
                }
            )
            continue
        stored = {
            "level": DeputyLevel(target.level).value,
            "other_levels": ",".join(deputy_levels(target.level, target.other_levels)[1:]),
        }
        change = {
            k: val
            for k, val in fields.items()
            if k != "name" and stored.get(k, getattr(target, k)) != val
        }
        if not target.active:
            change["active"] = True
        if change:
            updates.append({"id": target.id, **change, "updated_at": now})
        else:
            unchanged += 1
    counts = {"created": len(inserts), "updated": len(updates), "unchanged": unchanged}
    if cons.new:
        counts["constituencies_created"] = len(cons.new)
    result = ImportResult(len(plan), counts, sheet.layout, tuple(cons.new.values()))
    if dry_run:
        return result

    def write() -> ImportResult:
        created = cons.write(session, actor, township_id)
        for row in inserts:
            row["constituency_id"] = created.get(row["constituency_id"], row["constituency_id"])
        for row in updates:
            if "constituency_id" in row:
                row["constituency_id"] = created.get(row["constituency_id"], row["constituency_id"])
        imports.bulk_insert(session, Deputy, inserts, progress=scaled_progress(progress, 0.6, 0.9))
        if updates:
            session.execute(update(Deputy), updates)
        return result

    return imports.write_all_or_nothing(
        session,
        actor,
        write,
        entity="deputy_import",
        township_id=township_id,
        filename=filename,
        progress=progress,
    )
