"""Reports over the saved budgets and expenses of a budget year, for the units an actor may
read: budget against spending, execution by month, the expenses, and every fund rule violation
(``services.fund_rules``) with the records behind it.

Sums are taken in the database as integer fen and returned as Decimal yuan.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import distinct, extract
from sqlmodel import Session, func, select

from models import Budget, Expense, Township
from services import unit_figures
from services.fund_rules import (
    DEPUTY_ACTIVITIES,
    BudgetLine,
    CategorySpending,
    ChargedExpense,
    DeputyActivityBudget,
    ReceiptUse,
    RecordRef,
    Severity,
    Subject,
    Violation,
    budget_year_bounds,
    category_codes,
    judge,
)
from services.funds import budget_record, deputy_counts
from services.money import to_yuan
from services.org import TownshipInfo, list_townships
from services.permissions import Actor
from services.rules import RuleSet, get_rules
from services.unit_figures import Kept


def _scope(session: Session, actor: Actor, township_id: int | None) -> list[TownshipInfo]:
    """Active units the actor may read, in the district's order (one unit when asked)."""
    units = list_townships(session, actor)
    return units if township_id is None else [u for u in units if u.id == township_id]


# ---------------------------------------------------------------------------------------------
# Violations


def fund_violations(
    session: Session,
    actor: Actor,
    *,
    year: int,
    township_id: int | None = None,
    rules: RuleSet | None = None,
) -> list[Violation]:
    """Every violation of the stored budgets and expenses of ``year`` (budget year), with the
    records behind each, for the units the actor may read; errors first, then by rule code and
    the district's order of units.

    Under the stored rules each unit's own violations are kept between reads
    (``services.unit_figures``) and computed again for a unit whose records changed; a receipt
    number used twice (F03) is counted over every unit at each read, since another unit's
    expense can make it so. ``rules`` given (a draft being checked) judges everything afresh."""
    units = _scope(session, actor, township_id)
    if not units:
        return []
    ids = [u.id for u in units]
    if rules is None:
        stored = get_rules(session, year)

        def compute(stale: list[int]) -> dict[int, list[Violation]]:
            found = judge(_unit_subjects(session, year, stale, stored), stored)
            by_unit: dict[int, list[Violation]] = {tid: [] for tid in stale}
            for v in found:
                by_unit[v.township_id].append(v)
            return by_unit

        kept = unit_figures.per_unit(
            session, "funds", year=year, as_of=date(year, 12, 31), ids=ids, compute=compute
        )
        found = [v for tid in ids for v in kept[tid]]
        found += judge(_receipt_subjects(session, year, ids), stored)
    else:
        subjects = [
            *_unit_subjects(session, year, ids, rules),
            *_receipt_subjects(session, year, ids),
        ]
        found = judge(subjects, rules)
    order = {u.id: i for i, u in enumerate(units)}
    found.sort(
        key=lambda v: (
            v.severity != Severity.error,
            v.code,
            order[v.township_id],
            min((r.id or 0 for r in v.records), default=0),
        )
    )
    return found


_EXPENSE_COLUMNS = (
    Expense.id,
    Expense.township_id,
    Expense.receipt_no,
    Expense.occurred_on,
    Expense.amount_fen,
    Expense.exception_reason,
    Expense.exception_status,
    Expense.category,
    Expense.payee,
    Expense.purpose,
    Expense.presidium_approved,
    Expense.approval_ref,
)


def _expense_record(r) -> RecordRef:
    return RecordRef(
        kind="expense",
        id=r.id,
        township_id=r.township_id,
        ref=r.receipt_no,
        occurred_on=r.occurred_on,
        amount=to_yuan(r.amount_fen),
        exception_reason=r.exception_reason or "",
        exception_status=r.exception_status or "",
    )


