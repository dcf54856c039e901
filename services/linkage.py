"""Double linkage (双导双联, T07–T09): coverage, gap lists, contact-day participation, visits.

Coverage counts, per unit:
- presidium members (active township deputies of a town or township marked as members) linked
  to at least ``rules.linkage.deputies_per_presidium_member`` active deputies;
- linkage deputies linked to at least ``rules.linkage.voters_per_deputy`` active voters of the
  deputy's *current* constituency. A link to a voter of another constituency does not count:
  that is how a deputy who moved constituency shows up as a gap until the links are redone.

Who counts (the same definitions as the checklist's T07 and T08):
- voter links: active deputies with a constituency; in towns and townships the township
  deputies, in sub-districts (no township congress) every deputy elected there;
- contact days: in towns and townships the active township deputies, in sub-districts every
  active deputy of the unit;
- sub-districts have no presidium: that half of T08 is not applicable there, never a fail.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, distinct, extract, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from models import (
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Notification,
    PresidiumLink,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.enums import DeputyLevel, NotificationKind, Role, UnitType, VisitKind
from services import clock, unit_figures
from services.permissions import Actor, readable_township_ids, scope_to_units
from services.rules import ContactDayRule, get_rules
from services.task_status import contact_days_allowed

# ---------------------------------------------------------------------------------------------
# Personal data: phones are shown in full only to the district admin and the unit's own clerks.


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``: the first three and last four characters stay."""
    value = (phone or "").strip()
    if not value:
        return ""
    if len(value) >= 8:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)  # too short to be a phone: hide it whole


def can_see_full_phone(actor: Actor, township_id: int | None) -> bool:
    """The district admin and the clerks of that unit; leaders and other units see masks."""
    if actor.role == Role.district_admin:
        return True
    return (
        actor.role == Role.township_staff
        and township_id is not None
        and actor.township_id == township_id
    )


def shown_phone(actor: Actor, township_id: int | None, phone: str | None) -> str:
    return (phone or "") if can_see_full_phone(actor, township_id) else mask_phone(phone)


# ---------------------------------------------------------------------------------------------
# Who counts


def linkage_deputy_clause():
    """SQL condition on Deputy joined to Township: the deputies who must link to voters."""
    return and_(
        Deputy.active,
        Deputy.constituency_id.is_not(None),
        or_(
            Deputy.level == DeputyLevel.township,
            Township.unit_type.not_in(UnitType.with_congress()),
        ),
    )


def contact_deputy_clause():
    """SQL condition on Deputy joined to Township: the deputies expected on a contact day."""
    return and_(
        Deputy.active,
        or_(
            Deputy.level == DeputyLevel.township,
            Township.unit_type.not_in(UnitType.with_congress()),
        ),
    )


def unit_deputy_conditions(unit_type: UnitType, *, voter_links: bool) -> list:
    """The same conditions for one unit whose type is known (no join to Township needed)."""
    conditions = [Deputy.active]
    if voter_links:
        conditions.append(Deputy.constituency_id.is_not(None))
    if UnitType(unit_type).has_congress:
        conditions.append(Deputy.level == DeputyLevel.township)
    return conditions


def presidium_clause():
    return and_(
        Deputy.active,
        Deputy.is_presidium_member,
        Deputy.level == DeputyLevel.township,
        Township.unit_type.in_(UnitType.with_congress()),
    )


def _own_voter_counts(ids: list[int] | None = None):
    """Per deputy (of the units ``ids``, or all): active linked voters of the deputy's current
    constituency."""
    stmt = (
        select(VoterLink.deputy_id.label("deputy_id"), func.count(VoterLink.id).label("n"))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(Voter.active, Voter.constituency_id == Deputy.constituency_id)
    )
    if ids is not None:
        stmt = stmt.where(Deputy.township_id.in_(ids))
    return stmt.group_by(VoterLink.deputy_id).subquery()


def _other_voter_counts():
    """Per deputy: active linked voters of another constituency (they do not count)."""
    return (
        select(VoterLink.deputy_id.label("deputy_id"), func.count(VoterLink.id).label("n"))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(
            Voter.active,
            or_(Deputy.constituency_id.is_(None), Voter.constituency_id != Deputy.constituency_id),
        )
        .group_by(VoterLink.deputy_id)
        .subquery()
    )


