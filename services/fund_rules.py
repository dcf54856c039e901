"""The fund rules (经费规则) F01–F11 of the district's funding measures.

Each rule is one function below, named by its code (``f04_banned_purpose``), and listed in
``FUND_RULES`` with its severity and what it checks. The checks before saving
(``services.funds.check_expense`` and ``check_budget``) and the report over saved records
(``services.fund_reports.fund_violations``) both run the rules through that table with
``judge``. All limits come from the year's rule set (``services.rules.get_rules``).

A rule judges one kind of subject — an expense, a receipt number, a unit's spending in a
category, a budget line, a unit's deputy-activity budget — built either from a draft being
entered or from saved records, and returns a ``Finding`` or None. A finding names the message
(catalog key ``funds.rule.<code>.<variant>``, both languages), its parameters as plain values
(Decimal yuan, dates, counts, codes; the screens format them) and the records behind it.

A clerk may still save a record that breaks an error-level rule by giving a reason, but only
for the rules the year's rule set names in ``funds.exception_allowed`` (a prohibition such as a
banned purpose, F04, is never excusable: the record is corrected instead). The exception then
waits for the district admin (``services.funds.decide_exception``): until approved it counts as
open; once approved it is excused, listed with its reason but no longer standing.

Nothing here reads the database: the callers gather the facts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from services.money import CENT
from services.rules import RuleSet
from services.validation import match_form

MONTHS_PER_YEAR = 12
APPROVED = "approved"  # models.funds.ExceptionStatus.approved (no model import in the rules)
# The rule set's category codes that two rules refer to; a rule set without them skips the rule.
DEPUTY_ACTIVITIES = "deputy_activities"
LOST_WORK = "lost_work"


class Severity(StrEnum):
    error = "error"
    warning = "warning"


# ---------------------------------------------------------------------------------------------
# Records and violations


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
    exception_status: str = ""  # models.funds.ExceptionStatus


@dataclass(frozen=True)
class Violation:
    code: str
    severity: Severity
    township_id: int
    key: str
    params: dict[str, Any]
    records: tuple[RecordRef, ...] = ()
    # The budget category concerned; None for a receipt number, which may span categories.
    category: str | None = None
    # The year's rule set allows a justified exception of this rule (``funds.exception_allowed``).
    excusable: bool = False

    @property
    def expense_ids(self) -> list[int]:
        return [r.id for r in self.records if r.kind == "expense" and r.id is not None]

    def _own(self) -> list[RecordRef]:
        """The records that caused it: the expenses behind it, or the budget line when no
        expense is involved."""
        return [r for r in self.records if r.kind == "expense"] or [
            r for r in self.records if r.kind == "budget"
        ]

    @property
    def claimed(self) -> bool:
        """Every record that caused it was saved with a reason for an exception."""
        own = self._own()
        return bool(own) and all(r.exception_reason for r in own)

    @property
    def excepted(self) -> bool:
        """Excused: the rule allows an exception, and every record that caused it carries a
        reason the district admin approved."""
        return (
            self.excusable
            and self.claimed
            and all(r.exception_status == APPROVED for r in self._own())
        )

    @property
    def pending(self) -> bool:
        """An exception claimed but not (yet) approved: it still counts as open."""
        return self.severity == Severity.error and self.claimed and not self.excepted

    @property
    def standing(self) -> bool:
        """Still standing against the unit: an error not saved as a justified exception. What
        the overview counts, the appraisal's compliance deducts and the funds screen lists as
        open; a warning or a justified exception stays listed without counting."""
        return self.severity == Severity.error and not self.excepted

    @property
    def exception_reasons(self) -> str:
        reasons = [r.exception_reason for r in self.records if r.exception_reason]
        return "; ".join(dict.fromkeys(reasons))


def violation_counts(violations: Iterable[Violation]) -> tuple[int, int]:
    """(open, excused) error-level violations: what every headline that counts them says, e.g.
    "7 open, 2 excused". An exception waiting for approval is open."""
    errors = [v for v in violations if v.severity == Severity.error]
    excused = sum(1 for v in errors if v.excepted)
    return len(errors) - excused, excused


def excusable(code: str, rules: RuleSet) -> bool:
    """May a record breaking rule ``code`` be saved as a justified exception this year?"""
    return code in rules.funds.exception_allowed


# ---------------------------------------------------------------------------------------------
# What the rules judge


@dataclass(frozen=True)
class ChargedExpense:
    """One expense, saved (``record.id`` set) or being entered, with what the rules read."""

    record: RecordRef
    budget_year: int
    category: str
    payee: str
    purpose: str
    presidium_approved: bool
    approval_ref: str


@dataclass(frozen=True)
class ReceiptUse:
    """A receipt number on one unit's expenses, and how often it is used district-wide (every
    unit and year, these expenses included)."""

    township_id: int
    receipt: str
    records: tuple[RecordRef, ...]
    uses: int
    units: int


@dataclass(frozen=True)
class CategorySpending:
    """A unit's spending charged to one category of a budget year.

    ``expenses`` are the ones judged, in the order they occurred; ``earlier`` is the spending
    of the category that is saved but not judged here (before saving: everything saved; in the
    report: nothing), counted first. ``budget`` is the category's budget line, if any.
    """

    township_id: int
    year: int
    category: str
    expenses: tuple[RecordRef, ...]
    earlier: Decimal
    budget: RecordRef | None
    deputies_without_income: int

    @property
    def judged(self) -> Decimal:
        return sum((e.amount for e in self.expenses if e.amount is not None), Decimal("0.00"))

    @property
    def spent(self) -> Decimal:
        return self.earlier + self.judged


@dataclass(frozen=True)
class BudgetLine:
    record: RecordRef  # ``ref`` is the category, ``amount`` the budget
    district_share: Decimal
    township_share: Decimal


@dataclass(frozen=True)
class DeputyActivityBudget:
    """A unit's deputy-activity budget line (None: the unit budgeted nothing for it) and its
    active deputies."""

    township_id: int
    line: RecordRef | None
    deputies: int


Subject = ChargedExpense | ReceiptUse | CategorySpending | BudgetLine | DeputyActivityBudget


@dataclass(frozen=True)
class Finding:
    township_id: int
    variant: str  # "msg", or the case of a rule with several messages
    params: dict[str, Any]
    records: tuple[RecordRef, ...]
    category: str | None = None


def _on_expense(e: ChargedExpense, params: dict[str, Any]) -> Finding:
    return Finding(e.record.township_id, "msg", params, (e.record,), e.category)


# ---------------------------------------------------------------------------------------------
# Pieces two rules or a caller share


def category_codes(rules: RuleSet) -> list[str]:
    return [c.code for c in rules.funds.categories]


def budget_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def default_shares(amount: Decimal, rules: RuleSet) -> tuple[Decimal, Decimal]:
    """The district and township shares of a budget amount under the year's rule: the district
    share rounded half up to the fen, the township share the remainder."""
    district = (amount * rules.funds.district_share).quantize(CENT, rounding=ROUND_HALF_UP)
    return district, amount - district


# ---------------------------------------------------------------------------------------------
# The rules


def f01_amount_valid(e: ChargedExpense, rules: RuleSet) -> Finding | None:
    amount = e.record.amount
    if amount > 0 and amount == amount.quantize(CENT):
        return None
    return _on_expense(e, {"amount": amount})


def f02_receipt_present(e: ChargedExpense, rules: RuleSet) -> Finding | None:
    if e.record.ref.strip():
        return None
    return _on_expense(e, {})


def f03_receipt_used_once(r: ReceiptUse, rules: RuleSet) -> Finding | None:
    if r.uses < 2:
        return None
    params = {"receipt": r.receipt, "uses": r.uses, "units": r.units}
    return Finding(r.township_id, "msg", params, r.records)


@cache
def _banned_purposes(listed: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each banned purpose once, trimmed, with its match form (read once per list, not once
    per expense: the report runs F04 over a year's expenses)."""
    words = dict.fromkeys(w.strip() for w in listed)
    return tuple((w, match_form(w)) for w in words if w and match_form(w))


