"""Funding (经费保障): budgets and expenses checked against the fund rules, and rewards (奖补).

Every default funding rule of the district's measures is a check with a code, a severity and a
catalog message ``funds.rule.<code>.<variant>`` (both languages) whose parameters are plain values
(Decimal yuan, dates, counts, codes); the screens format them. All limits come from the year's
rule set (``services.rules.get_rules``):

    F01 error    an amount is positive with at most two decimals
    F02 error    every expense has a receipt number
    F03 error    a receipt number is used once district-wide (a reuse flags every unit using it)
    F04 error    no banned purpose (``funds.banned_purposes``, substring of purpose or payee)
    F05 error    a single expense over ``funds.approval_threshold_yuan`` has a recorded
                 presidium approval (the flag and its reference)
    F06 error    an expense falls inside its budget year (1 Jan .. 31 Dec)
    F07 error    an expense's category is one of the year's categories and has a budget
    F08 error    no category spends over its budget
    F09 error    a budget's district and township shares add up to it and follow
                 ``funds.district_share`` / ``funds.township_share`` (less than 0.01 off)
    F10 warning  the deputy-activity budget is at least ``funds.per_deputy_activity_yuan`` per
                 active deputy of the unit
    F11 error    lost-work subsidies paid stay within ``funds.lost_work_subsidy_monthly_yuan``
                 × 12 × active deputies without a fixed income

A clerk may still save an expense that breaks an error-level rule by giving a reason: the
expense is then a justified exception, and its violations stay listed with that reason.

Money is integer fen (分) in the database, summed there as integers, and ``Decimal`` yuan in
Python; no float is involved anywhere.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, distinct, extract, not_, or_
from sqlmodel import Session, func, select

from models import (
    Budget,
    Deputy,
    Expense,
    Township,
)
from models.base import utcnow
from models.enums import AuditAction, DeputyLevel, UnitType
from services import audit
from services.errors import NotFound, ValidationError
from services.permissions import Actor, readable_township_ids, require_write
from services.rules import RuleSet, get_rules
from services.validation import clean_text

CENT = Decimal("0.01")
# Sanity bounds on typed input, not funding rules: a single amount above 100 million yuan or a
# date more than five years back is a typing slip.
MAX_YUAN = Decimal("100000000.00")
MAX_PAST_YEARS = 5
MONTHS_PER_YEAR = 12
# The rule set's category codes that two rules refer to; a rule set without them skips the rule.
DEPUTY_ACTIVITIES = "deputy_activities"
LOST_WORK = "lost_work"

_DIGITS = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_CATEGORY = re.compile(r"^[a-z_]{1,40}$")


class Severity(StrEnum):
    error = "error"
    warning = "warning"


SEVERITY: dict[str, Severity] = {
    "F01": Severity.error,
    "F02": Severity.error,
    "F03": Severity.error,
    "F04": Severity.error,
    "F05": Severity.error,
    "F06": Severity.error,
    "F07": Severity.error,
    "F08": Severity.error,
    "F09": Severity.error,
    "F10": Severity.warning,
    "F11": Severity.error,
}
RULE_CODES = tuple(SEVERITY)


# ---------------------------------------------------------------------------------------------
# Money


def parse_yuan(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """Yuan typed by a user ("1,234.50", "¥80", "１２．５") as an exact Decimal with two places.

    Refuses floats (already inexact), NaN and infinities, signs, exponents, more than two
    decimals, zero (unless ``allow_zero``) and amounts over ``MAX_YUAN``.
    """
    if isinstance(value, bool | float):
        raise ValidationError("funds.error.amount_invalid", field=field)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError("funds.error.amount_invalid", field=field)
        amount = value
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        text = text.removeprefix("¥").strip()
        if not text:
            raise ValidationError("funds.error.amount_required", field=field)
        if text.startswith("-"):
            raise ValidationError("funds.error.amount_negative", field=field)
        if not _DIGITS.match(text):
            raise ValidationError("funds.error.amount_invalid", field=field)
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            raise ValidationError("funds.error.amount_invalid", field=field) from None
    else:
        raise ValidationError("funds.error.amount_invalid", field=field)
    if amount < 0:
        raise ValidationError("funds.error.amount_negative", field=field)
    if amount > MAX_YUAN:
        raise ValidationError("funds.error.amount_too_large", field=field, max=MAX_YUAN)
    if amount != amount.quantize(CENT):
        raise ValidationError("funds.error.amount_decimals", field=field)
    if amount == 0 and not allow_zero:
        raise ValidationError("funds.error.amount_zero", field=field)
    return amount.quantize(CENT)


def to_fen(amount: Decimal) -> int:
    """Decimal yuan with at most two places as integer fen."""
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(fen)


def to_yuan(fen: int | Decimal | None) -> Decimal:
    """Integer fen (a SQL SUM may come back as Decimal on PostgreSQL) as Decimal yuan."""
    return Decimal(int(fen or 0)).scaleb(-2)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class RecordRef:
    """A record behind a violation. ``id`` None is the draft being checked before saving."""

    kind: str  # "expense" or "budget"
    id: int | None
    township_id: int
    ref: str = ""  # an expense's receipt number; a budget's category code
    occurred_on: date | None = None
    amount: Decimal | None = None
    exception_reason: str = ""


@dataclass(frozen=True)
class Violation:
    code: str
    severity: Severity
    township_id: int
    key: str
    params: dict[str, Any]
    records: tuple[RecordRef, ...] = ()
    category: str | None = None

    @property
    def expense_ids(self) -> list[int]:
        return [r.id for r in self.records if r.kind == "expense" and r.id is not None]

    @property
    def excepted(self) -> bool:
        """Saved as a justified exception: every record that caused it carries a reason (the
        expenses behind it, or the budget line when no expense is involved)."""
        own = [r for r in self.records if r.kind == "expense"] or [
            r for r in self.records if r.kind == "budget"
        ]
        return bool(own) and all(r.exception_reason for r in own)

    @property
    def exception_reasons(self) -> str:
        reasons = [r.exception_reason for r in self.records if r.exception_reason]
        return "; ".join(dict.fromkeys(reasons))


class RuleViolationError(ValidationError):
    """A write refused because it breaks fund rules; ``violations`` says which and why."""

    def __init__(self, violations: list[Violation]) -> None:
        codes = ", ".join(dict.fromkeys(v.code for v in violations))
        super().__init__("funds.error.rule_broken", codes=codes)
        self.violations = violations


@dataclass(frozen=True)
class ExpenseDraft:
    township_id: int
    occurred_on: date
    budget_year: int
    category: str
    amount: Decimal
    payee: str
    purpose: str
    receipt_no: str
    presidium_approved: bool = False
    approval_ref: str = ""


@dataclass(frozen=True)
class BudgetDraft:
    township_id: int
    year: int
    category: str
    amount: Decimal
    district_share: Decimal
    township_share: Decimal


@dataclass(frozen=True)
class SavedExpense:
    id: int
    violations: tuple[Violation, ...]
    flagged: bool


@dataclass(frozen=True)
class SavedBudget:
    id: int
    violations: tuple[Violation, ...]
    flagged: bool


@dataclass(frozen=True)
class RewardRow:
    township_id: int
    name_zh: str
    name_en: str
    grade: str | None
    excellent: bool
    excellent_yuan: Decimal
    platform_ok: int
    platform_items: int
    platform_outstanding: bool
    platform_yuan: Decimal
    activities: int
    max_levels: int
    distinctive: bool
    activities_yuan: Decimal

    @property
    def platform_share(self) -> Fraction | None:
        return Fraction(self.platform_ok, self.platform_items) if self.platform_items else None

    @property
    def total_yuan(self) -> Decimal:
        return self.excellent_yuan + self.platform_yuan + self.activities_yuan


@dataclass(frozen=True)
class RewardReport:
    year: int
    as_of: date
    rows: tuple[RewardRow, ...]

    @property
    def total_yuan(self) -> Decimal:
        return sum((r.total_yuan for r in self.rows), Decimal("0.00"))


# ---------------------------------------------------------------------------------------------
# Input


def _year(value: Any, field: str, today: date) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("funds.error.year_range", field=field)
    first, last = today.year - MAX_PAST_YEARS, today.year + 1
    if not first <= value <= last:
        raise ValidationError("funds.error.year_range", field=field, first=first, last=last)
    return value


def _category(value: Any) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not _CATEGORY.match(code):
        raise ValidationError("funds.error.category", field="category")
    return code


def prepare_expense(
    *,
    township_id: int,
    occurred_on: date,
    budget_year: int,
    category: str,
    amount: Any,
    payee: str,
    purpose: str,
    receipt_no: str = "",
    presidium_approved: bool = False,
    approval_ref: str = "",
    today: date | None = None,
) -> ExpenseDraft:
    """An expense as typed, cleaned and checked for bad input (not yet for the fund rules)."""
    today = today or date.today()
    if isinstance(occurred_on, datetime):
        occurred_on = occurred_on.date()
    if not isinstance(occurred_on, date):
        raise ValidationError("funds.error.date_required", field="occurred_on")
    if occurred_on > today:
        raise ValidationError("funds.error.date_future", field="occurred_on")
    if occurred_on.year < today.year - MAX_PAST_YEARS:
        raise ValidationError("funds.error.date_far", field="occurred_on", n=MAX_PAST_YEARS)
    return ExpenseDraft(
        township_id=township_id,
        occurred_on=occurred_on,
        budget_year=_year(budget_year, "budget_year", today),
        category=_category(category),
        amount=parse_yuan(amount, field="amount"),
        payee=clean_text(payee, field="payee", limit=100, required=True),
        purpose=clean_text(purpose, field="purpose", limit=300, required=True),
        receipt_no=clean_text(receipt_no, field="receipt_no", limit=60),
        presidium_approved=bool(presidium_approved),
        approval_ref=clean_text(approval_ref, field="approval_ref", limit=100),
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces of the checks


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _category_codes(rules: RuleSet) -> list[str]:
    return [c.code for c in rules.funds.categories]


def _banned_words(rules: RuleSet, *texts: str) -> list[str]:
    haystack = [t.lower() for t in texts]
    return [
        w
        for w in dict.fromkeys(w.strip() for w in rules.funds.banned_purposes)
        if w and any(w.lower() in h for h in haystack)
    ]


def _approved(flag: bool, ref: str) -> bool:
    return bool(flag) and bool((ref or "").strip())


def _share_problem(
    amount: Decimal, district: Decimal, township: Decimal, rules: RuleSet
) -> tuple[str, dict[str, Any]] | None:
    """Why a budget's shares break F09, or None. Exact Decimal; the only slack is rounding to
    the fen: the district share may be less than 0.01 off its exact value, the township share
    then takes the remainder (at most 0.01 off its own)."""
    ds, ts = rules.funds.district_share, rules.funds.township_share
    params = {"amount": amount, "district": district, "township": township}
    if district + township != amount:
        return "sum", params
    exact_d, exact_t = amount * ds, amount * ts
    if abs(district - exact_d) >= CENT or abs(township - exact_t) > CENT:
        expected_d = exact_d.quantize(CENT, rounding=ROUND_HALF_UP)
        return "share", params | {
            "expected_district": expected_d,
            "expected_township": amount - expected_d,
            "district_pct": ds,
            "township_pct": ts,
        }
    return None


def default_shares(amount: Decimal, rules: RuleSet) -> tuple[Decimal, Decimal]:
    """The district and township shares of a budget amount under the year's rule."""
    district = (amount * rules.funds.district_share).quantize(CENT, rounding=ROUND_HALF_UP)
    return district, amount - district


