"""The year's rule set: the DOMAIN.md defaults as data, validated with pydantic, stored per year.

Every target, deadline, fund limit, weight and grade threshold the services use comes from here.
"""

import copy
import functools
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, func, select

from models import RuleSet as RuleSetRow
from models.enums import SupervisionKind, SupervisionStage, UnitType
from services import audit
from services.errors import NotFound
from services.permissions import Actor, require_admin
from services.working_days import is_working_day

RULES_DIR = Path(__file__).resolve().parents[1] / "seed" / "rules"
TASK_CODES = tuple(f"T{n:02d}" for n in range(1, 11))
_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchedulePoint(_Strict):
    """A point of a count task's schedule: by ``by`` (MM-DD) the cumulative count ``expected``.
    A ``deadline`` missed makes the task overdue; a ``pace`` point fallen short of makes it
    behind only (see services.task_status)."""

    by: str = Field(description="month-day, MM-DD")
    expected: float = Field(ge=0)
    kind: Literal["deadline", "pace"] = "deadline"

    @field_validator("by")
    @classmethod
    def _month_day(cls, v: str) -> str:
        if not _MMDD.match(v):
            raise PydanticCustomError("rule_month_day", "must be MM-DD, e.g. 06-30")
        date(2024, int(v[:2]), int(v[3:]))  # a leap year admits 02-29
        return v

    def on(self, year: int) -> date:
        month, day = int(self.by[:2]), int(self.by[3:])
        if (month, day) == (2, 29):
            try:
                return date(year, 2, 29)
            except ValueError:
                return date(year, 2, 28)
        return date(year, month, day)


class TaskRule(_Strict):
    code: Literal[TASK_CODES]  # type: ignore[valid-type]
    aspect: Literal["meetings", "supervision", "deputies", "guarantees"]
    applies_to: list[UnitType] = Field(min_length=1)
    weight: float = Field(ge=0)
    target: float = Field(ge=0)
    schedule: list[SchedulePoint] = Field(default_factory=list)
    # Short of a deadline's figure within this many days before it is behind (0: no warning).
    warn_days: int = Field(default=0, ge=0, le=366)

    @field_validator("schedule")
    @classmethod
    def _ordered(cls, v: list[SchedulePoint]) -> list[SchedulePoint]:
        keys = [d.by for d in v]
        if keys != sorted(keys) or len(set(keys)) != len(keys):
            raise PydanticCustomError(
                "rule_schedule_order", "dates must be distinct and in calendar order"
            )
        counts = [d.expected for d in v]
        if counts != sorted(counts):
            raise PydanticCustomError("rule_schedule_counts", "expected counts must not decrease")
        if v and v[-1].by == "12-31" and v[-1].kind != "deadline":
            raise PydanticCustomError(
                "rule_schedule_year_end", "the year's end (12-31) is always a deadline"
            )
        return v


class Checklist(_Strict):
    tasks: list[TaskRule]

    @field_validator("tasks")
    @classmethod
    def _all_ten(cls, v: list[TaskRule]) -> list[TaskRule]:
        codes = [t.code for t in v]
        if sorted(codes) != list(TASK_CODES):
            raise PydanticCustomError(
                "rule_tasks", "needs each of {codes} exactly once", {"codes": ", ".join(TASK_CODES)}
            )
        return sorted(v, key=lambda t: t.code)


