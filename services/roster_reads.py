"""What the roster screens, the contact-day form and the roster exports read.

Pick lists of constituencies and deputies, the deputy and voter tables with their link counts,
the two kinds of links, and the row lookups the roster's writes share. Every read checks that
the actor may read the unit; phones are masked for those who may not see them in full.
"""

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, func, select

from models import Constituency, Deputy, PresidiumLink, Township, Voter, VoterLink
from models.enums import DeputyLevel, levels_in
from services.errors import NotFound
from services.linkage import shown_phone, unit_deputy_conditions
from services.permissions import Actor, require_read

# ---------------------------------------------------------------------------------------------
# Rows for services working in the same session


def township_row(session: Session, township_id: int) -> Township:
    """The unit's row, active or retired, or NotFound."""
    unit = session.get(Township, township_id)
    if unit is None:
        raise NotFound("error.not_found.township", id=township_id)
    return unit


def deputy_row(session: Session, deputy_id: int) -> Deputy:
    """The deputy's row, active or retired, or NotFound."""
    row = session.get(Deputy, deputy_id)
    if row is None:
        raise NotFound("linkage.error.no_deputy", id=deputy_id)
    return row


# ---------------------------------------------------------------------------------------------
# Pick lists


@dataclass(frozen=True)
class Option:
    """A person or place to pick in a form."""

    id: int
    name: str
    constituency_id: int | None = None
    constituency: str = ""
    is_presidium_member: bool = False


def constituencies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    require_read(actor, township_id)
    rows = session.exec(
        select(Constituency.id, Constituency.name)
        .where(Constituency.township_id == township_id)
        .order_by(Constituency.id)
    ).all()
    return [Option(id=i, name=n, constituency_id=i, constituency=n) for i, n in rows]


def _deputy_options(
    session: Session, actor: Actor, township_id: int, *, voter_links: bool
) -> list[Option]:
    require_read(actor, township_id)
    unit = township_row(session, township_id)
    rows = session.exec(
        select(
            Deputy.id,
            Deputy.name,
            Deputy.constituency_id,
            Constituency.name,
            Deputy.is_presidium_member,
        )
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=voter_links),
        )
        .order_by(Deputy.constituency_id, Deputy.id)
    ).all()
    return [
        Option(id=i, name=n, constituency_id=c, constituency=cn or "", is_presidium_member=bool(p))
        for i, n, c, cn, p in rows
    ]


def link_deputies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    """Active deputies of the unit who keep voter links (each with a constituency)."""
    return _deputy_options(session, actor, township_id, voter_links=True)


def contact_deputies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    """Active deputies of the unit expected on a contact day."""
    return _deputy_options(session, actor, township_id, voter_links=False)


# ---------------------------------------------------------------------------------------------
# Tables of the unit's deputies and voters

DEPUTY_COLUMNS = [
    "id",
    "name",
    "level",
    "other_levels",
    "constituency_id",
    "constituency",
    "is_presidium_member",
    "gender",
    "phone",
    "has_fixed_income",
    "term_start",
    "active",
    "voters",
    "other_voters",
    "linked_deputies",
]