def _deputy_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per unit: (active deputies, of them without a fixed income).

    Towns and townships count their township-level deputies; sub-districts have no township
    congress, so their district-level deputies count.
    """
    congress = Township.unit_type.in_(UnitType.with_congress())
    own_level = or_(
        and_(congress, Deputy.level == DeputyLevel.township),
        and_(~congress, Deputy.level == DeputyLevel.county),
    )
    stmt = (
        select(
            Deputy.township_id,
            func.count(Deputy.id),
            func.sum(case((Deputy.has_fixed_income.is_(False), 1), else_=0)),
        )
        .join(Township, Township.id == Deputy.township_id)
        .where(Deputy.active, own_level, Deputy.township_id.in_(ids))
        .group_by(Deputy.township_id)
    )
    return {tid: (int(n), int(no_income or 0)) for tid, n, no_income in session.exec(stmt).all()}


def _spent_fen(session: Session, township_id: int, year: int, category: str) -> int:
    return int(
        session.exec(
            select(func.coalesce(func.sum(Expense.amount_fen), 0)).where(
                Expense.township_id == township_id,
                Expense.budget_year == year,
                Expense.category == category,
            )
        ).one()
    )


def _budget_ref(row: Budget) -> RecordRef:
    return RecordRef(
        kind="budget",
        id=row.id,
        township_id=row.township_id,
        ref=row.category,
        amount=to_yuan(row.amount_fen),
        exception_reason=row.exception_reason or "",
    )


def _budget_row(session: Session, township_id: int, year: int, category: str) -> Budget | None:
    return session.exec(
        select(Budget).where(
            Budget.township_id == township_id, Budget.year == year, Budget.category == category
        )
    ).first()


# ---------------------------------------------------------------------------------------------
# Checks before saving


def check_expense(session: Session, draft: ExpenseDraft, rules: RuleSet) -> list[Violation]:
    """The violations the new expense would cause, for the form to show before saving."""
    tid = draft.township_id
    me = RecordRef(
        kind="expense",
        id=None,
        township_id=tid,
        ref=draft.receipt_no,
        occurred_on=draft.occurred_on,
        amount=draft.amount,
    )
    out: list[Violation] = []

    def add(code: str, variant: str, params: dict, *extra: RecordRef) -> None:
        out.append(
            Violation(
                code=code,
                severity=SEVERITY[code],
                township_id=tid,
                key=f"funds.rule.{code}.{variant}",
                params=params,
                records=(me, *extra),
                category=draft.category,
            )
        )

    if draft.amount <= 0 or draft.amount != draft.amount.quantize(CENT):
        add("F01", "msg", {"amount": draft.amount})
    receipt = draft.receipt_no.strip()
    if not receipt:
        add("F02", "msg", {})
    else:
        uses = session.exec(
            select(Expense.township_id, func.count(Expense.id))
            .where(Expense.receipt_no == receipt)
            .group_by(Expense.township_id)
        ).all()
        if uses:
            units = {t for t, _ in uses} | {tid}
            add(
                "F03",
                "msg",
                {"receipt": receipt, "uses": sum(n for _, n in uses) + 1, "units": len(units)},
            )
    if words := _banned_words(rules, draft.purpose, draft.payee):
        add("F04", "msg", {"words": tuple(words)})
    threshold = rules.funds.approval_threshold_yuan
    if draft.amount > threshold and not _approved(draft.presidium_approved, draft.approval_ref):
        add("F05", "msg", {"amount": draft.amount, "threshold": threshold})
    start, end = _year_bounds(draft.budget_year)
    if not start <= draft.occurred_on <= end:
        add("F06", "msg", {"occurred_on": draft.occurred_on, "budget_year": draft.budget_year})
    codes = _category_codes(rules)
    if draft.category not in codes:
        add("F07", "unknown", {"category": draft.category, "n": 1, "spent": draft.amount})
        return out
    budget = _budget_row(session, tid, draft.budget_year, draft.category)
    spent = to_yuan(_spent_fen(session, tid, draft.budget_year, draft.category)) + draft.amount
    if budget is None:
        add(
            "F07",
            "no_budget",
            {"category": draft.category, "year": draft.budget_year, "n": 1, "spent": draft.amount},
        )
    elif spent > to_yuan(budget.amount_fen):
        limit = to_yuan(budget.amount_fen)
        add(
            "F08",
            "msg",
            {"category": draft.category, "spent": spent, "budget": limit, "over": spent - limit},
            _budget_ref(budget),
        )
    if draft.category == LOST_WORK:
        deputies = _deputy_counts(session, [tid]).get(tid, (0, 0))[1]
        cap = _lost_work_cap(rules, deputies)
        if spent > cap:
            add("F11", "msg", _lost_work_params(rules, deputies, spent))
    return out


def _lost_work_cap(rules: RuleSet, deputies: int) -> Decimal:
    return rules.funds.lost_work_subsidy_monthly_yuan * MONTHS_PER_YEAR * deputies


def _lost_work_params(rules: RuleSet, deputies: int, spent: Decimal) -> dict[str, Any]:
    return {
        "spent": spent,
        "monthly": rules.funds.lost_work_subsidy_monthly_yuan,
        "months": MONTHS_PER_YEAR,
        "deputies": deputies,
        "cap": _lost_work_cap(rules, deputies),
    }


def _deputy_floor_params(rules: RuleSet, deputies: int, budget: Decimal) -> dict[str, Any]:
    per = rules.funds.per_deputy_activity_yuan
    return {"budget": budget, "per_deputy": per, "deputies": deputies, "required": per * deputies}


def check_budget(session: Session, draft: BudgetDraft, rules: RuleSet) -> list[Violation]:
    """The violations a budget line would cause: its shares (F09), the deputy-activity floor
    (F10) and spending already above it (F08)."""
    tid = draft.township_id
    existing = _budget_row(session, tid, draft.year, draft.category)
    me = RecordRef(
        kind="budget",
        id=existing.id if existing else None,
        township_id=tid,
        ref=draft.category,
        amount=draft.amount,
    )
    out: list[Violation] = []

    def add(code: str, variant: str, params: dict) -> None:
        out.append(
            Violation(
                code=code,
                severity=SEVERITY[code],
                township_id=tid,
                key=f"funds.rule.{code}.{variant}",
                params={"category": draft.category, **params},
                records=(me,),
                category=draft.category,
            )
        )

    if problem := _share_problem(draft.amount, draft.district_share, draft.township_share, rules):
        add("F09", *problem)
    if draft.category == DEPUTY_ACTIVITIES:
        deputies = _deputy_counts(session, [tid]).get(tid, (0, 0))[0]
        params = _deputy_floor_params(rules, deputies, draft.amount)
        if draft.amount < params["required"]:
            add("F10", "msg", params)
    spent = to_yuan(_spent_fen(session, tid, draft.year, draft.category))
    if spent > draft.amount:
        add("F08", "msg", {"spent": spent, "budget": draft.amount, "over": spent - draft.amount})
    return out


# ---------------------------------------------------------------------------------------------
# Writes


def _active_township(session: Session, township_id: int) -> Township:
    row = session.get(Township, township_id)
    if row is None or not row.active:
        raise NotFound("error.not_found.township", id=township_id)
    return row


def record_expense(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    occurred_on: date,
    budget_year: int,
    category: str,
    amount: Any,
    payee: str,
    purpose: str,
    receipt_no: str = "",
    presidium_approved: bool = False,
    approval_ref: str = "",
    exception_reason: str | None = None,
    today: date | None = None,
) -> SavedExpense:
    """Save an expense. An error-level violation refuses it (RuleViolationError) unless a
    non-empty ``exception_reason`` justifies it; the expense is then saved and flagged."""
    require_write(actor, township_id)
    _active_township(session, township_id)
    draft = prepare_expense(
        township_id=township_id,
        occurred_on=occurred_on,
        budget_year=budget_year,
        category=category,
        amount=amount,
        payee=payee,
        purpose=purpose,
        receipt_no=receipt_no,
        presidium_approved=presidium_approved,
        approval_ref=approval_ref,
        today=today,
    )
    reason = clean_text(exception_reason, field="exception_reason", limit=500)
    rules = get_rules(session, draft.budget_year)
    violations = check_expense(session, draft, rules)
    errors = [v for v in violations if v.severity == Severity.error]
    if errors and not reason:
        raise RuleViolationError(errors)
    row = Expense(
        township_id=township_id,
        occurred_on=draft.occurred_on,
        budget_year=draft.budget_year,
        category=draft.category,
        amount_fen=to_fen(draft.amount),
        payee=draft.payee,
        purpose=draft.purpose,
        receipt_no=draft.receipt_no,
        presidium_approved=draft.presidium_approved,
        approval_ref=draft.approval_ref,
        # A reason without anything to justify would flag a clean expense.
        exception_reason=reason if violations else "",
        entered_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="expense",
        entity_id=row.id,
        township_id=township_id,
        after=audit.snapshot(row),
    )
    session.commit()
    return SavedExpense(id=row.id, violations=tuple(violations), flagged=bool(row.exception_reason))


def set_budget(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    category: str,
    amount: Any,
    district_share: Any = None,
    township_share: Any = None,
    exception_reason: str | None = None,
    today: date | None = None,
) -> SavedBudget:
    """Create or replace a unit's budget line of a category for a year.

    Shares left empty follow the year's rule (the other one takes the remainder). Shares that
    break F09 are refused (RuleViolationError) unless a non-empty ``exception_reason`` justifies
    them; the line is then saved and stays flagged. Warnings (F08, F10) are saved and returned
    so the form can show them; a reason given with them is kept as well.
    """
    require_write(actor, township_id)
    _active_township(session, township_id)
    today = today or date.today()
    year = _year(year, "year", today)
    rules = get_rules(session, year)
    category = _category(category)
    if category not in _category_codes(rules):
        raise ValidationError("funds.error.category", field="category")
    amount = parse_yuan(amount, field="amount", allow_zero=True)
    empty = (None, "")
    if district_share in empty and township_share in empty:
        district, township = default_shares(amount, rules)
    elif township_share in empty:
        district = parse_yuan(district_share, field="district_share", allow_zero=True)
        township = amount - district
    elif district_share in empty:
        township = parse_yuan(township_share, field="township_share", allow_zero=True)
        district = amount - township
    else:
        district = parse_yuan(district_share, field="district_share", allow_zero=True)
        township = parse_yuan(township_share, field="township_share", allow_zero=True)
    draft = BudgetDraft(township_id, year, category, amount, district, township)
    reason = clean_text(exception_reason, field="exception_reason", limit=500)
    violations = check_budget(session, draft, rules)
    refused = [v for v in violations if v.code == "F09"]
    if refused and not reason:
        raise RuleViolationError(refused)
    row = _budget_row(session, township_id, year, category)
    before = audit.snapshot(row)
    if row is None:
        row = Budget(township_id=township_id, year=year, category=category, entered_by_id=actor.id)
    else:
        row.updated_at = utcnow()
    row.amount_fen = to_fen(amount)
    row.district_share_fen = to_fen(district)
    row.township_share_fen = to_fen(township)
    # A reason without anything to justify would flag a clean line.
    row.exception_reason = reason if violations else ""
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.update if before else AuditAction.create,
        entity="budget",
        entity_id=row.id,
        township_id=township_id,
        before=before,
        after=audit.snapshot(row),
    )
    session.commit()
    return SavedBudget(id=row.id, violations=tuple(violations), flagged=bool(row.exception_reason))


# ---------------------------------------------------------------------------------------------
# Reads


def _scope(session: Session, actor: Actor, township_id: int | None) -> list[Township]:
    """Active units the actor may read, in the district's order (one unit when asked)."""
    stmt = select(Township).where(Township.active).order_by(Township.sort_order, Township.id)
    ids = readable_township_ids(actor)
    if ids is not None:
        stmt = stmt.where(Township.id.in_(ids))
    if township_id is not None:
        stmt = stmt.where(Township.id == township_id)
    return list(session.exec(stmt).all())