class ContactDayRule(_Strict):
    day_of_month: int = Field(ge=1, le=28)
    tolerance: Literal["exact", "nearest_working_day"]
    min_participation: float = Field(ge=0, le=1)
    three_links_labels: list[str] = Field(min_length=1)
    # The district's exceptions to China's official working calendar (services.working_days).
    local_holidays: list[date] = Field(default_factory=list)
    local_working_days: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exceptions_apart(self) -> "ContactDayRule":
        both = sorted(set(self.local_holidays) & set(self.local_working_days))
        if both:
            raise PydanticCustomError(
                "rule_calendar_both",
                "a day cannot be both a local holiday and a local working day: {days}",
                {"days": ", ".join(d.isoformat() for d in both)},
            )
        return self

    def working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day under the official calendar and these exceptions."""
        return is_working_day(
            day, holidays=self.local_holidays, working_days=self.local_working_days
        )


class LinkageRule(_Strict):
    deputies_per_presidium_member: int = Field(ge=1)
    voters_per_deputy: int = Field(ge=1)


class SupervisionRule(_Strict):
    activity_kinds: list[SupervisionKind] = Field(min_length=1)
    unsatisfied_returns_to: SupervisionStage
    closure_target: float = Field(ge=0, le=1)
    stage_deadline_days: dict[SupervisionStage, int]

    @field_validator("stage_deadline_days")
    @classmethod
    def _five_stages(cls, v: dict[SupervisionStage, int]) -> dict[SupervisionStage, int]:
        stages = [s for s in SupervisionStage if s != SupervisionStage.closed]
        missing = [s.value for s in stages if s not in v]
        if missing or SupervisionStage.closed in v:
            raise PydanticCustomError(
                "rule_stages",
                "needs days for exactly: {stages}",
                {"stages": ", ".join(s.value for s in stages)},
            )
        if any(d <= 0 for d in v.values()):
            raise PydanticCustomError("rule_days_positive", "days must be positive")
        return v


class PlatformRule(_Strict):
    """The items a platform is checked on once a year: the eight haves (八有) and the items the
    2.0 guidelines add, each a code (its label is in the catalogs, else the code is shown)."""

    eight_haves: list[str] = Field(min_length=1)
    v2_items: list[str] = Field(default_factory=list)

    @property
    def items(self) -> list[str]:
        """Every item a platform is checked on, the eight haves first."""
        return [*self.eight_haves, *self.v2_items]

    @model_validator(mode="after")
    def _unique_items(self) -> "PlatformRule":
        codes = self.items
        if len(set(codes)) != len(codes) or any(not c.strip() for c in codes):
            raise PydanticCustomError("rule_unique_codes", "item codes must be unique")
        return self


class FundCategory(_Strict):
    code: str = Field(pattern=r"^[a-z_]+$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FundRule(_Strict):
    per_deputy_activity_yuan: Decimal = Field(ge=0, decimal_places=2)
    lost_work_subsidy_monthly_yuan: Decimal = Field(ge=0, decimal_places=2)
    district_share: Decimal = Field(ge=0, le=1)
    township_share: Decimal = Field(ge=0, le=1)
    approval_threshold_yuan: Decimal = Field(ge=0, decimal_places=2)
    banned_purposes: list[str]
    categories: list[FundCategory] = Field(min_length=1)
    # The fund rules (codes F01..F11) a record breaking them may still be saved for, as a
    # justified exception the district admin approves; a prohibition is not in this list.
    exception_allowed: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shares(self) -> "FundRule":
        if self.district_share + self.township_share != Decimal("1"):
            raise PydanticCustomError("rule_shares", "district_share + township_share must equal 1")
        codes = [c.code for c in self.categories]
        if len(set(codes)) != len(codes):
            raise PydanticCustomError("rule_unique_codes", "category codes must be unique")
        if any(not re.fullmatch(r"F\d\d", c) for c in self.exception_allowed):
            raise PydanticCustomError("rule_fund_codes", "exception_allowed lists fund rule codes")
        return self


class ReportingRule(_Strict):
    # A record entered more than this many days after the fact it records is flagged as late.
    late_after_days: int = Field(ge=0, le=366)


class Grade(_Strict):
    code: Literal["excellent", "good", "pass", "fail"]
    min: float = Field(ge=0, le=100)


class AppraisalWeights(_Strict):
    checklist: float = Field(ge=0)
    supervision: float = Field(ge=0)
    platforms: float = Field(ge=0)
    organisation: float = Field(ge=0)
    funds: float = Field(ge=0)
    integrated: float = Field(ge=0)


class Adjustment(_Strict):
    """A bonus (positive) or deduction (negative) line of the appraisal for one unit."""

    township: str = Field(min_length=1, description="the unit's code")
    points: float = Field(ge=-100, le=100)
    reason: str = Field(min_length=1, max_length=200)


class Appraisal(_Strict):
    weights: AppraisalWeights
    grades: list[Grade] = Field(min_length=1)
    adjustments: list[Adjustment] = Field(default_factory=list)

    @field_validator("grades")
    @classmethod
    def _descending(cls, v: list[Grade]) -> list[Grade]:
        mins = [g.min for g in v]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise PydanticCustomError(
                "rule_grades_order", "grades must go from the highest threshold down"
            )
        if mins[-1] != 0:
            raise PydanticCustomError("rule_grades_zero", "the last grade must start at 0")
        return v


class Rewards(_Strict):
    excellent_yuan: Decimal = Field(ge=0, decimal_places=2)
    outstanding_platform_yuan: Decimal = Field(ge=0, decimal_places=2)
    distinctive_activities_yuan: Decimal = Field(ge=0, decimal_places=2)
    # A platform result is outstanding when this share of all platform check items is met.
    outstanding_platform_min_share: float = Field(ge=0, le=1)
    # Deputy activities are distinctive with at least this many integrated activities in the
    # year, involving at least this many of the five levels in one activity.
    distinctive_min_activities: int = Field(ge=0)
    distinctive_min_levels: int = Field(ge=1, le=5)


class RuleSet(_Strict):
    year: int = Field(ge=2000, le=2100)
    # The district's themes of integrated activities this year: T10 counts an activity on one
    # of them; with no theme set, every activity counts.
    themes: list[str] = Field(default_factory=list)
    checklist: Checklist
    contact_day: ContactDayRule
    linkage: LinkageRule
    supervision: SupervisionRule
    platforms: PlatformRule
    funds: FundRule
    appraisal: Appraisal
    rewards: Rewards
    reporting: ReportingRule

    @model_validator(mode="after")
    def _checklist_weight(self) -> "RuleSet":
        total = sum(t.weight for t in self.checklist.tasks)
        if abs(total - self.appraisal.weights.checklist) > 1e-9:
            raise PydanticCustomError(
                "rule_weights",
                "checklist task weights add up to {total}, "
                "but appraisal.weights.checklist is {checklist}",
                {"total": f"{total:g}", "checklist": f"{self.appraisal.weights.checklist:g}"},
            )
        return self

    def task(self, code: str) -> TaskRule:
        return next(t for t in self.checklist.tasks if t.code == code)


@dataclass(frozen=True)
class RuleProblem:
    """One reason a rule set does not validate: where, what kind (pydantic's error type or one
    of ours named ``rule_*``), its figures, and the English message for logs and the CLI."""

    path: str
    type: str
    message: str
    ctx: dict[str, str] = field(default_factory=dict)


class RuleSetError(ValueError):
    """A rule set that does not validate; ``details`` holds each problem with its kind, for the
    screens to say in the user's language."""

    def __init__(self, source: str, details: Iterable[RuleProblem]) -> None:
        self.source = source
        self.details = list(details)
        lines = "\n".join(f"  {key}: {msg}" for key, msg in self.problems)
        super().__init__(f"invalid rule set {source}:\n{lines}")

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(key path, English message) pairs."""
        return [(d.path, d.message) for d in self.details]


def _key_path(loc: tuple) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]"] if parts else [f"[{p}]"]
        else:
            parts.append(str(p))
    return ".".join(parts) or "(root)"


def parse(data: dict, *, source: str = "<data>") -> RuleSet:
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        details = [
            RuleProblem(
                _key_path(e["loc"]),
                e["type"],
                e["msg"],
                {k: str(v) for k, v in (e.get("ctx") or {}).items() if k != "error"},
            )
            for e in exc.errors()
        ]
        raise RuleSetError(source, details) from None


def load_toml(path: Path) -> RuleSet:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(str(path), [RuleProblem("(file)", "rule_file", str(exc))]) from None
    return parse(data, source=str(path))


def default_rules_path(year: int) -> Path:
    return RULES_DIR / f"{year}.toml"


def _default_data(year: int) -> dict:
    """The seed file of that year, or of the nearest earlier (else the earliest) year (a copy:
    the caller may change it)."""
    paths = sorted(RULES_DIR.glob("*.toml"))
    earlier = [p for p in paths if int(p.stem) <= year]
    path = earlier[-1] if earlier else paths[0]
    return copy.deepcopy(_seed_file(path))


@functools.lru_cache(maxsize=16)
def _seed_file(path: Path) -> dict:
    # Read once per process: every read of the rules completes the stored set from it.
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _merge_missing(stored: dict, defaults: dict) -> dict:
    merged = dict(stored)
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = _merge_missing(merged[key], value)
    return merged


def _tasks_with_defaults(stored: list, defaults: list) -> list:
    """Each stored task completed from the default task of the same code: ``warn_days``, and
    the ``kind`` of a schedule point saved before points had kinds (the default point of the
    same date, else a deadline)."""
    by_code = {t.get("code"): t for t in defaults if isinstance(t, dict)}
    out = []
    for task in stored:
        default = by_code.get(task.get("code"), {}) if isinstance(task, dict) else {}
        if not default:
            out.append(task)
            continue
        kinds = {p.get("by"): p.get("kind", "deadline") for p in default.get("schedule", [])}
        task = dict(task)
        task.setdefault("warn_days", default.get("warn_days", 0))
        task["schedule"] = [
            p if "kind" in p else p | {"kind": kinds.get(p.get("by"), "deadline")}
            for p in task.get("schedule", [])
        ]
        out.append(task)
    return out


def _with_defaults(content: dict) -> dict:
    """A stored rule set with settings added to the rules since it was saved taken from the
    defaults, so an older database keeps working after an upgrade; stored values always win.
    A rule set stored with one ``theme`` reads as ``themes`` holding it."""
    content = dict(content)
    if "theme" in content:
        theme = str(content.pop("theme") or "").strip()
        content.setdefault("themes", [theme] if theme else [])
    defaults = _default_data(int(content.get("year", 0)))
    merged = _merge_missing(content, defaults)
    tasks = merged.get("checklist", {}).get("tasks")
    if isinstance(tasks, list):
        merged["checklist"] = merged["checklist"] | {
            "tasks": _tasks_with_defaults(tasks, defaults["checklist"]["tasks"])
        }
    return merged


def to_content(rules: RuleSet) -> dict:
    return rules.model_dump(mode="json")


def install_defaults(session: Session) -> list[int]:
    """Store the seed file of every year that has no rule set yet. Returns the years added."""
    added = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        rules = load_toml(path)
        if session.exec(select(RuleSetRow.id).where(RuleSetRow.year == rules.year)).first():
            continue
        session.add(
            RuleSetRow(year=rules.year, version=1, content=to_content(rules), note=path.name)
        )
        added.append(rules.year)
    session.commit()
    return added


def first_year(session: Session) -> int | None:
    """The earliest year with a stored rule set: no year before it can be assessed."""
    return session.exec(select(func.min(RuleSetRow.year))).one()


def _stored(row: RuleSetRow) -> RuleSet:
    """A stored rule set completed from the defaults and validated."""
    text = json.dumps(row.content, sort_keys=True, ensure_ascii=False)
    return _parsed(text, f"rule set {row.year} v{row.version}")


@functools.lru_cache(maxsize=32)
def _parsed(content: str, source: str) -> RuleSet:
    # A pure function of the stored text (and the seed files of the release): a page reads the
    # rules from a dozen services, and each would otherwise complete and validate them again.
    # The models are frozen, so every caller may share the answer.
    return parse(_with_defaults(json.loads(content)), source=source)


def get_rules(session: Session, year: int) -> RuleSet:
    """The latest version of the year's rule set (falling back to the nearest earlier year)."""
    row = session.exec(
        select(RuleSetRow)
        .where(RuleSetRow.year <= year)
        .order_by(RuleSetRow.year.desc(), RuleSetRow.version.desc())
    ).first()
    if row is None:
        raise NotFound("error.rules.missing", year=year)
    rules = _stored(row)
    if rules.year != year:
        rules = rules.model_copy(update={"year": year})
    return rules


