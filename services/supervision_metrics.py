"""Closed-loop supervision, measured: SQL aggregates over the items alive in a year (opened on
or before the as-of date and not closed before the year began) for the board, the overview and
the appraisal: items per stage, the overdue list, closure and satisfaction per unit, the average
days spent in each stage and T06's progress towards the people's evaluation.
"""

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, case, false, literal, or_
from sqlmodel import Session, func, select

from models import SupervisionItem, SupervisionStageEvent, Township
from models.enums import SupervisionStage
from services import org, unit_figures
from services.permissions import Actor, scope_to_readable
from services.rules import RuleSet, rules_of_years
from services.supervision import GOOD_RATINGS, STAGES, rules_of_year, stage_deadline
from services.supervision_reads import alive_in_year


def stage_counts(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Items alive in the year per unit and current stage: township_id, stage, items."""
    stmt = scope_to_readable(
        select(SupervisionItem.township_id, SupervisionItem.stage, func.count(SupervisionItem.id))
        .where(alive_in_year(year, as_of))
        .group_by(SupervisionItem.township_id, SupervisionItem.stage),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    rows = [(t, SupervisionStage(s).value, int(n)) for t, s, n in session.exec(stmt).all()]
    return pd.DataFrame(rows, columns=["township_id", "stage", "items"])


def _overdue_condition(as_of: date, by_year: dict[int, RuleSet]):
    """SQL: the item is past the deadline of its current stage (``by_year``: the rules of each
    entry year, read at once by ``rules_of_years`` however many years the open items span)."""
    parts = []
    for y in sorted(by_year):
        days = by_year[y].supervision.stage_deadline_days
        for stage in STAGES:
            parts.append(
                and_(
                    SupervisionItem.stage == stage,
                    SupervisionItem.stage_entered_on.between(date(y, 1, 1), date(y, 12, 31)),
                    SupervisionItem.stage_entered_on < as_of - timedelta(days=days[stage]),
                )
            )
    return or_(*parts) if parts else false()


def _open_entry_years(session: Session, actor: Actor, year: int, as_of: date, township_id=None):
    stmt = scope_to_readable(
        select(SupervisionItem.stage_entered_on)
        .where(alive_in_year(year, as_of), SupervisionItem.stage != SupervisionStage.closed)
        .group_by(SupervisionItem.stage_entered_on),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    return {d.year for d in session.exec(stmt).all()}


def overdue_items(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Open items past the deadline of their stage as of ``as_of``, the longest overdue first."""
    by_year = rules_of_years(session, _open_entry_years(session, actor, year, as_of, township_id))
    stmt = scope_to_readable(
        select(
            SupervisionItem.id,
            SupervisionItem.township_id,
            Township.name_zh,
            Township.name_en,
            SupervisionItem.title,
            SupervisionItem.stage,
            SupervisionItem.stage_entered_on,
            SupervisionItem.responsible_unit,
        )
        .join(Township, Township.id == SupervisionItem.township_id)
        .where(alive_in_year(year, as_of), _overdue_condition(as_of, by_year))
        .order_by(SupervisionItem.stage_entered_on, SupervisionItem.id),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    rows = []
    for item_id, tid, zh, en, title, stage, entered, unit in session.exec(stmt).all():
        deadline = stage_deadline(stage, entered, by_year[entered.year])
        rows.append(
            (
                item_id,
                tid,
                zh,
                en,
                title,
                SupervisionStage(stage).value,
                entered,
                deadline,
                (as_of - deadline).days,
                unit,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "township_id",
            "name_zh",
            "name_en",
            "title",
            "stage",
            "stage_entered_on",
            "deadline",
            "days_overdue",
            "responsible_unit",
        ],
    )


def township_summary(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Per readable unit (of ``township_ids`` only, when given): items alive in the year, closed,
    open, overdue, closure rate (closed / items), rated feedback events in the year and
    satisfaction (satisfied or basically satisfied / rated), and the year's closure target."""
    some = township_ids is not None
    in_units = SupervisionItem.township_id.in_(township_ids or []) if some else literal(True)
    rules = rules_of_year(session, year)
    by_year = rules_of_years(session, _open_entry_years(session, actor, year, as_of))
    closed_case = case(
        (
            and_(SupervisionItem.closed_on.is_not(None), SupervisionItem.closed_on <= as_of),
            1,
        ),
        else_=0,
    )
    overdue_case = case((_overdue_condition(as_of, by_year), 1), else_=0)
    items = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionItem.id).label("n_items"),
            func.sum(closed_case).label("closed"),
            func.sum(overdue_case).label("overdue"),
        )
        .where(alive_in_year(year, as_of), in_units)
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    good = case((SupervisionStageEvent.rating.in_(GOOD_RATINGS), 1), else_=0)
    ratings = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionStageEvent.id).label("rated"),
            func.sum(good).label("good"),
            func.sum(func.coalesce(SupervisionStageEvent.raters, 0)).label("raters"),
        )
        .join(SupervisionItem, SupervisionItem.id == SupervisionStageEvent.item_id)
        .where(
            SupervisionStageEvent.rating.is_not(None),
            SupervisionStageEvent.happened_on.between(
                date(year, 1, 1), min(date(year, 12, 31), as_of)
            ),
            in_units,
        )
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    stmt = scope_to_readable(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            Township.unit_type,
            func.coalesce(items.c.n_items, 0),
            func.coalesce(items.c.closed, 0),
            func.coalesce(items.c.overdue, 0),
            func.coalesce(ratings.c.rated, 0),
            func.coalesce(ratings.c.good, 0),
            func.coalesce(ratings.c.raters, 0),
        )
        .join(items, items.c.township_id == Township.id, isouter=True)
        .join(ratings, ratings.c.township_id == Township.id, isouter=True)
        .where(Township.active, Township.id.in_(township_ids or []) if some else literal(True))
        .order_by(Township.sort_order, Township.id),
        Township.id,
        actor,
    )
    rows = []
    for tid, zh, en, unit_type, n, closed, overdue, rated, good_n, raters in session.exec(
        stmt
    ).all():
        n, closed, overdue, rated, good_n = map(int, (n, closed, overdue, rated, good_n))
        rows.append(
            {
                "township_id": tid,
                "name_zh": zh,
                "name_en": en,
                "unit_type": getattr(unit_type, "value", unit_type),
                "items": n,
                "closed": closed,
                "open": n - closed,
                "overdue": overdue,
                "closure_rate": closed / n if n else None,
                "rated": rated,
                "good": good_n,
                "raters": int(raters),
                "satisfaction": good_n / rated if rated else None,
                "closure_target": rules.supervision.closure_target,
            }
        )
    columns = [
        "township_id",
        "name_zh",
        "name_en",
        "unit_type",
        "items",
        "closed",
        "open",
        "overdue",
        "closure_rate",
        "rated",
        "good",
        "raters",
        "satisfaction",
        "closure_target",
    ]
    return pd.DataFrame(rows, columns=columns)


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier  # PostgreSQL: date - date is a whole number of days