@dataclass
class _Pending:
    code: str
    variant: str
    township_id: int
    params: dict[str, Any]
    expense_ids: tuple[int, ...] = ()
    extra: tuple[RecordRef, ...] = ()
    category: str | None = None


def fund_violations(
    session: Session,
    actor: Actor,
    *,
    year: int,
    township_id: int | None = None,
    rules: RuleSet | None = None,
) -> list[Violation]:
    """Every violation of the stored budgets and expenses of ``year`` (budget year), with the
    records behind each, for the units the actor may read; errors first."""
    rules = rules or get_rules(session, year)
    units = _scope(session, actor, township_id)
    if not units:
        return []
    ids = [u.id for u in units]
    order = {u.id: i for i, u in enumerate(units)}
    in_year = and_(Expense.budget_year == year, Expense.township_id.in_(ids))
    pending: list[_Pending] = []

    # F01: amounts are stored in fen, so only the sign can be wrong.
    for eid, tid, fen in session.exec(
        select(Expense.id, Expense.township_id, Expense.amount_fen).where(
            in_year, Expense.amount_fen <= 0
        )
    ).all():
        pending.append(_Pending("F01", "msg", tid, {"amount": to_yuan(fen)}, (eid,)))

    # F02
    for eid, tid in session.exec(
        select(Expense.id, Expense.township_id).where(in_year, func.trim(Expense.receipt_no) == "")
    ).all():
        pending.append(_Pending("F02", "msg", tid, {}, (eid,)))

    # F03: counted over every unit and year, reported to each unit that used the number.
    reused = (
        select(Expense.receipt_no)
        .where(func.trim(Expense.receipt_no) != "")
        .group_by(Expense.receipt_no)
        .having(func.count(Expense.id) > 1)
    )
    by_receipt: dict[tuple[int, str], list[int]] = defaultdict(list)
    for eid, tid, receipt in session.exec(
        select(Expense.id, Expense.township_id, Expense.receipt_no)
        .where(in_year, Expense.receipt_no.in_(reused))
        .order_by(Expense.id)
    ).all():
        by_receipt[(tid, receipt)].append(eid)
    if by_receipt:
        totals = {
            receipt: (int(n), int(u))
            for receipt, n, u in session.exec(
                select(
                    Expense.receipt_no,
                    func.count(Expense.id),
                    func.count(distinct(Expense.township_id)),
                )
                .where(Expense.receipt_no.in_({r for _, r in by_receipt}))
                .group_by(Expense.receipt_no)
            ).all()
        }
        for (tid, receipt), eids in by_receipt.items():
            uses, n_units = totals[receipt]
            params = {"receipt": receipt, "uses": uses, "units": n_units}
            pending.append(_Pending("F03", "msg", tid, params, tuple(eids)))

    # F04
    words = [w.strip() for w in rules.funds.banned_purposes if w.strip()]
    if words:
        hit = or_(
            *(
                func.lower(col).contains(w.lower(), autoescape=True)
                for w in words
                for col in (Expense.purpose, Expense.payee)
            )
        )
        for eid, tid, purpose, payee in session.exec(
            select(Expense.id, Expense.township_id, Expense.purpose, Expense.payee).where(
                in_year, hit
            )
        ).all():
            found = _banned_words(rules, purpose, payee)
            if found:
                pending.append(_Pending("F04", "msg", tid, {"words": tuple(found)}, (eid,)))

    # F05
    threshold = rules.funds.approval_threshold_yuan
    approved = and_(Expense.presidium_approved.is_(True), func.trim(Expense.approval_ref) != "")
    for eid, tid, fen in session.exec(
        select(Expense.id, Expense.township_id, Expense.amount_fen).where(
            in_year, Expense.amount_fen > to_fen(threshold), not_(approved)
        )
    ).all():
        params = {"amount": to_yuan(fen), "threshold": threshold}
        pending.append(_Pending("F05", "msg", tid, params, (eid,)))

    # F06
    start, end = _year_bounds(year)
    for eid, tid, occurred in session.exec(
        select(Expense.id, Expense.township_id, Expense.occurred_on).where(
            in_year, not_(Expense.occurred_on.between(start, end))
        )
    ).all():
        params = {"occurred_on": occurred, "budget_year": year}
        pending.append(_Pending("F06", "msg", tid, params, (eid,)))

    # F07, F08, F11: spending per unit and category against the budget lines.
    codes = _category_codes(rules)
    budgets = {
        (b.township_id, b.category): b
        for b in session.exec(
            select(Budget).where(Budget.year == year, Budget.township_id.in_(ids))
        ).all()
    }
    spending = session.exec(
        select(
            Expense.township_id,
            Expense.category,
            func.sum(Expense.amount_fen),
            func.count(Expense.id),
        )
        .where(in_year)
        .group_by(Expense.township_id, Expense.category)
    ).all()
    deputies = _deputy_counts(session, ids)
    for tid, category, fen, n in spending:
        spent = to_yuan(fen)
        budget = budgets.get((tid, category))
        if category not in codes:
            eids = _expense_ids(session, tid, year, category)
            params = {"category": category, "n": int(n), "spent": spent}
            pending.append(_Pending("F07", "unknown", tid, params, eids, category=category))
            continue
        if budget is None:
            eids = _expense_ids(session, tid, year, category)
            params = {"category": category, "year": year, "n": int(n), "spent": spent}
            pending.append(_Pending("F07", "no_budget", tid, params, eids, category=category))
        elif spent > to_yuan(budget.amount_fen):
            limit = to_yuan(budget.amount_fen)
            params = {"category": category, "spent": spent, "budget": limit, "over": spent - limit}
            eids = _over_budget_ids(session, tid, year, category, budget.amount_fen)
            pending.append(
                _Pending("F08", "msg", tid, params, eids, (_budget_ref(budget),), category)
            )
        if category == LOST_WORK:
            no_income = deputies.get(tid, (0, 0))[1]
            if spent > _lost_work_cap(rules, no_income):
                eids = _expense_ids(session, tid, year, category)
                params = _lost_work_params(rules, no_income, spent)
                pending.append(_Pending("F11", "msg", tid, params, eids, category=category))

    # F09, F10: the budget lines themselves.
    budgeted_units = set()
    for (tid, category), b in sorted(budgets.items(), key=lambda kv: (order[kv[0][0]], kv[1].id)):
        budgeted_units.add(tid)
        problem = _share_problem(
            to_yuan(b.amount_fen),
            to_yuan(b.district_share_fen),
            to_yuan(b.township_share_fen),
            rules,
        )
        if problem:
            variant, params = problem
            pending.append(
                _Pending(
                    "F09",
                    variant,
                    tid,
                    {"category": category, **params},
                    extra=(_budget_ref(b),),
                    category=category,
                )
            )
    if DEPUTY_ACTIVITIES in codes:
        for tid in sorted(budgeted_units, key=order.__getitem__):
            b = budgets.get((tid, DEPUTY_ACTIVITIES))
            amount = to_yuan(b.amount_fen if b else 0)
            params = _deputy_floor_params(rules, deputies.get(tid, (0, 0))[0], amount)
            if amount < params["required"]:
                pending.append(
                    _Pending(
                        "F10",
                        "msg",
                        tid,
                        {"category": DEPUTY_ACTIVITIES, **params},
                        extra=(_budget_ref(b),) if b else (),
                        category=DEPUTY_ACTIVITIES,
                    )
                )

    refs = _expense_refs(session, {e for p in pending for e in p.expense_ids})
    out = [
        Violation(
            code=p.code,
            severity=SEVERITY[p.code],
            township_id=p.township_id,
            key=f"funds.rule.{p.code}.{p.variant}",
            params=p.params,
            records=tuple(refs[e] for e in p.expense_ids) + p.extra,
            category=p.category,
        )
        for p in pending
    ]
    out.sort(
        key=lambda v: (
            v.severity != Severity.error,
            v.code,
            order[v.township_id],
            min((r.id or 0 for r in v.records), default=0),
        )
    )
    return out


