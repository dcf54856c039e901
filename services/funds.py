"""Budgets and expenses (经费保障): what a clerk enters, checked for bad input, then against the
fund rules (``services.fund_rules``) before saving, and saved with permission and audit.

An expense travels as one ``ExpenseDraft`` from the form: ``prepare_expense`` cleans it,
``check_expense`` says which rules it would break, ``record_expense`` saves it. An error-level
violation refuses a write; a reason makes it a justified exception only for the rules the
year's rule set allows (``funds.exception_allowed``), and the exception then waits for the
district admin's approval (``decide_exception``), counted as open until approved.

Saved records are corrected (``correct_expense``, ``correct_budget``) or withdrawn
(``withdraw_expense``, ``withdraw_budget``: a budget line with expenses says so) under the
shared rules of ``services.corrections``.

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
from models.enums import AuditAction, DeputyLevel, UnitType
from models.funds import (
    MAX_APPROVAL_REF,
    MAX_EXCEPTION_REASON,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_RECEIPT_NO,
    ExceptionStatus,
)
from services import audit, clock, corrections, years
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
from services.permissions import Actor, require_admin, require_write
from services.rules import RuleSet, get_rules
from services.validation import clean_text, past_date

# A sanity bound on typed input, not a funding rule: a date or year more than five years back
# is a typing slip.
MAX_PAST_YEARS = 5
# What a budget line is checked against before saving, in the order the form lists them: its
# shares, the deputy-activity floor, and spending already above it.
BUDGET_LINE_RULES = ("F09", "F10", "F08")

_CATEGORY = re.compile(r"^[a-z_]{1,40}$")


class RuleViolationError(ValidationError):
    """A write refused because it breaks fund rules; ``violations`` says which and why.
    ``excusable`` is False when one of them may not be excused by a reason at all."""

    def __init__(self, violations: list[Violation]) -> None:
        codes = ", ".join(dict.fromkeys(v.code for v in violations))
        self.excusable = all(v.excusable for v in violations)
        key = "funds.error.rule_broken" if self.excusable else "funds.error.rule_not_excusable"
        super().__init__(key, codes=codes)
        self.violations = violations


def refuse_or_excuse(violations: list[Violation], reason: str) -> str:
    """The exception status a record breaking ``violations`` is saved with, or a refusal: an
    error no reason can excuse refuses it; an excusable error needs a reason and is saved
    pending the admin's approval; warnings alone save it plain."""
    errors = [v for v in violations if v.severity == Severity.error]
    banned = [v for v in errors if not v.excusable]
    if banned:
        raise RuleViolationError(banned)
    if errors and not reason:
        raise RuleViolationError(errors)
    return ExceptionStatus.pending if errors else ExceptionStatus.none


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
    occurred_on = past_date(occurred_on, field="occurred_on", today=today)
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
    session: Session, receipts: Collection[str] | Select, *, exclude: int | None = None
) -> dict[str, tuple[int, frozenset[int]]]:
    """Per receipt number: how many saved expenses use it, in every unit and year, and which
    units. ``receipts`` is a collection of numbers or a query that selects them; the expense
    ``exclude`` (one being corrected) is left out."""
    counted: dict[str, tuple[int, frozenset[int]]] = {}
    stmt = select(Expense.receipt_no, Expense.township_id, func.count(Expense.id)).where(
        Expense.receipt_no.in_(receipts)
    )
    if exclude is not None:
        stmt = stmt.where(Expense.id != exclude)
    for receipt, tid, n in session.exec(
        stmt.group_by(Expense.receipt_no, Expense.township_id)
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
        exception_status=row.exception_status or "",
    )


def _spent(
    session: Session, township_id: int, year: int, category: str, exclude: int | None = None
) -> Decimal:
    stmt = select(func.coalesce(func.sum(Expense.amount_fen), 0)).where(
        Expense.township_id == township_id,
        Expense.budget_year == year,
        Expense.category == category,
    )
    if exclude is not None:
        stmt = stmt.where(Expense.id != exclude)
    return to_yuan(session.exec(stmt).one())


def _budget_row(session: Session, township_id: int, year: int, category: str) -> Budget | None:
    return session.exec(
        select(Budget).where(
            Budget.township_id == township_id, Budget.year == year, Budget.category == category
        )
    ).first()


# ---------------------------------------------------------------------------------------------
# Checks before saving