def f04_banned_purpose(e: ChargedExpense, rules: RuleSet) -> Finding | None:
    """A banned purpose is found in the purpose or the payee, compared in their match form:
    case, spaces, punctuation, invisible characters and traditional characters do not hide a
    word ("宴 請代表" holds "宴请")."""
    texts = (match_form(e.purpose), match_form(e.payee))
    words = tuple(
        word
        for word, folded in _banned_purposes(tuple(rules.funds.banned_purposes))
        if any(folded in text for text in texts)
    )
    return _on_expense(e, {"words": words}) if words else None


def f05_presidium_approval(e: ChargedExpense, rules: RuleSet) -> Finding | None:
    threshold = rules.funds.approval_threshold_yuan
    approved = e.presidium_approved and bool(e.approval_ref.strip())
    if e.record.amount <= threshold or approved:
        return None
    return _on_expense(e, {"amount": e.record.amount, "threshold": threshold})


def f06_inside_budget_year(e: ChargedExpense, rules: RuleSet) -> Finding | None:
    start, end = budget_year_bounds(e.budget_year)
    if start <= e.record.occurred_on <= end:
        return None
    return _on_expense(e, {"occurred_on": e.record.occurred_on, "budget_year": e.budget_year})


def f07_known_budgeted_category(s: CategorySpending, rules: RuleSet) -> Finding | None:
    count = {"n": len(s.expenses), "spent": s.judged}
    if s.category not in category_codes(rules):
        params = {"category": s.category, **count}
        return Finding(s.township_id, "unknown", params, s.expenses, s.category)
    if s.budget is None:
        params = {"category": s.category, "year": s.year, **count}
        return Finding(s.township_id, "no_budget", params, s.expenses, s.category)
    return None