def _unit_subjects(session: Session, year: int, ids: list[int], rules: RuleSet) -> list[Subject]:
    """What the rules judge in each unit's own saved records of the units ``ids``: every
    expense charged to the year, each unit's spending per category, every budget line, and each
    budgeted unit's deputy-activity budget."""
    rows = session.exec(
        select(*_EXPENSE_COLUMNS)
        .where(Expense.budget_year == year, Expense.township_id.in_(ids))
        .order_by(Expense.occurred_on, Expense.id)
    ).all()
    expenses = [
        ChargedExpense(
            record=_expense_record(r),
            budget_year=year,
            category=r.category,
            payee=r.payee,
            purpose=r.purpose,
            presidium_approved=bool(r.presidium_approved),
            approval_ref=r.approval_ref or "",
        )
        for r in rows
    ]
    by_category: dict[tuple[int, str], list[RecordRef]] = defaultdict(list)
    for e in expenses:
        by_category[(e.record.township_id, e.category)].append(e.record)

    budgets = {
        (b.township_id, b.category): b
        for b in session.exec(
            select(Budget).where(Budget.year == year, Budget.township_id.in_(ids))
        ).all()
    }
    deputies = deputy_counts(session, ids)
    spending = [
        CategorySpending(
            township_id=tid,
            year=year,
            category=category,
            expenses=tuple(records),
            earlier=Decimal("0.00"),  # every saved expense of the unit is judged
            budget=budget_record(budgets[(tid, category)]) if (tid, category) in budgets else None,
            deputies_without_income=deputies.get(tid, (0, 0))[1],
        )
        for (tid, category), records in by_category.items()
    ]
    lines = [
        BudgetLine(budget_record(b), to_yuan(b.district_share_fen), to_yuan(b.township_share_fen))
        for b in budgets.values()
    ]
    floors = []
    if DEPUTY_ACTIVITIES in category_codes(rules):
        for tid in dict.fromkeys(tid for tid, _ in budgets):
            line = budgets.get((tid, DEPUTY_ACTIVITIES))
            floors.append(
                DeputyActivityBudget(
                    township_id=tid,
                    line=budget_record(line) if line else None,
                    deputies=deputies.get(tid, (0, 0))[0],
                )
            )
    return [*expenses, *spending, *lines, *floors]


_MAX_LISTED = 5_000


def _receipt_subjects(session: Session, year: int, ids: list[int]) -> list[ReceiptUse]:
    """Each receipt number that the year's expenses of the units ``ids`` share with another
    saved expense, of any unit and year, reported to each unit using it (a number used once
    breaks no rule)."""
    # Numbers used more than once anywhere: one pass over the receipt index alone (the table
    # is not read). Then, for those few numbers only, their uses and units, joined to the year's
    # expenses of the units: given as a list, the planner knows they are few and looks each up
    # in the index (as a subquery, PostgreSQL guessed tens of thousands and read the table).
    twice = (
        select(Expense.receipt_no)
        .where(func.trim(Expense.receipt_no) != "")
        .group_by(Expense.receipt_no)
        .having(func.count() > 1)
    )
    numbers = session.exec(twice).all()
    if not numbers:
        return []
    # Past a few thousand numbers (the parameters a statement may hold), the subquery again.
    listed = numbers if len(numbers) <= _MAX_LISTED else twice
    reused = (
        select(
            Expense.receipt_no.label("receipt_no"),
            func.count(Expense.id).label("uses"),
            func.count(distinct(Expense.township_id)).label("units"),
        )
        .where(Expense.receipt_no.in_(listed))
        .group_by(Expense.receipt_no)
        .subquery()
    )
    rows = session.exec(
        select(*_EXPENSE_COLUMNS, reused.c.uses, reused.c.units)
        .join(reused, reused.c.receipt_no == Expense.receipt_no)
        .where(
            Expense.receipt_no.in_(listed),
            Expense.budget_year == year,
            Expense.township_id.in_(ids),
        )
        .order_by(Expense.occurred_on, Expense.id)
    ).all()
    by_receipt: dict[tuple[int, str], list[RecordRef]] = defaultdict(list)
    counted: dict[str, tuple[int, int]] = {}
    for r in rows:
        by_receipt[(r.township_id, r.receipt_no)].append(_expense_record(r))
        counted[r.receipt_no] = (int(r.uses), int(r.units))
    return [
        ReceiptUse(
            township_id=tid,
            receipt=receipt,
            records=tuple(sorted(records, key=lambda r: r.id or 0)),
            uses=counted[receipt][0],
            units=counted[receipt][1],
        )
        for (tid, receipt), records in by_receipt.items()
    ]


# ---------------------------------------------------------------------------------------------
# Budget against spending, execution by month, the expenses


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


@dataclass(frozen=True)
class UnitSums(Kept):
    """A unit's sums of one budget year in fen (kept between reads by ``services.unit_figures``):
    per category with a budget or spending, (budget, district share, township share, spent);
    and the spending that occurred in each month of the year."""

    lines: tuple[tuple[str, int, int, int, int], ...]
    months: tuple[int, ...]  # January to December