def check_expense(
    session: Session, draft: ExpenseDraft, rules: RuleSet, *, exclude: int | None = None
) -> list[Violation]:
    """The violations the new (prepared) expense would cause, for the form to show before
    saving: the draft itself, its receipt number among the saved ones, and its category's
    spending with the draft counted last. ``exclude`` is the saved expense the draft corrects
    (its old values do not count)."""
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
        earlier=_spent(session, tid, year, category, exclude),
        budget=budget_record(budget) if budget else None,
        deputies_without_income=deputy_counts(session, [tid]).get(tid, (0, 0))[1],
    )
    subjects: list = [expense, spending]
    if receipt := draft.receipt_no.strip():
        uses, units = receipt_uses(session, [receipt], exclude=exclude).get(
            receipt, (0, frozenset())
        )
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
    status = refuse_or_excuse(violations, reason)
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
        exception_reason=reason if status else "",
        exception_status=status,
        entered_by_id=actor.id,
    )
    saved = audit.insert(session, actor, row, entity="expense", township_id=draft.township_id)
    return SavedExpense(id=saved, violations=tuple(violations), flagged=bool(row.exception_reason))


def _shares(amount: Decimal, district_share: Any, township_share: Any, rules: RuleSet):
    """The district and township shares as typed; one left empty takes the remainder, both
    empty follow the year's rule."""
    empty = (None, "")
    if district_share in empty and township_share in empty:
        return default_shares(amount, rules)
    if township_share in empty:
        district = parse_yuan(district_share, field="district_share", allow_zero=True)
        return district, amount - district
    if district_share in empty:
        township = parse_yuan(township_share, field="township_share", allow_zero=True)
        return amount - township, township
    return (
        parse_yuan(district_share, field="district_share", allow_zero=True),
        parse_yuan(township_share, field="township_share", allow_zero=True),
    )


def _set_status(row: Budget | Expense, status: str) -> None:
    """A (re)saved record's exception starts over: pending when it claims one, else none."""
    row.exception_status = status
    row.exception_note = ""
    row.exception_decided_by_id = None
    row.exception_decided_at = None


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
    district, township = _shares(amount, district_share, township_share, rules)
    draft = BudgetDraft(township_id, year, category, amount, district, township)
    reason = _exception_reason(exception_reason)
    violations = check_budget(session, draft, rules)
    status = refuse_or_excuse([v for v in violations if v.code == "F09"], reason)
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
    row.exception_reason = reason if status else ""
    _set_status(row, status)
    saved = audit.save(session, actor, row, entity="budget", township_id=township_id, before=before)
    return SavedBudget(id=saved, violations=tuple(violations), flagged=bool(row.exception_reason))


# ---------------------------------------------------------------------------------------------
# Corrections and withdrawals


def load_expense(session: Session, expense_id: int) -> Expense:
    row = session.get(Expense, expense_id)
    if row is None:
        raise NotFound("funds.error.expense_not_found", id=expense_id)
    return row


def load_budget(session: Session, budget_id: int) -> Budget:
    row = session.get(Budget, budget_id)
    if row is None:
        raise NotFound("funds.error.budget_not_found", id=budget_id)
    return row


def correct_expense(
    session: Session,
    actor: Actor,
    expense_id: int,
    draft: ExpenseDraft,
    *,
    reason: str,
    exception_reason: str | None = None,
    today: date | None = None,
) -> SavedExpense:
    """Correct a saved expense to ``draft`` (its unit stays), stating ``reason``. The expense is
    judged again without its old values; a claimed exception waits for approval again."""
    row = load_expense(session, expense_id)
    reason = corrections.check_change(session, actor, row.township_id, row.budget_year, reason)
    draft = prepare_expense(replace(draft, township_id=row.township_id), today=today)
    years.require_open(session, actor, draft.budget_year)
    excuse = _exception_reason(exception_reason)
    before = audit.snapshot(row)
    # Judged as if it were not saved yet: its old amount and receipt number do not count.
    violations = check_expense(
        session, draft, get_rules(session, draft.budget_year), exclude=expense_id
    )
    status = refuse_or_excuse(violations, excuse)
    row.occurred_on = draft.occurred_on
    row.budget_year = draft.budget_year
    row.category = draft.category
    row.amount_fen = to_fen(draft.amount)
    row.payee = draft.payee
    row.purpose = draft.purpose
    row.receipt_no = draft.receipt_no
    row.presidium_approved = draft.presidium_approved
    row.approval_ref = draft.approval_ref
    row.exception_reason = excuse if status else ""
    _set_status(row, status)
    row.updated_at = utcnow()
    saved = corrections.corrected(
        session,
        actor,
        row,
        entity="expense",
        township_id=row.township_id,
        before=before,
        reason=reason,
    )
    return SavedExpense(id=saved, violations=tuple(violations), flagged=bool(status))


def withdraw_expense(session: Session, actor: Actor, expense_id: int, *, reason: str) -> None:
    """Withdraw a saved expense, stating ``reason`` (the audit log keeps what it was)."""
    row = load_expense(session, expense_id)
    reason = corrections.check_change(session, actor, row.township_id, row.budget_year, reason)
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="expense",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=reason,
    )