def rules_of_years(session: Session, years: Iterable[int]) -> dict[int, RuleSet]:
    """The rules of several years in one read: for each, what ``get_rules`` gives, and for a year
    before the first stored rule set the first one (items carried over from before the
    platform), as ``services.supervision.rules_of_year``."""
    wanted = sorted(set(years))
    if not wanted:
        return {}
    rows = session.exec(
        select(RuleSetRow)
        .where(RuleSetRow.year <= max(wanted))
        .order_by(RuleSetRow.year, RuleSetRow.version)
    ).all()
    if not rows:
        raise NotFound("error.rules.missing", year=wanted[0])
    latest: dict[int, RuleSetRow] = {}
    for row in rows:  # in order: the last version of each year stays
        latest[row.year] = row
    parsed: dict[int, RuleSet] = {}
    out = {}
    for year in wanted:
        stored = max((y for y in latest if y <= year), default=min(latest))
        if stored not in parsed:
            parsed[stored] = _stored(latest[stored])
        rules = parsed[stored]
        out[year] = rules if rules.year == year else rules.model_copy(update={"year": year})
    return out


def save_rules(session: Session, actor: Actor, data: dict, *, note: str = "") -> int:
    """Validate and store a new version of a year's rules; returns the version number."""
    require_admin(actor)
    rules = parse(data, source="edited rule set")
    latest = session.exec(
        select(func.max(RuleSetRow.version)).where(RuleSetRow.year == rules.year)
    ).one()
    before = get_rules(session, rules.year) if latest else None
    version = (latest or 0) + 1
    row = RuleSetRow(
        year=rules.year,
        version=version,
        content=to_content(rules),
        created_by_id=actor.id,
        note=note,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action="update" if before else "create",
        entity="ruleset",
        entity_id=row.id,
        before=to_content(before) if before else None,
        after=row.content,
    )
    session.commit()
    return version