def average_stage_days(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
    county_id: int | None = None,
) -> pd.DataFrame:
    """Average days an item stays in each stage, from the event history of the items alive in
    the year: a stay runs from the event entering the stage to the next event, or to ``as_of``
    while the item is still there (so a stage where items get stuck shows). Returns stage,
    stays, avg_days and the stage's deadline days, in stage order. ``county_id``: only the
    units of that county-level district.

    Each unit's stays (count and days per stage) are kept between reads
    (``services.unit_figures``): a province's event history is read again only for the units
    whose records changed."""
    units = [
        u.id
        for u in org.list_townships(session, actor, include_retired=True)
        if (township_id is None or u.id == township_id)
        and (county_id is None or u.parent_id == county_id)
    ]
    kept = unit_figures.per_unit(
        session,
        "stays",
        year=year,
        as_of=as_of,
        ids=units,
        compute=lambda stale: _unit_stays(session, year, as_of, stale),
    )
    stays: dict[str, int] = {}
    days: dict[str, float] = {}
    for tid in units:
        for stage, (n, total) in kept[tid].items():
            stays[stage] = stays.get(stage, 0) + n
            days[stage] = days.get(stage, 0.0) + total
    limits = rules_of_year(session, year).supervision.stage_deadline_days
    rows = [
        (
            s.value,
            stays.get(s.value, 0),
            days[s.value] / stays[s.value] if stays.get(s.value) else None,
            limits[s],
        )
        for s in STAGES
    ]
    return pd.DataFrame(rows, columns=["stage", "stays", "avg_days", "deadline_days"])


