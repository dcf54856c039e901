"""The figures of each document, read through the services that own them.

Nothing here decides a rule: meetings, activities, contact days, items, coverage, scores,
violations and rewards come from ``meetings``, ``contact_days``, ``roster_reads``,
``supervision_reads``, ``linkage``, ``checklist``, ``scoring``, ``fund_reports`` and ``rewards``;
this module picks the records of one period and counts them. The
only query of its own is each deputy's contact-day attendance, which no screen lists per deputy.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlmodel import Session, func, select

from models import ContactDay, ContactDayParticipant
from models.enums import MeetingKind, SupervisionStage
from services import (
    checklist,
    contact_days,
    fund_reports,
    linkage,
    meetings,
    org,
    overview,
    reads,
    rewards,
    roster_reads,
    scoring,
    supervision,
    supervision_reads,
)
from services.documents.periods import Period
from services.errors import PermissionDenied, ValidationError
from services.fund_rules import Violation
from services.permissions import Actor, require_read
from services.reads import Reads
from services.rewards import RewardReport


@dataclass(frozen=True)
class ItemRecord:
    """A supervision item as it stood at the period's end, with the moves made in the period."""

    title: str
    opened_on: date
    stage: SupervisionStage
    responsible_unit: str
    source_kind: str
    source_title: str
    done: tuple[str, ...]  # notes of the moves made in the period, oldest first
    rating: str | None
    raters: int | None
    opinion_id: int | None
    opinion_text: str
    opinion_answer: str


@dataclass(frozen=True)
class PresidiumWork:
    """主席团工作情况: what the presidium did in the period."""

    unit: org.TownshipInfo
    period: Period
    as_of: date
    meetings: pd.DataFrame  # meetings.list_meetings rows held in the period
    activities: pd.DataFrame  # meetings.list_supervision_activities rows of the period
    items: tuple[ItemRecord, ...]
    contact_days: pd.DataFrame  # contact_days.contact_days_frame rows of the period
    visits: pd.DataFrame  # contact_days.visits_frame rows of the period

    @property
    def sessions(self) -> pd.DataFrame:
        return self.meetings[self.meetings["kind"] == MeetingKind.congress_session.value]

    @property
    def presidium_meetings(self) -> pd.DataFrame:
        return self.meetings[self.meetings["kind"] == MeetingKind.presidium.value]

    @property
    def topics(self) -> list[str]:
        return [t for topics in self.presidium_meetings["topics"] for t in topics]

    @property
    def items_by_stage(self) -> Counter:
        return Counter(i.stage.value for i in self.items)


@dataclass(frozen=True)
class DeputyRecord:
    name: str
    level: str
    constituency: str
    is_presidium_member: bool
    contact_days_attended: int
    voters_linked: int
    commendations: tuple[str, ...]


@dataclass(frozen=True)
class DeputyPerformance:
    """代表履职情况: each deputy's part in the period and the unit's totals."""

    unit: org.TownshipInfo
    period: Period
    as_of: date
    deputies: tuple[DeputyRecord, ...]
    contact_days_held: int
    voters_met: int
    opinions_collected: int
    opinions_recorded: int
    opinions_followed: int  # recorded opinions a supervision item was opened from
    opinion_items: tuple[ItemRecord, ...]  # those items, as they stood at the period's end
    supervision_activities: int
    integrated_activities: pd.DataFrame  # checklist.cell_records("T10") rows of the period
    commendations: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (deputy, title)

    @property
    def attended_total(self) -> int:
        return sum(d.contact_days_attended for d in self.deputies)

    @property
    def voters_linked_total(self) -> int:
        return sum(d.voters_linked for d in self.deputies)


def _in_period(frame: pd.DataFrame, column: str, period: Period, end: date) -> pd.DataFrame:
    if frame.empty:
        return frame
    days = pd.to_datetime(frame[column]).dt.date
    return frame[(days >= period.start) & (days <= end)].reset_index(drop=True)