def f08_within_budget(s: CategorySpending, rules: RuleSet) -> Finding | None:
    """Flags the expenses from the one that crossed the budget onward, and the budget line."""
    if s.category not in category_codes(rules) or s.budget is None:
        return None  # F07's case
    limit, spent = s.budget.amount, s.spent
    if spent <= limit:
        return None
    running, crossed = s.earlier, []
    for e in s.expenses:
        running += e.amount
        if running > limit:
            crossed.append(e)
    params = {"category": s.category, "spent": spent, "budget": limit, "over": spent - limit}
    return Finding(s.township_id, "msg", params, (*crossed, s.budget), s.category)


def f09_budget_shares(b: BudgetLine, rules: RuleSet) -> Finding | None:
    """Exact Decimal; the only slack is rounding to the fen: the district share may be less
    than 0.01 off its exact value, the township share then takes the remainder (at most 0.01
    off its own)."""
    amount, district, township = b.record.amount, b.district_share, b.township_share
    ds, ts = rules.funds.district_share, rules.funds.township_share
    params = {
        "category": b.record.ref,
        "amount": amount,
        "district": district,
        "township": township,
    }
    if district + township != amount:
        variant = "sum"
    elif abs(district - amount * ds) >= CENT or abs(township - amount * ts) > CENT:
        variant = "share"
        expected_district, expected_township = default_shares(amount, rules)
        params |= {
            "expected_district": expected_district,
            "expected_township": expected_township,
            "district_pct": ds,
            "township_pct": ts,
        }
    else:
        return None
    return Finding(b.record.township_id, variant, params, (b.record,), b.record.ref)


def f10_deputy_activity_floor(d: DeputyActivityBudget, rules: RuleSet) -> Finding | None:
    per = rules.funds.per_deputy_activity_yuan
    budget = d.line.amount if d.line else Decimal("0.00")
    required = per * d.deputies
    if budget >= required:
        return None
    params = {
        "category": DEPUTY_ACTIVITIES,
        "budget": budget,
        "per_deputy": per,
        "deputies": d.deputies,
        "required": required,
    }
    records = (d.line,) if d.line else ()
    return Finding(d.township_id, "msg", params, records, DEPUTY_ACTIVITIES)