def _unit_stays(
    session: Session, year: int, as_of: date, ids: list[int]
) -> dict[int, dict[str, tuple[int, float]]]:
    """Per unit of ``ids`` and stage before closed: the stays and the days they add up to."""
    nxt = func.lead(SupervisionStageEvent.happened_on).over(
        partition_by=SupervisionStageEvent.item_id,
        order_by=(SupervisionStageEvent.happened_on, SupervisionStageEvent.id),
    )
    stays = (
        select(
            SupervisionItem.township_id.label("township_id"),
            SupervisionStageEvent.to_stage.label("stage"),
            SupervisionStageEvent.happened_on.label("start"),
            nxt.label("until"),
        )
        .join(SupervisionItem, SupervisionItem.id == SupervisionStageEvent.item_id)
        .where(
            alive_in_year(year, as_of),
            SupervisionStageEvent.happened_on <= as_of,
            SupervisionItem.township_id.in_(ids),
        )
        .subquery()
    )
    end = func.coalesce(stays.c.until, literal(as_of))
    days = _days_between(session, end, stays.c.start)
    stmt = (
        select(stays.c.township_id, stays.c.stage, func.count(), func.sum(days))
        .where(stays.c.stage != SupervisionStage.closed)
        .group_by(stays.c.township_id, stays.c.stage)
    )
    out: dict[int, dict[str, tuple[int, float]]] = {tid: {} for tid in ids}
    for tid, stage, n, total in session.exec(stmt).all():
        out[tid][SupervisionStage(stage).value] = (int(n), float(total))
    return out


def loop_progress(session: Session, actor: Actor, *, year: int, as_of: date) -> pd.DataFrame:
    """T06 (close the loop) per readable unit, as the task list defines it: an item is due once
    the deadlines of the four stages before feedback have run from its opening (rules of
    ``year``), counting the items whose due date falls in the year up to ``as_of``; it has
    reached the people's evaluation when its stage is now feedback or closed. Returns
    township_id, names, due, reached, share (None when nothing is due) and the target."""
    rules = rules_of_year(session, year)
    as_of = min(max(as_of, date(year, 1, 1)), date(year, 12, 31))
    days = rules.supervision.stage_deadline_days
    lag = timedelta(days=sum(days[s] for s in STAGES[:-1]))
    reached = SupervisionItem.stage.in_([SupervisionStage.feedback, SupervisionStage.closed])
    per_unit = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionItem.id).label("due"),
            func.sum(case((reached, 1), else_=0)).label("reached"),
        )
        .where(SupervisionItem.opened_on.between(date(year, 1, 1) - lag, as_of - lag))
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    stmt = scope_to_readable(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            func.coalesce(per_unit.c.due, 0),
            func.coalesce(per_unit.c.reached, 0),
        )
        .join(per_unit, per_unit.c.township_id == Township.id, isouter=True)
        .where(Township.active)
        .order_by(Township.sort_order, Township.id),
        Township.id,
        actor,
    )
    target = rules.supervision.closure_target
    rows = []
    for tid, zh, en, due, got in session.exec(stmt).all():
        due, got = int(due), int(got)
        rows.append((tid, zh, en, due, got, got / due if due else None, target))
    return pd.DataFrame(
        rows, columns=["township_id", "name_zh", "name_en", "due", "reached", "share", "target"]
    )