def _end(period: Period, as_of: date) -> date:
    if as_of < period.start:
        raise ValidationError(
            "documents.error.future_period", field="period", period=period.code, day=as_of
        )
    return period.end_by(as_of)


def unit_of(session: Session, actor: Actor, township_id: int) -> org.TownshipInfo:
    require_read(actor, township_id)
    return org.get_township(session, township_id)


def _items(
    session: Session, actor: Actor, township_id: int, period: Period, end: date
) -> list[ItemRecord]:
    """Items alive in the period: opened by its end and not closed before it began."""
    rows = supervision_reads.list_items(
        session, actor, year=period.year, as_of=end, township_id=township_id
    )
    out = []
    for row in rows.itertuples():
        if row.opened_on > end or (row.closed_on is not None and row.closed_on < period.start):
            continue
        timeline = supervision_reads.item_timeline(session, actor, int(row.id), as_of=end)
        events = [e for e in timeline.events if e.happened_on <= end]
        rated = [e for e in events if e.rating is not None]
        out.append(
            ItemRecord(
                title=row.title,
                opened_on=row.opened_on,
                # The stage the moves up to the period's end lead to: a later move is not yet
                # part of the report.
                stage=supervision.replay(events) if events else timeline.item.stage,
                responsible_unit=row.responsible_unit,
                source_kind=timeline.source.kind,
                source_title=timeline.source.title,
                done=tuple(
                    e.note for e in events if e.happened_on >= period.start and e.note.strip()
                ),
                rating=rated[-1].rating.value if rated else None,
                raters=rated[-1].raters if rated else None,
                opinion_id=timeline.source.opinion_id,
                opinion_text=timeline.source.opinion_text,
                opinion_answer=timeline.source.opinion_answer,
            )
        )
    return out


def presidium_work(
    session: Session, actor: Actor, *, township_id: int, period: Period, as_of: date
) -> PresidiumWork:
    unit = unit_of(session, actor, township_id)
    end = _end(period, as_of)
    held = meetings.list_meetings(
        session, actor, township_id=township_id, year=period.year, as_of=end
    )
    held = _in_period(held, "held_on", period, end).sort_values("held_on", kind="stable")
    acts = meetings.list_supervision_activities(
        session, actor, township_id=township_id, year=period.year, as_of=end
    )
    acts = _in_period(acts, "held_on", period, end).sort_values("held_on", kind="stable")
    days = _in_period(
        contact_days.contact_days_frame(session, actor, township_id, period.year),
        "held_on",
        period,
        end,
    ).sort_values("held_on", kind="stable")
    visits = _in_period(
        contact_days.visits_frame(session, actor, township_id, period.year), "held_on", period, end
    )
    return PresidiumWork(
        unit=unit,
        period=period,
        as_of=end,
        meetings=held.reset_index(drop=True),
        activities=acts.reset_index(drop=True),
        items=tuple(_items(session, actor, township_id, period, end)),
        contact_days=days.reset_index(drop=True),
        visits=visits,
    )


def _attendance(session: Session, township_id: int, start: date, end: date) -> dict[int, int]:
    """Deputy id → contact days of the unit in [start, end] the deputy took part in."""
    rows = session.exec(
        select(ContactDayParticipant.deputy_id, func.count(ContactDayParticipant.id))
        .join(ContactDay, ContactDay.id == ContactDayParticipant.contact_day_id)
        .where(ContactDay.township_id == township_id, ContactDay.held_on.between(start, end))
        .group_by(ContactDayParticipant.deputy_id)
    ).all()
    return {int(d): int(n) for d, n in rows}


