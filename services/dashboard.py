"""Headline figures for the home page, computed with SQL aggregates."""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, distinct, extract
from sqlmodel import Session, func, select

from models import (
    AuditLog,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Meeting,
    VoterLink,
)
from models.enums import DeputyLevel
from services.permissions import Actor, readable_township_ids, scope_to_units


@dataclass(frozen=True)
class HomeSummary:
    year: int
    township_deputies: int
    linked_voters: int
    meetings_this_year: int
    contact_days_this_year: int


# Grows with every audited write, so cached reads keyed on it refresh after a write.
DATA_VERSION = select(func.coalesce(func.max(AuditLog.__table__.c.id), 0))


def data_version(db: Session | Connection) -> int:
    """The data version (``DATA_VERSION``), on a session or a plain connection."""
    return int(db.execute(DATA_VERSION).scalar_one())


def home_summary(session: Session, actor: Actor, *, year: int) -> HomeSummary:
    ids = readable_township_ids(actor)
    start, end = date(year, 1, 1), date(year, 12, 31)
    deputies = session.exec(
        scope_to_units(
            select(func.count(Deputy.id)).where(
                Deputy.active, Deputy.level == DeputyLevel.township
            ),
            Deputy.township_id,
            ids,
        )
    ).one()
    voters = session.exec(
        scope_to_units(select(func.count(distinct(VoterLink.voter_id))), VoterLink.township_id, ids)
    ).one()
    meetings = session.exec(
        scope_to_units(
            select(func.count(Meeting.id)).where(Meeting.held_on.between(start, end)),
            Meeting.township_id,
            ids,
        )
    ).one()
    contact_days = session.exec(
        scope_to_units(
            select(func.count(ContactDay.id)).where(ContactDay.held_on.between(start, end)),
            ContactDay.township_id,
            ids,
        )
    ).one()
    return HomeSummary(
        year=year,
        township_deputies=deputies,
        linked_voters=voters,
        meetings_this_year=meetings,
        contact_days_this_year=contact_days,
    )


def contact_participation_by_month(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per month of the year: deputy attendances at contact days (one unit or all readable)."""
    ids = readable_township_ids(actor, township_id)
    month = extract("month", ContactDay.held_on)
    stmt = scope_to_units(
        select(month.label("month"), func.count(ContactDayParticipant.id))
        .join(ContactDayParticipant, ContactDayParticipant.contact_day_id == ContactDay.id)
        .where(ContactDay.held_on.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(month)
        .order_by(month),
        ContactDay.township_id,
        ids,
    )
    rows = [(int(m), int(n)) for m, n in session.exec(stmt).all()]
    return pd.DataFrame(rows, columns=["month", "attendances"])
