"""Enumerations shared by the tables. Values are stable codes; labels live in the i18n catalogs."""

from enum import StrEnum


class UnitType(StrEnum):
    """Kind of township-level unit. Towns and townships hold a people's congress, with its
    presidium; sub-districts have a working committee of the district congress instead."""

    town = "town"
    township = "township"
    subdistrict = "subdistrict"

    @property
    def has_congress(self) -> bool:
        """Whether units of this type hold a people's congress and so have a presidium,
        presidium meetings and township-level deputies: a fact of the law, not a rule."""
        return self in (UnitType.town, UnitType.township)

    @classmethod
    def with_congress(cls) -> tuple["UnitType", ...]:
        """The types that have a congress, for a SQL ``IN`` on a unit's type."""
        return tuple(u for u in cls if u.has_congress)


class Role(StrEnum):
    district_admin = "district_admin"
    district_leader = "district_leader"
    township_staff = "township_staff"


class DeputyLevel(StrEnum):
    """The five levels of deputies (五级代表)."""

    national = "national"
    provincial = "provincial"
    city = "city"
    county = "county"
    township = "township"


def on_theme(activity_theme: str | None, year_themes: list[str] | tuple[str, ...]) -> bool:
    """Whether an integrated activity was held on one of the district's themes of the year (any
    activity counts when the year sets no theme)."""
    themes = {t.strip() for t in year_themes if t.strip()}
    return not themes or (activity_theme or "").strip() in themes


def levels_in(text: str | None) -> frozenset[str]:
    """The distinct deputy levels named in a comma-separated list; unknown codes are ignored.
    An integrated activity "of several levels" names two or more."""
    valid = {lv.value for lv in DeputyLevel}
    return frozenset(part.strip() for part in (text or "").split(",")) & valid


class MeetingKind(StrEnum):
    congress_session = "congress_session"
    presidium = "presidium"


class SupervisionKind(StrEnum):
    inspection = "inspection"
    survey = "survey"
    law_enforcement_check = "law_enforcement_check"
    special_inquiry = "special_inquiry"
    appraisal = "appraisal"


class SupervisionStage(StrEnum):
    """The five stages of closed-loop supervision, in order, then closed."""

    investigation = "investigation"
    deliberation = "deliberation"
    assignment = "assignment"
    follow_up = "follow_up"
    feedback = "feedback"
    closed = "closed"


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class VisitKind(StrEnum):
    deputy = "deputy"
    voter = "voter"


class NotificationKind(StrEnum):
    presidium_work = "presidium_work"
    deputy_performance = "deputy_performance"


class PlatformKind(StrEnum):
    home = "home"
    station = "station"
    point = "point"


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    login = "login"
    logout = "logout"
    login_failed = "login_failed"