def _expense_ids(session: Session, tid: int, year: int, category: str) -> tuple[int, ...]:
    return tuple(
        session.exec(
            select(Expense.id)
            .where(
                Expense.township_id == tid,
                Expense.budget_year == year,
                Expense.category == category,
            )
            .order_by(Expense.occurred_on, Expense.id)
        ).all()
    )


def _over_budget_ids(
    session: Session, tid: int, year: int, category: str, budget_fen: int
) -> tuple[int, ...]:
    """The expenses from the one that crossed the budget onward, in the order they occurred."""
    rows = session.exec(
        select(Expense.id, Expense.amount_fen)
        .where(
            Expense.township_id == tid, Expense.budget_year == year, Expense.category == category
        )
        .order_by(Expense.occurred_on, Expense.id)
    ).all()
    running, out = 0, []
    for eid, fen in rows:
        running += fen
        if running > budget_fen:
            out.append(eid)
    return tuple(out)


def _expense_refs(session: Session, ids: set[int]) -> dict[int, RecordRef]:
    if not ids:
        return {}
    rows = session.exec(
        select(
            Expense.id,
            Expense.township_id,
            Expense.receipt_no,
            Expense.occurred_on,
            Expense.amount_fen,
            Expense.exception_reason,
        ).where(Expense.id.in_(ids))
    ).all()
    return {
        eid: RecordRef(
            kind="expense",
            id=eid,
            township_id=tid,
            ref=receipt,
            occurred_on=occurred,
            amount=to_yuan(fen),
            exception_reason=reason or "",
        )
        for eid, tid, receipt, occurred, fen, reason in rows
    }