def f11_lost_work_cap(s: CategorySpending, rules: RuleSet) -> Finding | None:
    if s.category != LOST_WORK or LOST_WORK not in category_codes(rules):
        return None
    monthly = rules.funds.lost_work_subsidy_monthly_yuan
    cap = monthly * MONTHS_PER_YEAR * s.deputies_without_income
    if s.spent <= cap:
        return None
    params = {
        "spent": s.spent,
        "monthly": monthly,
        "months": MONTHS_PER_YEAR,
        "deputies": s.deputies_without_income,
        "cap": cap,
    }
    return Finding(s.township_id, "msg", params, s.expenses, s.category)


# ---------------------------------------------------------------------------------------------
# The table, and running it


@dataclass(frozen=True)
class RuleEntry:
    function: Callable[[Any, RuleSet], Finding | None]
    severity: Severity
    subject: type  # the kind of subject the function judges
    checks: str  # what the rule checks (the screens say it with ``funds.rule.<code>.title``)


FUND_RULES: dict[str, RuleEntry] = {
    "F01": RuleEntry(
        f01_amount_valid,
        Severity.error,
        ChargedExpense,
        "an amount is positive with at most two decimals",
    ),
    "F02": RuleEntry(
        f02_receipt_present,
        Severity.error,
        ChargedExpense,
        "every expense has a receipt number",
    ),
    "F03": RuleEntry(
        f03_receipt_used_once,
        Severity.error,
        ReceiptUse,
        "a receipt number is used once district-wide (a reuse flags every unit using it)",
    ),
    "F04": RuleEntry(
        f04_banned_purpose,
        Severity.error,
        ChargedExpense,
        "no banned purpose (funds.banned_purposes, found in purpose or payee in match form)",
    ),
    "F05": RuleEntry(
        f05_presidium_approval,
        Severity.error,
        ChargedExpense,
        "a single expense over funds.approval_threshold_yuan has a recorded presidium"
        " approval (the flag and its reference)",
    ),
    "F06": RuleEntry(
        f06_inside_budget_year,
        Severity.error,
        ChargedExpense,
        "an expense falls inside its budget year (1 Jan .. 31 Dec)",
    ),
    "F07": RuleEntry(
        f07_known_budgeted_category,
        Severity.error,
        CategorySpending,
        "an expense's category is one of the year's categories and has a budget",
    ),
    "F08": RuleEntry(
        f08_within_budget,
        Severity.error,
        CategorySpending,
        "no category spends over its budget",
    ),
    "F09": RuleEntry(
        f09_budget_shares,
        Severity.error,
        BudgetLine,
        "a budget's district and township shares add up to it and follow"
        " funds.district_share / funds.township_share (less than 0.01 off)",
    ),
    "F10": RuleEntry(
        f10_deputy_activity_floor,
        Severity.warning,
        DeputyActivityBudget,
        "the deputy-activity budget is at least funds.per_deputy_activity_yuan per active"
        " deputy of the unit",
    ),
    "F11": RuleEntry(
        f11_lost_work_cap,
        Severity.error,
        CategorySpending,
        "lost-work subsidies paid stay within funds.lost_work_subsidy_monthly_yuan × 12 ×"
        " active deputies without a fixed income",
    ),
}


def judge(
    subjects: Iterable[Subject], rules: RuleSet, codes: Iterable[str] = tuple(FUND_RULES)
) -> list[Violation]:
    """The violations ``subjects`` show under the rules ``codes`` (all by default), rule by rule
    in the order of ``codes``; each rule sees the subjects of its kind in the order given."""
    by_kind: dict[type, list[Subject]] = {}
    for s in subjects:
        by_kind.setdefault(type(s), []).append(s)
    out = []
    for code in codes:
        rule = FUND_RULES[code]
        for subject in by_kind.get(rule.subject, ()):
            if found := rule.function(subject, rules):
                out.append(
                    Violation(
                        code=code,
                        severity=rule.severity,
                        township_id=found.township_id,
                        key=f"funds.rule.{code}.{found.variant}",
                        params=found.params,
                        records=found.records,
                        category=found.category,
                        excusable=excusable(code, rules),
                    )
                )
    return out
