"""Commendation of deputies (表彰奖励): a unit proposes a deputy of its roster with a title, the
deputy's story and a photo; the district admin approves it or returns it with a reason. Only an
approved commendation counts for the appraisal and is shown in the stories column.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models import Commendation, Deputy
from models.base import utcnow
from models.enums import AuditAction
from services import audit
from services.errors import NotFound, ValidationError
from services.evidence import Upload, check_upload, parse_evidence, store_file
from services.org import get_township, list_townships
from services.permissions import Actor, require_admin, require_read, require_write
from services.validation import clean_text

PROPOSED = "proposed"
APPROVED = "approved"
RETURNED = "returned"
STATUSES = (PROPOSED, APPROVED, RETURNED)
MAX_TITLE = 200
MAX_STORY = 3000
MAX_REASON = 300


@dataclass(frozen=True)
class CommendationInfo:
    id: int
    township_id: int
    year: int
    deputy_id: int | None
    deputy_name: str
    title: str
    story: str
    photo: str | None
    status: str
    return_reason: str
    awarded_on: date | None


def propose(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    deputy_id: int,
    title: str,
    story: str,
    photo: Upload | None = None,
) -> int:
    """Propose a deputy of the unit's roster for commendation (status proposed)."""
    require_write(actor, township_id)
    get_township(session, township_id)
    deputy = session.get(Deputy, deputy_id)
    if deputy is None or deputy.township_id != township_id:
        raise ValidationError("guarantees.error.deputy_not_on_roster", field="deputy")
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    story = clean_text(story, field="story", limit=MAX_STORY, required=True)
    accepted = check_upload(photo) if photo is not None else None
    if accepted is not None and accepted.extension not in ("jpg", "png"):
        raise ValidationError("guarantees.error.photo_type", field="photo")
    row = Commendation(
        township_id=township_id,
        year=year,
        deputy_id=deputy_id,
        title=title,
        story=story,
        status=PROPOSED,
        photo=store_file(accepted) if accepted else "",
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="commendation", township_id=township_id)


def review(
    session: Session,
    actor: Actor,
    commendation_id: int,
    *,
    approve: bool,
    reason: str = "",
    on: date | None = None,
) -> None:
    """District admin: approve a proposal (awarded on ``on``) or return it with a reason."""
    require_admin(actor)
    row = session.get(Commendation, commendation_id)
    if row is None:
        raise NotFound("error.not_found.commendation", id=commendation_id)
    if row.status != PROPOSED:
        raise ValidationError("guarantees.error.not_proposed", field="status")
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=not approve)
    before = audit.snapshot(row)
    row.status = APPROVED if approve else RETURNED
    row.return_reason = "" if approve else reason
    row.awarded_on = (on or date.today()) if approve else None
    row.shown_online = approve
    row.reviewed_by_id = actor.id
    row.reviewed_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="commendation",
        entity_id=row.id,
        township_id=row.township_id,
        before=before,
        after=audit.snapshot(row),
    )
    session.commit()


def list_commendations(
    session: Session,
    actor: Actor,
    year: int,
    *,
    township_id: int | None = None,
    status: str | None = None,
) -> list[CommendationInfo]:
    """The year's commendations of one unit or of every unit the actor reads."""
    if township_id is not None:
        require_read(actor, township_id)
        ids = [township_id]
    else:
        ids = [u.id for u in list_townships(session, actor)]
    stmt = (
        select(Commendation, Deputy.name)
        .join(Deputy, Deputy.id == Commendation.deputy_id, isouter=True)
        .where(Commendation.year == year, Commendation.township_id.in_(ids))
        .order_by(Commendation.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Commendation.status == status)
    out = []
    for row, name in session.exec(stmt).all():
        files = parse_evidence(row.photo).files
        out.append(
            CommendationInfo(
                id=row.id,
                township_id=row.township_id,
                year=row.year,
                deputy_id=row.deputy_id,
                deputy_name=name or "",
                title=row.title,
                story=row.story,
                photo=files[0] if files else None,
                status=row.status,
                return_reason=row.return_reason,
                awarded_on=row.awarded_on,
            )
        )
    return out


def stories(session: Session, actor: Actor, year: int) -> list[CommendationInfo]:
    """The deputy stories column: the year's approved commendations."""
    return list_commendations(session, actor, year, status=APPROVED)
