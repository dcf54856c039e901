"""SQLModel tables. Importing this package registers every table on ``SQLModel.metadata``."""

from models.activities import ActivityDeputy, Commendation, IntegratedActivity
from models.documents import IssuedDocument
from models.enums import (
    AuditAction,
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    PlatformKind,
    Rating,
    Role,
    SupervisionKind,
    SupervisionStage,
    UnitType,
    VisitKind,
)
from models.figures import FigureStamp, UnitFigure
from models.funds import Budget, Expense
from models.linkage import ContactDay, ContactDayParticipant, Notification, Opinion, Visit
from models.meetings import Meeting, SupervisionTopic
from models.org import County, OrgGuarantee, Township
from models.people import Constituency, Deputy, PresidiumLink, Voter, VoterLink
from models.platforms import Platform, PlatformCheck, PlatformDeputy
from models.rules import RuleSet, TaskMark, YearClose
from models.supervision import SupervisionActivity, SupervisionItem, SupervisionStageEvent
from models.system import AppMeta
from models.users import AuditLog, LoginThrottle, User, UserSession

__all__ = [
    "ActivityDeputy",
    "AppMeta",
    "AuditAction",
    "AuditLog",
    "Budget",
    "Commendation",
    "Constituency",
    "ContactDay",
    "ContactDayParticipant",
    "County",
    "Deputy",
    "DeputyLevel",
    "Expense",
    "FigureStamp",
    "IntegratedActivity",
    "IssuedDocument",
    "LoginThrottle",
    "Meeting",
    "MeetingKind",
    "Notification",
    "NotificationKind",
    "Opinion",
    "OrgGuarantee",
    "Platform",
    "PlatformCheck",
    "PlatformDeputy",
    "PlatformKind",
    "PresidiumLink",
    "Rating",
    "Role",
    "RuleSet",
    "SupervisionActivity",
    "SupervisionItem",
    "SupervisionKind",
    "SupervisionStage",
    "SupervisionStageEvent",
    "SupervisionTopic",
    "TaskMark",
    "Township",
    "UnitFigure",
    "UnitType",
    "User",
    "UserSession",
    "Visit",
    "VisitKind",
    "Voter",
    "VoterLink",
    "YearClose",
]
