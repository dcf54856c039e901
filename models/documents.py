"""Documents issued from the records: the file of a notification, kept as its evidence."""

from sqlmodel import Field

from models.base import Recorded


class IssuedDocument(Recorded, table=True):
    """The file a notification (T09) was issued as: an evidence line naming the stored file
    (``file:uploads/<sha256>.docx``) and the period it reports on."""

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True, unique=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    period: str = Field(max_length=10)
    evidence: str = Field(max_length=200)