BUDGET_COLUMNS = [
    "township_id",
    "name_zh",
    "name_en",
    "category",
    "budget",
    "district_share",
    "township_share",
    "spent",
]


def budget_vs_actual(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per unit and category: budget, its district and township shares, and spending charged to
    the year (Decimal yuan). Every category of the rule set appears for every unit, plus any
    other category that has spending."""
    units = _scope(session, actor, township_id)
    if not units:
        return pd.DataFrame(columns=BUDGET_COLUMNS)
    ids = [u.id for u in units]
    rules = get_rules(session, year)
    budget = {
        (tid, cat): (int(a), int(d), int(t))
        for tid, cat, a, d, t in session.exec(
            select(
                Budget.township_id,
                Budget.category,
                func.sum(Budget.amount_fen),
                func.sum(Budget.district_share_fen),
                func.sum(Budget.township_share_fen),
            )
            .where(Budget.year == year, Budget.township_id.in_(ids))
            .group_by(Budget.township_id, Budget.category)
        ).all()
    }
    spent = {
        (tid, cat): int(fen)
        for tid, cat, fen in session.exec(
            select(Expense.township_id, Expense.category, func.sum(Expense.amount_fen))
            .where(Expense.budget_year == year, Expense.township_id.in_(ids))
            .group_by(Expense.township_id, Expense.category)
        ).all()
    }
    codes = _category_codes(rules)
    extra = sorted({cat for _, cat in (budget.keys() | spent.keys())} - set(codes))
    rows = []
    for u in units:
        for cat in codes + extra:
            a, d, t = budget.get((u.id, cat), (0, 0, 0))
            s = spent.get((u.id, cat), 0)
            if cat in extra and not (a or s):
                continue
            rows.append(
                (u.id, u.name_zh, u.name_en, cat, to_yuan(a), to_yuan(d), to_yuan(t), to_yuan(s))
            )
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def monthly_execution(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per month of the year: spending charged to the year that occurred in that month, the
    running total and the year's whole budget (Decimal yuan). Expenses dated outside the year
    (F06) count in no month."""
    ids = [u.id for u in _scope(session, actor, township_id)]
    months = list(range(1, 13))
    if not ids:
        zero = Decimal("0.00")
        return pd.DataFrame(
            [(m, zero, zero, zero) for m in months],
            columns=["month", "spent", "cumulative", "budget"],
        )
    start, end = _year_bounds(year)
    month = extract("month", Expense.occurred_on)
    by_month = {
        int(m): int(fen)
        for m, fen in session.exec(
            select(month, func.sum(Expense.amount_fen))
            .where(
                Expense.budget_year == year,
                Expense.township_id.in_(ids),
                Expense.occurred_on.between(start, end),
            )
            .group_by(month)
        ).all()
    }
    total_budget = to_yuan(
        session.exec(
            select(func.coalesce(func.sum(Budget.amount_fen), 0)).where(
                Budget.year == year, Budget.township_id.in_(ids)
            )
        ).one()
    )
    rows, running = [], 0
    for m in months:
        running += by_month.get(m, 0)
        rows.append((m, to_yuan(by_month.get(m, 0)), to_yuan(running), total_budget))
    return pd.DataFrame(rows, columns=["month", "spent", "cumulative", "budget"])


EXPENSE_COLUMNS = [
    "id",
    "township_id",
    "name_zh",
    "name_en",
    "occurred_on",
    "budget_year",
    "category",
    "amount",
    "payee",
    "purpose",
    "receipt_no",
    "presidium_approved",
    "approval_ref",
    "exception_reason",
    "entered_at",
]


def list_expenses(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """The expenses charged to ``year``, newest first (amount as Decimal yuan)."""
    ids = [u.id for u in _scope(session, actor, township_id)]
    if not ids:
        return pd.DataFrame(columns=EXPENSE_COLUMNS)
    rows = session.exec(
        select(
            Expense.id,
            Expense.township_id,
            Township.name_zh,
            Township.name_en,
            Expense.occurred_on,
            Expense.budget_year,
            Expense.category,
            Expense.amount_fen,
            Expense.payee,
            Expense.purpose,
            Expense.receipt_no,
            Expense.presidium_approved,
            Expense.approval_ref,
            Expense.exception_reason,
            Expense.entered_at,
        )
        .join(Township, Township.id == Expense.township_id)
        .where(Expense.budget_year == year, Expense.township_id.in_(ids))
        .order_by(Expense.occurred_on.desc(), Expense.id.desc())
    ).all()
    data = [(*r[:7], to_yuan(r[7]), *r[8:]) for r in rows]
    return pd.DataFrame(data, columns=EXPENSE_COLUMNS)


def rewards(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date | None = None,
    rules: RuleSet | None = None,
) -> RewardReport:
    """The rewards (奖补) each readable unit earns for ``year`` as of ``as_of``: the appraisal
    (services.scoring) says who is eligible for which reward, the rule set how much each pays:
    an excellent grade → ``rewards.excellent_yuan``, outstanding platforms →
    ``outstanding_platform_yuan``, distinctive activities → ``distinctive_activities_yuan``."""
    # Imported here: the appraisal reads the fund violations, so scoring may import this module.
    from services import scoring

    rules = rules or get_rules(session, year)
    _, end = _year_bounds(year)
    as_of = min(as_of or date.today(), end)
    units = _scope(session, actor, None)
    if not units:
        return RewardReport(year=year, as_of=as_of, rows=())
    r = rules.rewards
    zero = Decimal("0.00")
    grades = scoring.township_grades(session, year, as_of)
    eligible = scoring.reward_eligibility(
        session, year, as_of, {u.id: grades.get(u.id) for u in units}, rules
    )
    rows = []
    for u in units:
        e = eligible[u.id]
        rows.append(
            RewardRow(
                township_id=u.id,
                name_zh=u.name_zh,
                name_en=u.name_en,
                grade=e.grade,
                excellent=e.excellent,
                excellent_yuan=r.excellent_yuan if e.excellent else zero,
                platform_ok=e.platform_ok,
                platform_items=e.platform_items,
                platform_outstanding=e.platform_outstanding,
                platform_yuan=r.outstanding_platform_yuan if e.platform_outstanding else zero,
                activities=e.activities,
                max_levels=e.max_levels,
                distinctive=e.distinctive,
                activities_yuan=r.distinctive_activities_yuan if e.distinctive else zero,
            )
        )
    return RewardReport(year=year, as_of=as_of, rows=tuple(rows))
