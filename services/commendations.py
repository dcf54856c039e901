"""Commendation of deputies (表彰奖励): a unit proposes a deputy of its roster with a title, the
deputy's story and a photo; the district admin approves it or returns it with a reason. Only an
approved commendation counts for the appraisal and is shown in the stories column.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models import Commendation, Deputy
from models.base import utcnow
from models.enums import AuditAction, Role
from services import audit, clock, corrections, years
from services.errors import NotFound, PermissionDenied, ValidationError
from services.evidence import AcceptedFile, Upload, check_upload, parse_evidence, store_file
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
    title, story, accepted = _checked(session, township_id, deputy_id, title, story, photo)
    years.require_open(session, actor, year)
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


def _checked(
    session: Session,
    township_id: int,
    deputy_id: int,
    title: str,
    story: str,
    photo: Upload | None,
) -> tuple[str, str, AcceptedFile | None]:
    """The field checks of a proposal: a deputy of the unit's roster, a title, a story, and a
    photo that is a JPG or PNG."""
    deputy = session.get(Deputy, deputy_id)
    if deputy is None or deputy.township_id != township_id:
        raise ValidationError("guarantees.error.deputy_not_on_roster", field="deputy")
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    story = clean_text(story, field="story", limit=MAX_STORY, required=True)
    accepted = check_upload(photo) if photo is not None else None
    if accepted is not None and accepted.extension not in ("jpg", "png"):
        raise ValidationError("guarantees.error.photo_type", field="photo")
    return title, story, accepted


def _commendation(session: Session, commendation_id: int) -> Commendation:
    row = session.get(Commendation, commendation_id)
    if row is None:
        raise NotFound("error.not_found.commendation", id=commendation_id)
    return row


def may_change_approved(actor: Actor) -> bool:
    """Whether ``actor`` may correct or withdraw an approved commendation: the admin only."""
    return actor.role == Role.district_admin


def _may_change(session: Session, actor: Actor, row: Commendation, reason: str) -> str:
    """A proposal (proposed or returned) is changed by its unit's writers; an approved
    commendation only by the admin."""
    if row.status == APPROVED and not may_change_approved(actor):
        raise PermissionDenied("guarantees.error.approved_admin_only")
    return corrections.check_change(session, actor, row.township_id, row.year, reason)


def correct_commendation(
    session: Session,
    actor: Actor,
    commendation_id: int,
    *,
    reason: str,
    deputy_id: int,
    title: str,
    story: str,
    photo: Upload | None = None,
) -> None:
    """Correct a proposal, with the reason (audited). A returned proposal corrected is proposed
    again; a new photo replaces the old one (kept in the store until purged)."""
    row = _commendation(session, commendation_id)
    reason = _may_change(session, actor, row, reason)
    title, story, accepted = _checked(session, row.township_id, deputy_id, title, story, photo)
    before = audit.snapshot(row)
    row.deputy_id = deputy_id
    row.title = title
    row.story = story
    if accepted is not None:
        row.photo = store_file(accepted)
    if row.status == RETURNED:
        row.status = PROPOSED
        row.return_reason = ""
    row.updated_at = utcnow()
    corrections.corrected(
        session,
        actor,
        row,
        entity="commendation",
        township_id=row.township_id,
        before=before,
        reason=reason,
    )


def withdraw_commendation(
    session: Session, actor: Actor, commendation_id: int, *, reason: str
) -> None:
    """Withdraw a proposal (an approved commendation: the admin only), with the reason; its
    photo stays in the store until an admin purges unreferenced files."""
    row = _commendation(session, commendation_id)
    reason = _may_change(session, actor, row, reason)
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="commendation",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=reason,
    )


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
    row = _commendation(session, commendation_id)
    _review(session, actor, row, approve=approve, reason=reason, on=on)
    session.commit()


def _review(
    session: Session,
    actor: Actor,
    row: Commendation,
    *,
    approve: bool,
    reason: str,
    on: date | None,
) -> None:
    if row.status != PROPOSED:
        raise ValidationError("guarantees.error.not_proposed", field="status")
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=not approve)
    years.require_open(session, actor, row.year)
    before = audit.snapshot(row)
    row.status = APPROVED if approve else RETURNED
    row.return_reason = "" if approve else reason
    row.awarded_on = (on or clock.today()) if approve else None
    row.shown_online = approve
    row.reviewed_by_id = actor.id
    row.reviewed_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="commendation",
        entity_id=audit.key_of(row),
        township_id=row.township_id,
        before=before,
        after=audit.snapshot(row),
    )


def approve_many(
    session: Session, actor: Actor, commendation_ids: Sequence[int], *, on: date
) -> None:
    """District admin: approve several proposals at once (a year's commendation meeting), each
    under the same checks as ``review``, in one transaction."""
    require_admin(actor)
    try:
        for commendation_id in commendation_ids:
            row = _commendation(session, commendation_id)
            _review(session, actor, row, approve=True, reason="", on=on)
    except Exception:
        session.rollback()
        raise
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
