"""Budgets and expenses (经费保障): what a clerk enters, checked for bad input, then against the
fund rules (``services.fund_rules``) before saving, and saved with permission and audit.

An expense travels as one ``ExpenseDraft`` from the form: ``prepare_expense`` cleans it,
``check_expense`` says which rules it would break, ``record_expense`` saves it. An error-level
violation refuses a write unless a reason makes it a justified exception, which stays flagged.

Money is integer fen (分) in the database and ``Decimal`` yuan here (``services.money``).
"""

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, or_
from sqlmodel import Session, func, select

from models import Budget, Deputy, Expense, Township
from models.base import utcnow
from models.enums import DeputyLevel, UnitType
from models.funds import (
    MAX_APPROVAL_REF,
    MAX_EXCEPTION_REASON,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_RECEIPT_NO,
)
from services import audit, clock, years
from services.errors import NotFound, ValidationError
from services.fund_rules import (
    DEPUTY_ACTIVITIES,
    BudgetLine,
    CategorySpending,
    ChargedExpense,
    DeputyActivityBudget,
    ReceiptUse,
    RecordRef,
    Severity,
    Violation,
    category_codes,
    default_shares,
    judge,
)
from services.money import parse_yuan, to_fen, to_yuan
from services.permissions import Actor, require_write
from services.rules import RuleSet, get_rules
from services.validation import clean_text

# A sanity bound on typed input, not a funding rule: a date or year more than five years back
# is a typing slip.
MAX_PAST_YEARS = 5
# What a budget line is checked against before saving, in the order the form lists them: its
# shares, the deputy-activity floor, and spending already above it.
BUDGET_LINE_RULES = ("F09", "F10", "F08")

_CATEGORY = re.compile(r"^[a-z_]{1,40}$")


class RuleViolationError(ValidationError):
    """A write refused because it breaks fund rules; ``violations`` says which and why."""

    def __init__(self, violations: list[Violation]) -> None:
        codes = ", ".join(dict.fromkeys(v.code for v in violations))
        super().__init__("funds.error.rule_broken", codes=codes)
        self.violations = violations


@dataclass(frozen=True)
class ExpenseDraft:
    """An expense as a clerk enters it. The form fills one as typed (``amount`` may be text such
    as "1,234.50"); ``prepare_expense`` returns it cleaned, with ``amount`` in Decimal yuan."""

    township_id: int
    occurred_on: date
    budget_year: int
    category: str
    amount: Decimal | str
    payee: str
    purpose: str
    receipt_no: str = ""
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


def prepare_expense(draft: ExpenseDraft, *, today: date | None = None) -> ExpenseDraft:
    """The expense as typed, cleaned and checked for bad input (not yet for the fund rules).
    Preparing a prepared draft returns it unchanged."""
    today = today or clock.today()
    occurred_on = draft.occurred_on
    if isinstance(occurred_on, datetime):
        occurred_on = occurred_on.date()
    if not isinstance(occurred_on, date):
        raise ValidationError("funds.error.date_required", field="occurred_on")
    if occurred_on > today:
        raise ValidationError("funds.error.date_future", field="occurred_on")
    if occurred_on.year < today.year - MAX_PAST_YEARS:
        raise ValidationError("funds.error.date_far", field="occurred_on", n=MAX_PAST_YEARS)
    return replace(
        draft,
        occurred_on=occurred_on,
        budget_year=_year(draft.budget_year, "budget_year", today),
        category=_category(draft.category),
        amount=parse_yuan(draft.amount, field="amount"),
        payee=clean_text(draft.payee, field="payee", limit=MAX_PAYEE, required=True),
        purpose=clean_text(draft.purpose, field="purpose", limit=MAX_PURPOSE, required=True),
        receipt_no=clean_text(draft.receipt_no, field="receipt_no", limit=MAX_RECEIPT_NO),
        presidium_approved=bool(draft.presidium_approved),
        approval_ref=clean_text(draft.approval_ref, field="approval_ref", limit=MAX_APPROVAL_REF),
    )


def _exception_reason(value: str | None) -> str:
    return clean_text(value, field="exception_reason", limit=MAX_EXCEPTION_REASON)


# ---------------------------------------------------------------------------------------------
# Facts the rules read (shared with the report over saved records)


def deputy_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
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


def receipt_uses(
    session: Session, receipts: Collection[str] | Select
) -> dict[str, tuple[int, frozenset[int]]]:
    """Per receipt number: how many saved expenses use it, in every unit and year, and which
    units. ``receipts`` is a collection of numbers or a query that selects them."""
    counted: dict[str, tuple[int, frozenset[int]]] = {}
    for receipt, tid, n in session.exec(
        select(Expense.receipt_no, Expense.township_id, func.count(Expense.id))
        .where(Expense.receipt_no.in_(receipts))
        .group_by(Expense.receipt_no, Expense.township_id)
    ).all():
        uses, units = counted.get(receipt, (0, frozenset()))
        counted[receipt] = (uses + int(n), units | {tid})
    return counted


def budget_record(row: Budget) -> RecordRef:
    return RecordRef(
        kind="budget",
        id=row.id,
        township_id=row.township_id,
        ref=row.category,
        amount=to_yuan(row.amount_fen),
        exception_reason=row.exception_reason or "",
    )