def _member_link_counts(ids: list[int] | None = None):
    """Per presidium member (of the units ``ids``, or all): distinct active deputies linked."""
    linked = aliased(Deputy)
    stmt = (
        select(
            PresidiumLink.member_id.label("member_id"),
            func.count(distinct(PresidiumLink.deputy_id)).label("n"),
        )
        .join(linked, linked.id == PresidiumLink.deputy_id)
        .where(linked.active)
    )
    if ids is not None:
        stmt = stmt.where(PresidiumLink.township_id.in_(ids))
    return stmt.group_by(PresidiumLink.member_id).subquery()


# ---------------------------------------------------------------------------------------------
# Coverage (T08)

COVERAGE_COLUMNS = [
    "township_id",
    "name_zh",
    "name_en",
    "unit_type",
    "presidium_applicable",
    "presidium_members",
    "presidium_covered",
    "presidium_share",
    "deputies",
    "deputies_covered",
    "deputy_share",
]


def coverage_by_township(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per unit: presidium members with enough linked deputies, deputies with enough voters.

    Shares are None where there is nobody to count; ``presidium_applicable`` is False for
    sub-districts (no presidium).
    """
    rule = get_rules(session, year).linkage
    ids = readable_township_ids(actor, township_id)
    units = [
        tid
        for tid in session.exec(
            scope_to_units(
                select(Township.id)
                .where(Township.active)
                .order_by(Township.sort_order, Township.id),
                Township.id,
                ids,
            )
        ).all()
        if tid is not None
    ]
    kept = unit_figures.per_unit(
        session,
        "coverage",
        year=year,
        as_of=date(year, 12, 31),
        ids=units,
        compute=lambda stale: _coverage_rows(session, rule, stale),
    )
    return pd.DataFrame([kept[tid] for tid in units], columns=COVERAGE_COLUMNS)


def _coverage_rows(session: Session, rule, ids: list[int]) -> dict[int, dict]:
    """Per unit of ``ids``: its row of ``coverage_by_township``."""
    own = _own_voter_counts(ids)
    deputies = (
        select(
            Deputy.township_id.label("township_id"),
            func.count(Deputy.id).label("deputies"),
            func.sum(case((func.coalesce(own.c.n, 0) >= rule.voters_per_deputy, 1), else_=0)).label(
                "covered"
            ),
        )
        .join(Township, Township.id == Deputy.township_id)
        .join(own, own.c.deputy_id == Deputy.id, isouter=True)
        .where(linkage_deputy_clause(), Deputy.township_id.in_(ids))
        .group_by(Deputy.township_id)
        .subquery()
    )
    links = _member_link_counts(ids)
    members = (
        select(
            Deputy.township_id.label("township_id"),
            func.count(Deputy.id).label("members"),
            func.sum(
                case(
                    (func.coalesce(links.c.n, 0) >= rule.deputies_per_presidium_member, 1),
                    else_=0,
                )
            ).label("covered"),
        )
        .join(Township, Township.id == Deputy.township_id)
        .join(links, links.c.member_id == Deputy.id, isouter=True)
        .where(presidium_clause(), Deputy.township_id.in_(ids))
        .group_by(Deputy.township_id)
        .subquery()
    )
    stmt = (
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            Township.unit_type,
            func.coalesce(members.c.members, 0),
            func.coalesce(members.c.covered, 0),
            func.coalesce(deputies.c.deputies, 0),
            func.coalesce(deputies.c.covered, 0),
        )
        .join(deputies, deputies.c.township_id == Township.id, isouter=True)
        .join(members, members.c.township_id == Township.id, isouter=True)
        .where(Township.id.in_(ids))
    )
    rows = {}
    for tid, zh, en, utype, m, mc, d, dc in session.exec(stmt).all():
        applicable = UnitType(utype).has_congress
        rows[tid] = {
            "township_id": tid,
            "name_zh": zh,
            "name_en": en,
            "unit_type": UnitType(utype).value,
            "presidium_applicable": applicable,
            "presidium_members": int(m),
            "presidium_covered": int(mc),
            "presidium_share": (int(mc) / int(m)) if applicable and m else None,
            "deputies": int(d),
            "deputies_covered": int(dc),
            "deputy_share": (int(dc) / int(d)) if d else None,
        }
    return rows


@dataclass(frozen=True)
class CoverageTotals:
    presidium_members: int
    presidium_covered: int
    deputies: int
    deputies_covered: int

    @property
    def presidium_share(self) -> float | None:
        return self.presidium_covered / self.presidium_members if self.presidium_members else None

    @property
    def deputy_share(self) -> float | None:
        return self.deputies_covered / self.deputies if self.deputies else None


def coverage_totals(frame: pd.DataFrame) -> CoverageTotals:
    """Totals over the units of a coverage frame (sub-districts add no presidium members)."""
    congress = frame[frame["presidium_applicable"]]
    return CoverageTotals(
        presidium_members=int(congress["presidium_members"].sum()),
        presidium_covered=int(congress["presidium_covered"].sum()),
        deputies=int(frame["deputies"].sum()),
        deputies_covered=int(frame["deputies_covered"].sum()),
    )


def gap_count(frame: pd.DataFrame) -> int:
    """How many people ``linkage_gaps`` lists for the units of a coverage frame: the deputies
    short of voters and the presidium members short of deputies, counted from the kept coverage
    (the same people and thresholds) without reading the list, which at a province's scale means
    grouping every voter link."""
    short = (frame["deputies"] - frame["deputies_covered"]).sum() + (
        frame["presidium_members"] - frame["presidium_covered"]
    ).sum()
    return int(short)


COUNTY_COLUMNS = [
    "county_id",
    "name_zh",
    "name_en",
    "units",
    "presidium_members",
    "presidium_covered",
    "presidium_share",
    "deputies",
    "deputies_covered",
    "deputy_share",
    "participants",
    "expected",
    "participation",
]


def coverage_by_county(
    coverage: pd.DataFrame,
    participation: pd.DataFrame,
    parent_of: dict[int, int | None],
    counties: list,
) -> pd.DataFrame:
    """Per county-level district (``counties``: objects with id, name_zh, name_en, in order):
    its units' coverage totals (as ``coverage_totals``) and contact-day participation (all who
    took part over all expected). Built from the per-unit frames the database summed, so a
    province's figures cost one row per unit, not one per deputy."""
    cov = coverage.assign(county_id=coverage["township_id"].map(parent_of))
    cov = cov.assign(
        members=cov["presidium_members"].where(cov["presidium_applicable"], 0),
        members_covered=cov["presidium_covered"].where(cov["presidium_applicable"], 0),
    )
    sums = cov.groupby("county_id").agg(
        units=("township_id", "size"),
        presidium_members=("members", "sum"),
        presidium_covered=("members_covered", "sum"),
        deputies=("deputies", "sum"),
        deputies_covered=("deputies_covered", "sum"),
    )
    taking_part: dict = {}
    if not participation.empty:
        part = participation.assign(county_id=participation["township_id"].map(parent_of))
        taking_part = part.groupby("county_id")[["participants", "expected"]].sum().to_dict("index")
    rows = []
    for county in counties:
        if county.id not in sums.index:
            continue
        s = sums.loc[county.id]
        months = taking_part.get(county.id, {"participants": 0, "expected": 0})
        participants, expected = int(months["participants"]), int(months["expected"])
        members, deputies = int(s["presidium_members"]), int(s["deputies"])
        rows.append(
            {
                "county_id": county.id,
                "name_zh": county.name_zh,
                "name_en": county.name_en,
                "units": int(s["units"]),
                "presidium_members": members,
                "presidium_covered": int(s["presidium_covered"]),
                "presidium_share": int(s["presidium_covered"]) / members if members else None,
                "deputies": deputies,
                "deputies_covered": int(s["deputies_covered"]),
                "deputy_share": int(s["deputies_covered"]) / deputies if deputies else None,
                "participants": participants,
                "expected": expected,
                "participation": participants / expected if expected else None,
            }
        )
    return pd.DataFrame(rows, columns=COUNTY_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Gap list by name

GAP_COLUMNS = [
    "township_id",
    "name_zh",
    "name_en",
    "deputy_id",
    "deputy",
    "constituency",
    "phone",
    "gap",
    "have",
    "need",
    "other_constituency",
]


def linkage_gaps(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Who is short of what: one row per deputy short of voters, per member short of deputies.

    ``gap`` is "voters" or "deputies"; ``other_constituency`` counts linked voters of another
    constituency (the trace of a move). Phones are masked unless the actor may see them.
    """
    rule = get_rules(session, year).linkage
    ids = readable_township_ids(actor, township_id)
    own, other = _own_voter_counts(), _other_voter_counts()
    have_voters = func.coalesce(own.c.n, 0)
    voter_gaps = scope_to_units(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            Deputy.id,
            Deputy.name,
            Constituency.name,
            Deputy.phone,
            have_voters,
            func.coalesce(other.c.n, 0),
            Township.sort_order,
        )
        .join(Township, Township.id == Deputy.township_id)
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .join(own, own.c.deputy_id == Deputy.id, isouter=True)
        .join(other, other.c.deputy_id == Deputy.id, isouter=True)
        .where(Township.active, linkage_deputy_clause(), have_voters < rule.voters_per_deputy),
        Township.id,
        ids,
    )
    links = _member_link_counts()
    have_deputies = func.coalesce(links.c.n, 0)
    member_gaps = scope_to_units(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            Deputy.id,
            Deputy.name,
            Constituency.name,
            Deputy.phone,
            have_deputies,
            Township.sort_order,
        )
        .join(Township, Township.id == Deputy.township_id)
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .join(links, links.c.member_id == Deputy.id, isouter=True)
        .where(
            Township.active,
            presidium_clause(),
            have_deputies < rule.deputies_per_presidium_member,
        ),
        Township.id,
        ids,
    )
    rows: list[tuple[tuple, dict]] = []

    def add(order, first, tid, zh, en, did, name, con, phone, gap, have, need, n_other):
        row = {
            "township_id": tid,
            "name_zh": zh,
            "name_en": en,
            "deputy_id": did,
            "deputy": name,
            "constituency": con or "",
            "phone": shown_phone(actor, tid, phone),
            "gap": gap,
            "have": int(have),
            "need": need,
            "other_constituency": int(n_other),
        }
        # Unit by unit in the district's order, presidium gaps first, largest shortfall first.
        rows.append(((order, first, int(have), name), row))

    for tid, zh, en, did, name, con, phone, have, n_other, order in session.exec(voter_gaps):
        add(
            order,
            1,
            tid,
            zh,
            en,
            did,
            name,
            con,
            phone,
            "voters",
            have,
            rule.voters_per_deputy,
            n_other,
        )
    for tid, zh, en, did, name, con, phone, have, order in session.exec(member_gaps):
        need = rule.deputies_per_presidium_member
        add(order, 0, tid, zh, en, did, name, con, phone, "deputies", have, need, 0)
    out = [row for _, row in sorted(rows, key=lambda r: r[0])]
    return pd.DataFrame(out, columns=GAP_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Contact days (T07)


def is_contact_day(held_on: date, rule: ContactDayRule) -> bool:
    return held_on in contact_days_allowed(rule, held_on.year, held_on.month)


def months_due(year: int, as_of: date, rule: ContactDayRule) -> list[int]:
    """Months of ``year`` whose contact day is owed by ``as_of``: the last day the rule allows
    for it has come (as T07 counts them)."""
    return [m for m in range(1, 13) if max(contact_days_allowed(rule, year, m)) <= as_of]


def keeps_voter_links(unit_type: UnitType, level: DeputyLevel) -> bool:
    """Whether a deputy of this level in this kind of unit must link to voters."""
    return not UnitType(unit_type).has_congress or DeputyLevel(level) == DeputyLevel.township


def needs_constituency(unit_type: UnitType, level: DeputyLevel) -> bool:
    """Directly elected deputies (township; county in a sub-district) have a constituency."""
    level = DeputyLevel(level)
    if UnitType(unit_type).has_congress:
        return level == DeputyLevel.township
    return level in (DeputyLevel.county, DeputyLevel.township)


def expected_deputy_counts(session: Session, ids: list[int] | None) -> dict[int, int]:
    """Per unit: the deputies expected on a contact day."""
    stmt = scope_to_units(
        select(Deputy.township_id, func.count(Deputy.id))
        .join(Township, Township.id == Deputy.township_id)
        .where(contact_deputy_clause())
        .group_by(Deputy.township_id),
        Deputy.township_id,
        ids,
    )
    return {tid: int(n) for tid, n in session.exec(stmt).all()}


PARTICIPATION_COLUMNS = [
    "township_id",
    "name_zh",
    "name_en",
    "unit_type",
    "month",
    "held",
    "on_day",
    "contact_days",
    "participants",
    "expected",
    "rate",
    "rate_on_day",
]


def contact_participation(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date | None = None,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Month × unit: contact days held and the share of the expected deputies taking part.

    ``participants`` and ``rate`` are those of the month's best-attended contact day (rate
    capped at 1); ``rate_on_day`` only looks at days the rule allows, as T07 does. A month
    without a contact day has rate 0 and ``held`` False. Only months due by ``as_of`` (their
    contact day has come) are listed.
    """
    rule = get_rules(session, year).contact_day
    as_of = as_of or clock.today()
    due = months_due(year, as_of, rule)
    ids = readable_township_ids(actor, township_id)
    units = session.exec(
        scope_to_units(
            select(Township.id, Township.name_zh, Township.name_en, Township.unit_type)
            .where(Township.active)
            .order_by(Township.sort_order, Township.id),
            Township.id,
            ids,
        )
    ).all()

    def compute(stale: list[int]) -> dict[int, list[dict]]:
        wanted = set(stale)
        chosen = [u for u in units if u[0] in wanted]
        return _participation_rows(session, rule, year, as_of, due, chosen)

    unit_ids = [tid for tid, *_names in units if tid is not None]
    kept = unit_figures.per_unit(
        session, "participation", year=year, as_of=as_of, ids=unit_ids, compute=compute
    )
    rows = [row for tid in unit_ids for row in kept[tid]]
    return pd.DataFrame(rows, columns=PARTICIPATION_COLUMNS)


def _participation_rows(
    session: Session, rule: ContactDayRule, year: int, as_of: date, due: list[int], units: list
) -> dict[int, list[dict]]:
    """Per unit of ``units`` (id, names, type): its rows of ``contact_participation``."""
    ids = [u[0] for u in units]
    expected = expected_deputy_counts(session, ids)
    last = min(date(year, 12, 31), as_of)
    attending = (
        select(
            ContactDayParticipant.contact_day_id.label("day_id"),
            func.count(distinct(Deputy.id)).label("n"),
        )
        .join(Deputy, Deputy.id == ContactDayParticipant.deputy_id)
        .join(Township, Township.id == Deputy.township_id)
        .join(ContactDay, ContactDay.id == ContactDayParticipant.contact_day_id)
        .where(
            contact_deputy_clause(),
            ContactDay.held_on.between(date(year, 1, 1), last),
            ContactDay.township_id.in_(ids),
        )
        .group_by(ContactDayParticipant.contact_day_id)
        .subquery()
    )
    # One row per contact day of the year (a dozen per unit at most): the best day of a month
    # and the weekday rule are simpler to apply here than in SQL.
    days = session.exec(
        select(ContactDay.township_id, ContactDay.held_on, func.coalesce(attending.c.n, 0))
        .join(attending, attending.c.day_id == ContactDay.id, isouter=True)
        .where(ContactDay.held_on.between(date(year, 1, 1), last), ContactDay.township_id.in_(ids))
    ).all()
    cells: dict[tuple[int, int], dict] = {}
    for tid, held_on, n in days:
        cell = cells.setdefault(
            (tid, held_on.month), {"days": 0, "best": 0, "best_on_day": None, "on_day": False}
        )
        cell["days"] += 1
        cell["best"] = max(cell["best"], int(n))
        if is_contact_day(held_on, rule):
            cell["on_day"] = True
            cell["best_on_day"] = max(cell["best_on_day"] or 0, int(n))
    rows: dict[int, list[dict]] = {tid: [] for tid in ids}
    for tid, zh, en, utype in units:
        need = expected.get(tid, 0)
        for m in due:
            cell = cells.get((tid, m), {"days": 0, "best": 0, "best_on_day": None, "on_day": False})
            on_day_n = cell["best_on_day"] or 0
            rows[tid].append(
                {
                    "township_id": tid,
                    "name_zh": zh,
                    "name_en": en,
                    "unit_type": UnitType(utype).value,
                    "month": m,
                    "held": cell["days"] > 0,
                    "on_day": cell["on_day"],
                    "contact_days": cell["days"],
                    "participants": cell["best"],
                    "expected": need,
                    "rate": min(1.0, cell["best"] / need) if need else 0.0,
                    "rate_on_day": min(1.0, on_day_n / need) if need else 0.0,
                }
            )
    return rows


def participation_trend(frame: pd.DataFrame) -> pd.DataFrame:
    """District-wide (or the unit's) rate per month: all participants over all expected."""
    if frame.empty:
        return pd.DataFrame(columns=["month", "participants", "expected", "rate"])
    out = frame.groupby("month", as_index=False)[["participants", "expected"]].sum()
    out["rate"] = [
        p / e if e else 0.0 for p, e in zip(out["participants"], out["expected"], strict=True)
    ]
    return out


def contact_day_compliance(frame: pd.DataFrame, min_participation: float) -> pd.DataFrame:
    """Per unit, from a participation frame: months due, held, on the day, with enough deputies."""
    columns = ["township_id", "months_due", "months_held", "months_on_day", "months_quorate"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    work = frame.assign(
        quorate=frame["on_day"] & (frame["rate_on_day"] >= min_participation - 1e-9)
    )
    out = work.groupby("township_id", as_index=False, sort=False).agg(
        months_due=("month", "count"),
        months_held=("held", "sum"),
        months_on_day=("on_day", "sum"),
        months_quorate=("quorate", "sum"),
    )
    return out[columns].astype(int)


# ---------------------------------------------------------------------------------------------
# One visit, two notifications (T09)

VISIT_COLUMNS = [
    "township_id",
    "name_zh",
    "name_en",
    "half",
    "deputy_visits",
    "voter_visits",
    "presidium_work",
    "deputy_performance",
]


def visits_and_notifications(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per unit and half-year: visits to deputies and to voters, and the two notifications."""
    ids = readable_township_ids(actor, township_id)
    start, end = date(year, 1, 1), date(year, 12, 31)
    v_half = case((extract("month", Visit.held_on) <= 6, 1), else_=2)
    visits = session.exec(
        scope_to_units(
            select(Visit.township_id, v_half, Visit.kind, func.count(Visit.id))
            .where(Visit.held_on.between(start, end))
            .group_by(Visit.township_id, v_half, Visit.kind),
            Visit.township_id,
            ids,
        )
    ).all()
    n_half = case((extract("month", Notification.issued_on) <= 6, 1), else_=2)
    notes = session.exec(
        scope_to_units(
            select(Notification.township_id, n_half, Notification.kind, func.count(Notification.id))
            .where(Notification.issued_on.between(start, end))
            .group_by(Notification.township_id, n_half, Notification.kind),
            Notification.township_id,
            ids,
        )
    ).all()
    cells: dict[tuple[int, int, str], int] = {}
    for tid, half, kind, n in visits:
        col = "deputy_visits" if VisitKind(kind) == VisitKind.deputy else "voter_visits"
        cells[(tid, int(half), col)] = int(n)
    for tid, half, kind, n in notes:
        cells[(tid, int(half), NotificationKind(kind).value)] = int(n)
    units = session.exec(
        scope_to_units(
            select(Township.id, Township.name_zh, Township.name_en)
            .where(Township.active)
            .order_by(Township.sort_order, Township.id),
            Township.id,
            ids,
        )
    ).all()
    rows = [
        {"township_id": tid, "name_zh": zh, "name_en": en, "half": half}
        | {col: cells.get((tid, half, col), 0) for col in VISIT_COLUMNS[4:]}
        for tid, zh, en in units
        for half in (1, 2)
    ]
    return pd.DataFrame(rows, columns=VISIT_COLUMNS)