def deputy_performance(
    session: Session, actor: Actor, *, township_id: int, period: Period, as_of: date
) -> DeputyPerformance:
    unit = unit_of(session, actor, township_id)
    end = _end(period, as_of)
    expected = roster_reads.contact_deputies(session, actor, township_id)
    frame = roster_reads.deputies_frame(session, actor, township_id).set_index("id")
    attended = _attendance(session, township_id, period.start, end)
    honours = [
        (c["deputy"], c["title"])
        for c in overview.commendations(session, actor, year=period.year, as_of=end)
        if c["name_zh"] == unit.name_zh
    ]
    deputies = tuple(
        DeputyRecord(
            name=d.name,
            level=str(frame.at[d.id, "level"]),
            constituency=d.constituency,
            is_presidium_member=d.is_presidium_member,
            contact_days_attended=attended.get(d.id, 0),
            voters_linked=int(frame.at[d.id, "voters"]),
            commendations=tuple(title for name, title in honours if name == d.name),
        )
        for d in expected
    )
    days = _in_period(
        contact_days.contact_days_frame(session, actor, township_id, period.year),
        "held_on",
        period,
        end,
    )
    opinions = [
        s
        for s in supervision_reads.list_sources(
            session, actor, township_id=township_id, year=period.year
        )
        if s.kind == "opinion" and period.start <= s.held_on <= end
    ]
    taken = {s.id for s in opinions if s.taken}
    followed = [
        i for i in _items(session, actor, township_id, period, end) if i.opinion_id in taken
    ]
    acts = meetings.list_supervision_activities(
        session, actor, township_id=township_id, year=period.year, as_of=end
    )
    integrated = checklist.cell_records(
        session, actor, year=period.year, as_of=end, township_id=township_id, task_code="T10"
    )
    return DeputyPerformance(
        unit=unit,
        period=period,
        as_of=end,
        deputies=deputies,
        contact_days_held=len(days),
        voters_met=int(days["voters_met"].sum()) if len(days) else 0,
        opinions_collected=int(days["opinions_count"].sum()) if len(days) else 0,
        opinions_recorded=len(opinions),
        opinions_followed=sum(1 for s in opinions if s.taken),
        opinion_items=tuple(followed),
        supervision_activities=len(_in_period(acts, "held_on", period, end)),
        integrated_activities=_in_period(integrated, "date", period, end),
        commendations=tuple(honours),
    )


@dataclass(frozen=True)
class Appraisal:
    """The district's appraisal of the year as of a date: scores, fund use, violations, rewards."""

    year: int
    as_of: date
    board: scoring.ScoreBoard
    budget: pd.DataFrame  # fund_reports.budget_vs_actual
    violations: tuple[Violation, ...]
    rewards: RewardReport


def appraisal(session: Session, actor: Actor, *, year: int, as_of: date) -> Appraisal:
    """District roles only: the whole district's appraisal."""
    if not actor.is_district:
        raise PermissionDenied("documents.error.district_only")
    end = min(as_of, date(year, 12, 31))
    shared = Reads()  # the scores, the task list and the violations, read once for the document
    return Appraisal(
        year=year,
        as_of=end,
        board=scoring.township_scores(session, year, end, reads=shared),
        budget=fund_reports.budget_vs_actual(session, actor, year=year),
        violations=tuple(reads.fund_violations(session, actor, year=year, reads=shared)),
        rewards=rewards.rewards(session, actor, year=year, as_of=end, reads=shared),
    )


@dataclass(frozen=True)
class Briefing:
    """The one-page briefing: headline figures, alerts naming the units, and the two charts'
    data (the scoreboard and the month's contact-day participation)."""

    year: int
    as_of: date
    headline: overview.Headline
    alerts: tuple[overview.Alert, ...]
    board: scoring.ScoreBoard
    participation: pd.DataFrame  # linkage.contact_participation of the year


def briefing(session: Session, actor: Actor, *, year: int, as_of: date) -> Briefing:
    if not actor.is_district:
        raise PermissionDenied("documents.error.district_only")
    end = min(as_of, date(year, 12, 31))
    shared = Reads()  # the task list and the violations, read once for the document
    return Briefing(
        year=year,
        as_of=end,
        headline=overview.headline(session, actor, year=year, as_of=end, reads=shared),
        alerts=tuple(overview.alerts(session, actor, year=year, as_of=end)),
        board=scoring.township_scores(session, year, end, reads=shared),
        participation=linkage.contact_participation(session, actor, year=year, as_of=end),
    )