def correct_budget(
    session: Session,
    actor: Actor,
    budget_id: int,
    *,
    amount: Any,
    district_share: Any = None,
    township_share: Any = None,
    reason: str,
    exception_reason: str | None = None,
) -> SavedBudget:
    """Correct a saved budget line's amount and shares, stating ``reason``."""
    row = load_budget(session, budget_id)
    reason = corrections.check_change(session, actor, row.township_id, row.year, reason)
    rules = get_rules(session, row.year)
    value = parse_yuan(amount, field="amount", allow_zero=True)
    district, township = _shares(value, district_share, township_share, rules)
    draft = BudgetDraft(row.township_id, row.year, row.category, value, district, township)
    excuse = _exception_reason(exception_reason)
    violations = check_budget(session, draft, rules)
    status = refuse_or_excuse([v for v in violations if v.code == "F09"], excuse)
    before = audit.snapshot(row)
    row.amount_fen = to_fen(value)
    row.district_share_fen = to_fen(district)
    row.township_share_fen = to_fen(township)
    row.exception_reason = excuse if status else ""
    _set_status(row, status)
    row.updated_at = utcnow()
    saved = corrections.corrected(
        session,
        actor,
        row,
        entity="budget",
        township_id=row.township_id,
        before=before,
        reason=reason,
    )
    return SavedBudget(id=saved, violations=tuple(violations), flagged=bool(status))


def withdraw_budget(session: Session, actor: Actor, budget_id: int, *, reason: str) -> None:
    """Withdraw a budget line, stating ``reason``; a line with expenses charged to it says so
    (``InUse``) and stays."""
    row = load_budget(session, budget_id)
    reason = corrections.check_change(session, actor, row.township_id, row.year, reason)
    charged = session.exec(
        select(func.count(Expense.id)).where(
            Expense.township_id == row.township_id,
            Expense.budget_year == row.year,
            Expense.category == row.category,
        )
    ).one()
    corrections.refuse_if_depended({"expense": int(charged)})
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="budget",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=reason,
    )


# ---------------------------------------------------------------------------------------------
# The district admin's decision on justified exceptions


EXCEPTION_KINDS = {"expense": Expense, "budget": Budget}


def decide_exception(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: int,
    *,
    approve: bool,
    note: str = "",
) -> None:
    """The district admin approves a pending justified exception (it is then excused) or
    returns it with ``note`` saying why (it stays open until the clerk corrects the record)."""
    require_admin(actor)
    model = EXCEPTION_KINDS.get(kind)
    row = session.get(model, record_id) if model else None
    if row is None:
        raise NotFound("funds.error.exception_not_found", id=record_id)
    year = row.budget_year if isinstance(row, Expense) else row.year
    years.require_open(session, actor, year)
    if row.exception_status != ExceptionStatus.pending:
        raise ValidationError("funds.error.exception_not_pending", field="exception")
    note = clean_text(
        note,
        field="exception_note",
        limit=MAX_EXCEPTION_REASON,
        required=not approve,
        required_key="funds.error.return_note_required",
    )
    before = audit.snapshot(row)
    row.exception_status = ExceptionStatus.approved if approve else ExceptionStatus.returned
    row.exception_note = note
    row.exception_decided_by_id = actor.id
    row.exception_decided_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity=kind,
        entity_id=record_id,
        township_id=row.township_id,
        before=before,
        after=audit.snapshot(row),
        reason=note or None,
    )
    session.commit()


@dataclass(frozen=True)
class ExceptionClaim:
    """A record saved as a justified exception, for the admin's list."""

    kind: str
    id: int
    township_id: int
    year: int
    ref: str  # receipt number or category
    amount: Decimal
    text: str  # an expense's purpose and payee; a budget line's category
    reason: str
    status: str
    note: str


def exception_claims(
    session: Session, actor: Actor, *, year: int, status: str | None = ExceptionStatus.pending
) -> list[ExceptionClaim]:
    """The records of ``year`` saved as justified exceptions (those of ``status``; None: all),
    for the district admin to decide on."""
    require_admin(actor)
    out = []
    exp = select(Expense).where(Expense.budget_year == year, Expense.exception_status != "")
    bud = select(Budget).where(Budget.year == year, Budget.exception_status != "")
    if status is not None:
        exp = exp.where(Expense.exception_status == status)
        bud = bud.where(Budget.exception_status == status)
    for e in session.exec(exp.order_by(Expense.id)).all():
        out.append(
            ExceptionClaim(
                "expense",
                e.id,
                e.township_id,
                year,
                e.receipt_no,
                to_yuan(e.amount_fen),
                f"{e.purpose} · {e.payee}",
                e.exception_reason,
                e.exception_status,
                e.exception_note,
            )
        )
    for b in session.exec(bud.order_by(Budget.id)).all():
        out.append(
            ExceptionClaim(
                "budget",
                b.id,
                b.township_id,
                year,
                b.category,
                to_yuan(b.amount_fen),
                b.category,
                b.exception_reason,
                b.exception_status,
                b.exception_note,
            )
        )
    return out
