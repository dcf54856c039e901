"""Recording a notification as issued, in one step, from the file the clerk issued.

The T09 record is made by the notification service (``contact_days.add_notification``, which checks
the permission, the date and the title, audits and commits); the file is checked and stored as
supervision evidence is (``evidence.store_file``) and linked to the record.
"""

from datetime import date

import pandas as pd
from sqlmodel import Session, select

from models import IssuedDocument, Notification
from models.enums import NotificationKind
from services import audit, contact_days, evidence
from services.documents.periods import Period
from services.permissions import Actor, require_read, require_write


def record_issued(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: NotificationKind,
    period: Period,
    issued_on: date,
    title: str,
    file_name: str,
    data: bytes,
    today: date | None = None,
) -> int:
    """Create the notification record of ``kind`` issued on ``issued_on`` and keep the file as
    its evidence; returns the notification's id."""
    require_write(actor, township_id)
    accepted = evidence.check_upload(evidence.Upload(name=file_name, data=data))
    # A refused file raises above and writes nothing.
    notification_id = contact_days.add_notification(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        issued_on=issued_on,
        title=title,
        today=today,
    )
    # Stored under its content hash: storing the same file twice keeps one copy.
    ref = evidence.store_file(accepted)
    row = IssuedDocument(
        notification_id=notification_id,
        township_id=township_id,
        period=period.code,
        evidence=ref,
        entered_by_id=actor.id,
    )
    audit.insert(session, actor, row, entity="issued_document", township_id=township_id)
    return notification_id


def issued_documents(session: Session, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    """The unit's notifications of ``year`` issued from a file: id, kind, issued_on, title,
    period, evidence (the file's evidence line)."""
    require_read(actor, township_id)
    rows = session.exec(
        select(Notification, IssuedDocument.period, IssuedDocument.evidence)
        .join(IssuedDocument, IssuedDocument.notification_id == Notification.id)
        .where(
            Notification.township_id == township_id,
            Notification.issued_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(Notification.issued_on.desc(), Notification.id.desc())
    ).all()
    columns = ["id", "kind", "issued_on", "title", "period", "evidence"]
    return pd.DataFrame(
        [(n.id, NotificationKind(n.kind).value, n.issued_on, n.title, p, e) for n, p, e in rows],
        columns=columns,
    )