def deputies_frame(session: Session, actor: Actor, township_id: int) -> pd.DataFrame:
    """The unit's deputies with their link counts (own-constituency voters, other, deputies)."""
    require_read(actor, township_id)
    own = (
        select(VoterLink.deputy_id, func.count(VoterLink.id))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(
            VoterLink.township_id == township_id,
            Voter.active,
            Voter.constituency_id == Deputy.constituency_id,
        )
        .group_by(VoterLink.deputy_id)
    )
    everyone = (
        select(VoterLink.deputy_id, func.count(VoterLink.id))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .where(VoterLink.township_id == township_id, Voter.active)
        .group_by(VoterLink.deputy_id)
    )
    members = (
        select(PresidiumLink.member_id, func.count(PresidiumLink.id))
        .where(PresidiumLink.township_id == township_id)
        .group_by(PresidiumLink.member_id)
    )
    own_n = dict(session.exec(own).all())
    all_n = dict(session.exec(everyone).all())
    member_n = dict(session.exec(members).all())
    rows = session.exec(
        select(Deputy, Constituency.name)
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .where(Deputy.township_id == township_id)
        .order_by(Deputy.level, Deputy.constituency_id, Deputy.id)
    ).all()
    out = [
        {
            "id": d.id,
            "name": d.name,
            "level": DeputyLevel(d.level).value,
            "other_levels": ",".join(
                lv.value for lv in reversed(DeputyLevel) if lv.value in levels_in(d.other_levels)
            ),
            "constituency_id": d.constituency_id,
            "constituency": con or "",
            "is_presidium_member": d.is_presidium_member,
            "gender": d.gender,
            "phone": shown_phone(actor, township_id, d.phone),
            "has_fixed_income": d.has_fixed_income,
            "term_start": d.term_start,
            "active": d.active,
            "voters": int(own_n.get(d.id, 0)),
            "other_voters": int(all_n.get(d.id, 0)) - int(own_n.get(d.id, 0)),
            "linked_deputies": int(member_n.get(d.id, 0)),
        }
        for d, con in rows
    ]
    frame = pd.DataFrame(out, columns=DEPUTY_COLUMNS)
    # Township deputies first, then up the levels: the order a clerk works in.
    rank = {lv.value: i for i, lv in enumerate(reversed(list(DeputyLevel)))}
    order = sorted(range(len(frame)), key=lambda i: (rank[str(out[i]["level"])], i))
    return frame.iloc[order].reset_index(drop=True)


VOTER_COLUMNS = ["id", "name", "constituency_id", "constituency", "village", "phone", "active"]
VOTER_COLUMNS += ["deputies"]


def voters_frame(
    session: Session, actor: Actor, township_id: int, *, constituency_id: int | None = None
) -> pd.DataFrame:
    """The unit's voters (optionally one constituency) with the names of linked deputies."""
    require_read(actor, township_id)
    stmt = (
        select(
            Voter.id,
            Voter.name,
            Voter.constituency_id,
            Constituency.name,
            Voter.village,
            Voter.phone,
            Voter.active,
        )
        .join(Constituency, Constituency.id == Voter.constituency_id)
        .where(Voter.township_id == township_id)
        .order_by(Voter.constituency_id, Voter.id)
    )
    links = select(VoterLink.voter_id, Deputy.name).join(Deputy, Deputy.id == VoterLink.deputy_id)
    links = links.where(VoterLink.township_id == township_id).order_by(VoterLink.id)
    if constituency_id is not None:
        stmt = stmt.where(Voter.constituency_id == constituency_id)
        links = links.join(Voter, Voter.id == VoterLink.voter_id).where(
            Voter.constituency_id == constituency_id
        )
    names: dict[int, list[str]] = defaultdict(list)
    for voter_id, deputy in session.exec(links).all():
        names[voter_id].append(deputy)
    out = [
        {
            "id": vid,
            "name": name,
            "constituency_id": cid,
            "constituency": con,
            "village": village,
            "phone": shown_phone(actor, township_id, phone),
            "active": active,
            "deputies": "、".join(names.get(vid, [])),
        }
        for vid, name, cid, con, village, phone, active in session.exec(stmt).all()
    ]
    return pd.DataFrame(out, columns=VOTER_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Links


def presidium_links(session: Session, actor: Actor, township_id: int) -> dict[int, list[int]]:
    """Member id → linked deputy ids."""
    require_read(actor, township_id)
    out: dict[int, list[int]] = defaultdict(list)
    for member, deputy in session.exec(
        select(PresidiumLink.member_id, PresidiumLink.deputy_id)
        .where(PresidiumLink.township_id == township_id)
        .order_by(PresidiumLink.id)
    ).all():
        out[member].append(deputy)
    return dict(out)


def voter_links(session: Session, actor: Actor, deputy_id: int) -> list[int]:
    dep = deputy_row(session, deputy_id)
    require_read(actor, dep.township_id)
    return list(
        session.exec(
            select(VoterLink.voter_id)
            .where(VoterLink.deputy_id == deputy_id)
            .order_by(VoterLink.voter_id)
        ).all()
    )