def _spent(session: Session, township_id: int, year: int, category: str) -> Decimal:
    return to_yuan(
        session.exec(
            select(func.coalesce(func.sum(Expense.amount_fen), 0)).where(
                Expense.township_id == township_id,
                Expense.budget_year == year,
                Expense.category == category,
            )
        ).one()
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
    """The violations the new (prepared) expense would cause, for the form to show before
    saving: the draft itself, its receipt number among the saved ones, and its category's
    spending with the draft counted last."""
    tid, year, category = draft.township_id, draft.budget_year, draft.category
    me = RecordRef(
        kind="expense",
        id=None,
        township_id=tid,
        ref=draft.receipt_no,
        occurred_on=draft.occurred_on,
        amount=draft.amount,
    )
    expense = ChargedExpense(
        record=me,
        budget_year=year,
        category=category,
        payee=draft.payee,
        purpose=draft.purpose,
        presidium_approved=draft.presidium_approved,
        approval_ref=draft.approval_ref,
    )
    budget = _budget_row(session, tid, year, category)
    spending = CategorySpending(
        township_id=tid,
        year=year,
        category=category,
        expenses=(me,),
        earlier=_spent(session, tid, year, category),
        budget=budget_record(budget) if budget else None,
        deputies_without_income=deputy_counts(session, [tid]).get(tid, (0, 0))[1],
    )
    subjects: list = [expense, spending]
    if receipt := draft.receipt_no.strip():
        uses, units = receipt_uses(session, [receipt]).get(receipt, (0, frozenset()))
        subjects.append(ReceiptUse(tid, receipt, (me,), uses + 1, len(units | {tid})))
    return judge(subjects, rules)


def check_budget(session: Session, draft: BudgetDraft, rules: RuleSet) -> list[Violation]:
    """The violations a budget line would cause (``BUDGET_LINE_RULES``): its shares (F09), the
    deputy-activity floor (F10) and spending already above it (F08)."""
    tid = draft.township_id
    existing = _budget_row(session, tid, draft.year, draft.category)
    me = RecordRef(
        kind="budget",
        id=existing.id if existing else None,
        township_id=tid,
        ref=draft.category,
        amount=draft.amount,
    )
    subjects: list = [
        BudgetLine(me, draft.district_share, draft.township_share),
        CategorySpending(
            township_id=tid,
            year=draft.year,
            category=draft.category,
            expenses=(),  # the line is judged, not the spending (no F07, no F11 here)
            earlier=_spent(session, tid, draft.year, draft.category),
            budget=me,
            deputies_without_income=0,
        ),
    ]
    if draft.category == DEPUTY_ACTIVITIES:
        deputies = deputy_counts(session, [tid]).get(tid, (0, 0))[0]
        subjects.append(DeputyActivityBudget(tid, me, deputies))
    return judge(subjects, rules, BUDGET_LINE_RULES)


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
    draft: ExpenseDraft,
    *,
    exception_reason: str | None = None,
    today: date | None = None,
) -> SavedExpense:
    """Save an expense (as typed or prepared). An error-level violation refuses it
    (RuleViolationError) unless a non-empty ``exception_reason`` justifies it; the expense is
    then saved and flagged."""
    require_write(actor, draft.township_id)
    _active_township(session, draft.township_id)
    draft = prepare_expense(draft, today=today)
    years.require_open(session, actor, draft.budget_year)
    reason = _exception_reason(exception_reason)
    rules = get_rules(session, draft.budget_year)
    violations = check_expense(session, draft, rules)
    errors = [v for v in violations if v.severity == Severity.error]
    if errors and not reason:
        raise RuleViolationError(errors)
    row = Expense(
        township_id=draft.township_id,
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
    saved = audit.insert(session, actor, row, entity="expense", township_id=draft.township_id)
    return SavedExpense(id=saved, violations=tuple(violations), flagged=bool(row.exception_reason))


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
    today = today or clock.today()
    year = _year(year, "year", today)
    years.require_open(session, actor, year)
    rules = get_rules(session, year)
    category = _category(category)
    if category not in category_codes(rules):
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
    reason = _exception_reason(exception_reason)
    violations = check_budget(session, draft, rules)
    refused = [v for v in violations if v.code == "F09"]
    if refused and not reason:
        raise RuleViolationError(refused)
    row = _budget_row(session, township_id, year, category)
    before = audit.snapshot(row)
    if row is None:
        row = Budget(
            township_id=township_id,
            year=year,
            category=category,
            amount_fen=to_fen(amount),
            district_share_fen=to_fen(district),
            township_share_fen=to_fen(township),
            entered_by_id=actor.id,
        )
    else:
        row.updated_at = utcnow()
    row.amount_fen = to_fen(amount)
    row.district_share_fen = to_fen(district)
    row.township_share_fen = to_fen(township)
    # A reason without anything to justify would flag a clean line.
    row.exception_reason = reason if violations else ""
    saved = audit.save(session, actor, row, entity="budget", township_id=township_id, before=before)
    return SavedBudget(id=saved, violations=tuple(violations), flagged=bool(row.exception_reason))