def _kept_sums(session: Session, year: int, ids: list[int]) -> dict[int, UnitSums]:
    """Each unit's sums, computed again only for a unit whose records changed: the province's
    grouping of every expense of the year is not done on every read."""
    return unit_figures.per_unit(
        session,
        "fund_sums",
        year=year,
        as_of=date(year, 12, 31),
        ids=ids,
        compute=lambda stale: _unit_sums(session, year, stale),
    )


def _unit_sums(session: Session, year: int, ids: list[int]) -> dict[int, UnitSums]:
    lines: dict[tuple[int, str], list[int]] = {}
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
    ).all():
        lines[(tid, cat)] = [int(a or 0), int(d or 0), int(t or 0), 0]
    for tid, cat, fen in session.exec(
        select(Expense.township_id, Expense.category, func.sum(Expense.amount_fen))
        .where(Expense.budget_year == year, Expense.township_id.in_(ids))
        .group_by(Expense.township_id, Expense.category)
    ).all():
        lines.setdefault((tid, cat), [0, 0, 0, 0])[3] = int(fen or 0)
    start, end = budget_year_bounds(year)
    month = extract("month", Expense.occurred_on)
    months: dict[int, list[int]] = {tid: [0] * 12 for tid in ids}
    for tid, m, fen in session.exec(
        select(Expense.township_id, month, func.sum(Expense.amount_fen))
        .where(
            Expense.budget_year == year,
            Expense.township_id.in_(ids),
            Expense.occurred_on.between(start, end),
        )
        .group_by(Expense.township_id, month)
    ).all():
        months[tid][int(m) - 1] = int(fen or 0)
    by_unit: dict[int, list[tuple[str, int, int, int, int]]] = {tid: [] for tid in ids}
    for (tid, cat), (a, d, t, spent) in sorted(lines.items()):
        by_unit[tid].append((cat, a, d, t, spent))
    return {tid: UnitSums(tuple(by_unit[tid]), tuple(months[tid])) for tid in ids}


def budget_vs_actual(
    session: Session, actor: Actor, *, year: int, township_id: int | None = None
) -> pd.DataFrame:
    """Per unit and category: budget, its district and township shares, and spending charged to
    the year (Decimal yuan). Every category of the rule set appears for every unit, plus any
    other category that has spending."""
    units = _scope(session, actor, township_id)
    if not units:
        return pd.DataFrame(columns=BUDGET_COLUMNS)
    sums = _kept_sums(session, year, [u.id for u in units])
    codes = category_codes(get_rules(session, year))
    extra = sorted({line[0] for s in sums.values() for line in s.lines} - set(codes))
    zero = (0, 0, 0, 0)
    rows = []
    for u in units:
        have = {line[0]: line[1:] for line in sums[u.id].lines}
        for cat in codes + extra:
            a, d, t, s = have.get(cat, zero)
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
    sums = _kept_sums(session, year, ids).values()
    by_month = [sum(s.months[m] for s in sums) for m in range(12)]
    total_budget = to_yuan(sum(line[1] for s in sums for line in s.lines))
    rows, running = [], 0
    for m, fen in enumerate(by_month, start=1):
        running += fen
        rows.append((m, to_yuan(fen), to_yuan(running), total_budget))
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
    "exception_status",
    "exception_note",
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
            Expense.exception_status,
            Expense.exception_note,
        )
        .join(Township, Township.id == Expense.township_id)
        .where(Expense.budget_year == year, Expense.township_id.in_(ids))
        .order_by(Expense.occurred_on.desc(), Expense.id.desc())
    ).all()
    data = [(*r[:7], to_yuan(r[7]), *r[8:]) for r in rows]
    return pd.DataFrame(data, columns=EXPENSE_COLUMNS)


def budget_lines(
    session: Session, actor: Actor, *, year: int, township_id: int
) -> dict[str, Budget]:
    """A unit's saved budget lines of ``year`` by category (for the forms that correct them)."""
    if not _scope(session, actor, township_id):
        return {}
    rows = session.exec(
        select(Budget).where(Budget.year == year, Budget.township_id == township_id)
    ).all()
    for row in rows:
        session.expunge(row)
    return {row.category: row for row in rows}
