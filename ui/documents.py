"""The texts of the documents: the two notifications, the appraisal report and the briefing.

The figures come from ``services.documents.records`` (which reads the services), the charts
from the same Altair builders the overview screens draw (``ui.overview``), and every word from
the catalogs (``documents.*`` and the labels the screens use). The result is a
``services.documents.model.Document``, written by ``word``, ``workbook`` or ``pdf``. The screen
and ``manage.py report`` both call ``build``.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session

from models.db import session_scope
from models.enums import NotificationKind, UnitType
from services import clock, supervision
from services import rules as rules_service
from services.documents import charts, pdf, records, word, workbook
from services.documents.model import Document, Figure, Heading, Paragraph, Table
from services.documents.periods import Period
from services.errors import ValidationError
from services.fund_rules import violation_counts
from services.permissions import Actor
from ui import funds as funds_ui
from ui import overview as overview_ui
from ui.cache_keys import copied
from ui.format import day, number, percent, ranking_title, yuan
from ui.i18n import label, name_column, t

OPEN_STAGES = [s.value for s in supervision.STAGES]
DEPUTY_COLUMNS: tuple[str, ...] = ("no", "name", "level", "constituency", "presidium", "attended")
DEPUTY_COLUMNS += ("voters_linked", "commendations")
# Chart images are drawn this many CSS pixels wide: half an A4 page's width at print size.
CHART_WIDTH = 420


class Kind(StrEnum):
    notification_presidium = "notification-presidium"
    notification_deputies = "notification-deputies"
    appraisal = "appraisal"
    briefing = "briefing"

    @property
    def for_unit(self) -> bool:
        return self in (Kind.notification_presidium, Kind.notification_deputies)

    @property
    def notification(self) -> NotificationKind | None:
        return {
            Kind.notification_presidium: NotificationKind.presidium_work,
            Kind.notification_deputies: NotificationKind.deputy_performance,
        }.get(self)


MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMATS = {
    Kind.notification_presidium: ("docx",),
    Kind.notification_deputies: ("docx",),
    Kind.appraisal: ("docx", "xlsx"),
    Kind.briefing: ("pdf",),
}


@dataclass(frozen=True)
class Output:
    file_name: str
    data: bytes
    document: Document

    @property
    def mime(self) -> str:
        return MIME[self.file_name.rsplit(".", 1)[-1]]


# ---------------------------------------------------------------------------------------------
# Shared pieces


def period_text(period: Period, lang: str) -> str:
    """2026年下半年 / second half of 2026."""
    key = f"half_{period.n}" if period.kind == "half" else period.kind
    return t(f"documents.period.{key}", lang, year=period.year, n=period.n)


def _issuer(unit, lang: str) -> str:
    key = "subdistrict" if unit.unit_type == UnitType.subdistrict else "congress"
    return t(f"documents.issuer.{key}", lang, unit=unit.name(lang))


def _short(unit, lang: str) -> str:
    """The unit's short name for the 文号: 来龙镇 → 来龙, 顺河街道 → 顺河."""
    if lang != "zh":
        return unit.name_en
    for suffix in ("街道", "镇", "乡"):
        if unit.name_zh.endswith(suffix) and len(unit.name_zh) > len(suffix):
            return unit.name_zh[: -len(suffix)]
    return unit.name_zh


def _yes_no(flag: bool, lang: str) -> str:
    return t("documents.yes" if flag else "documents.no", lang)


def _names(hide: bool, lang: str):
    """A function naming the n-th person: their name, or 代表1, 代表2 … when names are hidden."""
    seen: dict[str, str] = {}

    def name_of(name: str) -> str:
        if not hide or not name:
            return name
        if name not in seen:
            seen[name] = t("present.hidden_name", lang, n=len(seen) + 1)
        return seen[name]

    return name_of


def _list(names, lang: str) -> str:
    """Names in a row: 甲、乙 / A, B."""
    return ("、" if lang == "zh" else ", ").join(names)


def _join(parts, lang: str) -> str:
    """Sentences run together with one separator: a sentence's own full stop gives way to it."""
    parts = [p.strip().rstrip("。；;") for p in parts if p and p.strip()]
    return ("；" if lang == "zh" else "; ").join(parts)


# ---------------------------------------------------------------------------------------------
# 主席团工作情况通报


def presidium_notice(work: records.PresidiumWork, lang: str, *, issued_on: date) -> Document:
    unit, period = work.unit, work.period
    when = period_text(period, lang)
    stages = work.items_by_stage
    closed = stages.get("closed", 0)
    blocks: list = [
        Paragraph(t("documents.presidium.to", lang)),
        Paragraph(t("documents.presidium.intro", lang, period=when, unit=unit.name(lang))),
        Heading(t("documents.presidium.h_meetings", lang)),
        Paragraph(
            # A sub-district holds no congress of its own: its notice says so, not "0 sessions".
            t("documents.presidium.no_congress", lang)
            if unit.unit_type == UnitType.subdistrict and work.meetings.empty
            else t(
                "documents.presidium.meetings",
                lang,
                sessions=len(work.sessions),
                presidium=len(work.presidium_meetings),
                topics=len(work.topics),
            )
        ),
        Table(
            t("documents.presidium.t_meetings", lang),
            [t(f"documents.col.{c}", lang) for c in ("date", "kind", "title", "attendance")]
            + [t("documents.col.topics", lang)],
            [
                [
                    day(m.held_on, lang),
                    label("checklist.kind", m.kind, lang),
                    m.title,
                    number(m.attendance, lang),
                    _list(m.topics, lang),
                ]
                for m in work.meetings.itertuples()
            ],
        ),
        Heading(t("documents.presidium.h_supervision", lang)),
        Paragraph(t("documents.presidium.activities", lang, n=len(work.activities))),
        Table(
            t("documents.presidium.t_activities", lang),
            [t(f"documents.col.{c}", lang) for c in ("date", "kind", "subject", "participants")],
            [
                [
                    day(a.held_on, lang),
                    label("checklist.kind", a.kind, lang),
                    a.subject,
                    number(a.participants, lang),
                ]
                for a in work.activities.itertuples()
            ],
        ),
        Heading(t("documents.presidium.h_items", lang)),
        Paragraph(
            t(
                "documents.presidium.items",
                lang,
                n=len(work.items),
                closed=closed,
                stages=_join(
                    [
                        f"{label('supervision.stage', s, lang)} {stages[s]}"
                        for s in OPEN_STAGES
                        if stages.get(s)
                    ],
                    lang,
                )
                or "—",
            )
        ),
        Table(
            t("documents.presidium.t_items", lang),
            [t(f"documents.col.{c}", lang) for c in ("item", "stage", "done", "people")],
            [
                [
                    i.title,
                    label("supervision.stage", i.stage, lang),
                    _join(i.done, lang) or "—",
                    _people_said(i, lang),
                ]
                for i in work.items
            ],
        ),
        Heading(t("documents.presidium.h_contact", lang)),
        Paragraph(
            t(
                "documents.presidium.contact",
                lang,
                days=len(work.contact_days),
                voters=int(work.contact_days["voters_met"].sum()) if len(work.contact_days) else 0,
                opinions=int(work.contact_days["opinions_count"].sum())
                if len(work.contact_days)
                else 0,
                visits=int(work.visits["people_visited"].sum()) if len(work.visits) else 0,
            )
        ),
        Table(
            t("documents.presidium.t_contact", lang),
            [t(f"documents.col.{c}", lang) for c in ("date", "deputies", "voters_met", "opinions")],
            [
                [
                    day(d.held_on, lang),
                    f"{d.participants} / {d.expected}",
                    number(d.voters_met, lang),
                    number(d.opinions_count, lang),
                ]
                for d in work.contact_days.itertuples()
            ],
        ),
        Paragraph(t("documents.closing", lang)),
    ]
    return Document(
        issuer=_issuer(unit, lang),
        number=t("documents.number", lang, short=_short(unit, lang), year=issued_on.year),
        title=t("documents.presidium.title", lang, period=when),
        blocks=blocks,
        signature=_issuer(unit, lang),
        dated=day(issued_on, lang),
        lang=lang,
    )


def _people_said(item: records.ItemRecord, lang: str) -> str:
    parts = []
    if item.opinion_text:
        parts.append(t("documents.presidium.opinion", lang, text=item.opinion_text))
    if item.rating:
        parts.append(
            t(
                "documents.presidium.rating",
                lang,
                rating=label("supervision.rating", item.rating, lang),
                n=item.raters or 0,
            )
        )
    if item.opinion_answer:
        parts.append(t("documents.presidium.answer", lang, text=item.opinion_answer))
    return _join(parts, lang) or "—"


# ---------------------------------------------------------------------------------------------
# 代表履职情况通报


def deputies_notice(
    perf: records.DeputyPerformance, lang: str, *, issued_on: date, hide_names: bool = False
) -> Document:
    unit, period = perf.unit, perf.period
    when = period_text(period, lang)
    name_of = _names(hide_names, lang)
    rows = [
        [
            str(i),
            name_of(d.name),
            label("checklist.level", d.level, lang),
            d.constituency or "—",
            _yes_no(d.is_presidium_member, lang),
            number(d.contact_days_attended, lang),
            number(d.voters_linked, lang),
            _join(d.commendations, lang) or "—",
        ]
        for i, d in enumerate(perf.deputies, start=1)
    ]
    rows.append(
        [
            "",
            t("documents.total", lang),
            "",
            "",
            "",
            number(perf.attended_total, lang),
            number(perf.voters_linked_total, lang),
            number(sum(len(d.commendations) for d in perf.deputies), lang),
        ]
    )
    integrated = perf.integrated_activities
    blocks: list = [
        Paragraph(t("documents.deputies.to", lang)),
        Paragraph(t("documents.deputies.intro", lang, period=when, unit=unit.name(lang))),
        Heading(t("documents.deputies.h_totals", lang)),
        Paragraph(
            t(
                "documents.deputies.totals",
                lang,
                deputies=len(perf.deputies),
                days=perf.contact_days_held,
                attended=perf.attended_total,
                voters=perf.voters_linked_total,
                met=perf.voters_met,
            )
        ),
        Paragraph(
            t(
                "documents.deputies.opinions",
                lang,
                collected=perf.opinions_collected,
                recorded=perf.opinions_recorded,
                followed=perf.opinions_followed,
                closed=sum(1 for i in perf.opinion_items if i.stage.value == "closed"),
            )
        ),
        Paragraph(
            t(
                "documents.deputies.activities",
                lang,
                supervision=perf.supervision_activities,
                integrated=len(integrated),
                commended=len(perf.commendations),
            )
        ),
        Heading(t("documents.deputies.h_each", lang)),
        Table(
            t("documents.deputies.t_each", lang),
            [t(f"documents.col.{c}", lang) for c in DEPUTY_COLUMNS],
            rows,
        ),
        Heading(t("documents.deputies.h_opinions", lang)),
        Table(
            t("documents.deputies.t_opinions", lang),
            [t(f"documents.col.{c}", lang) for c in ("opinion", "item", "stage", "people")],
            [
                [
                    i.opinion_text,
                    i.title,
                    label("supervision.stage", i.stage, lang),
                    t(
                        "documents.presidium.rating",
                        lang,
                        rating=label("supervision.rating", i.rating, lang),
                        n=i.raters or 0,
                    )
                    if i.rating
                    else "—",
                ]
                for i in perf.opinion_items
            ],
        ),
        Heading(t("documents.deputies.h_activities", lang)),
        Table(
            t("documents.deputies.t_activities", lang),
            [t(f"documents.col.{c}", lang) for c in ("date", "title", "theme", "levels")]
            + [t("documents.col.participants", lang)],
            [
                [
                    day(r.date, lang),
                    r.title,
                    r.text,
                    _list(
                        [label("checklist.level", lv, lang) for lv in r.detail.split(",") if lv],
                        lang,
                    ),
                    number(r.value, lang),
                ]
                for r in integrated.itertuples()
            ],
        ),
        Paragraph(t("documents.closing", lang)),
    ]
    return Document(
        issuer=_issuer(unit, lang),
        number=t("documents.number", lang, short=_short(unit, lang), year=issued_on.year),
        title=t("documents.deputies.title", lang, period=when),
        blocks=blocks,
        signature=_issuer(unit, lang),
        dated=day(issued_on, lang),
        lang=lang,
    )


# ---------------------------------------------------------------------------------------------
# District documents


def _ranking_figure(board, lang: str) -> Figure:
    title = ranking_title(board, board.year, lang)
    spec = overview_ui.ranking_chart(board, lang, title=title).to_dict()
    return Figure(title, charts.chart_png(spec, width=CHART_WIDTH), spec)


def _participation_figure(frame, lang: str) -> Figure | None:
    if frame.empty:
        return None
    last = frame[frame["month"] == frame["month"].max()]
    ranked = last.sort_values("rate", ascending=False)
    name = name_column(lang)
    title = t(
        "present.contact_title",
        lang,
        month=t("common.month_n", lang, n=int(last["month"].iloc[0])),
        top=ranked[name].iloc[0],
        bottom=ranked[name].iloc[-1],
    )
    spec = overview_ui.participation_bars(last, lang, title=title).to_dict()
    return Figure(title, charts.chart_png(spec, width=CHART_WIDTH), spec)


def _frame_table(name: str, frame) -> Table:
    return Table(name, [str(c) for c in frame.columns], frame.astype(object).values.tolist())


def appraisal_report(a: records.Appraisal, lang: str, *, rule_set) -> Document:
    board = a.board
    dims = overview_ui.DIMENSION_ORDER
    names = {u.township_id: u.name(lang) for u in board.units}
    ranking = Table(
        t("documents.appraisal.t_ranking", lang),
        [t("overview.col.rank", lang), t("overview.col.unit", lang)]
        + [t(f"score.dimension.{d}", lang) for d in dims]
        + [t("score.adjustments", lang), t("overview.col.total", lang)]
        + [t("overview.col.grade", lang)],
        [
            [u.rank, u.name(lang)]
            + [u.dimensions[d] for d in dims]
            + [u.adjustments, u.total, label("score.grade", u.grade, lang)]
            for u in board.units
        ],
    )
    blocks: list = [
        Paragraph(
            t(
                "documents.appraisal.intro",
                lang,
                year=a.year,
                day=day(a.as_of, lang),
                n=len(board.units),
                median=f"{board.median_total:.1f}" if board.units else "—",
            )
        ),
        Heading(t("documents.appraisal.h_ranking", lang)),
        ranking,
    ]
    if board.units:
        blocks.append(_ranking_figure(board, lang))
    blocks.append(Heading(t("documents.appraisal.h_scorecards", lang)))
    for u in board.units:
        blocks.append(
            Heading(
                t(
                    "documents.appraisal.unit_heading",
                    lang,
                    rank=u.rank,
                    unit=u.name(lang),
                    total=f"{u.total:.1f}",
                    grade=label("score.grade", u.grade, lang),
                ),
                level=2,
            )
        )
        blocks.append(
            Table(
                t("documents.appraisal.t_scorecard", lang, unit=u.name(lang)),
                [t(f"documents.col.{c}", lang) for c in ("dimension", "reason", "points", "max")],
                [
                    [
                        t(f"score.dimension.{f.dimension}", lang),
                        overview_ui.fact_text(f, lang),
                        f.points,
                        f.max_points,
                    ]
                    for f in u.facts
                ],
            )
        )
    budget = a.budget.groupby(["township_id"], sort=False)[["budget", "spent"]].sum()
    blocks += [
        Heading(t("documents.appraisal.h_funds", lang)),
        Table(
            t("documents.appraisal.t_funds", lang),
            [t(f"funds.col.{c}", lang) for c in ("township", "budget", "spent", "rate")],
            [
                [
                    names.get(tid, str(tid)),
                    yuan(r.budget, lang),
                    yuan(r.spent, lang),
                    funds_ui.rate_text(r.spent, r.budget, lang),
                ]
                for tid, r in budget.iterrows()
            ],
        ),
        Heading(t("documents.appraisal.h_violations", lang)),
        Paragraph(
            t(
                "documents.appraisal.violations",
                lang,
                n=len(a.violations),
                open=violation_counts(a.violations)[0],
                excused=violation_counts(a.violations)[1],
            )
        ),
        _frame_table(
            t("documents.appraisal.t_violations", lang),
            funds_ui.violations_frame(a.violations, rule_set, names, lang),
        ),
        Heading(t("documents.appraisal.h_rewards", lang)),
        Paragraph(t("documents.appraisal.rewards", lang, total=yuan(a.rewards.total_yuan, lang))),
        _frame_table(
            t("documents.appraisal.t_rewards", lang),
            funds_ui.rewards_frame(a.rewards, rule_set, lang),
        ),
    ]
    return Document(
        issuer=t("documents.issuer.district", lang),
        number=t("documents.number_district", lang, year=a.year),
        title=t("documents.appraisal.title", lang, year=a.year),
        blocks=blocks,
        signature=t("documents.issuer.district", lang),
        dated=day(a.as_of, lang),
        lang=lang,
    )


def briefing_sheet(b: records.Briefing, lang: str) -> Document:
    h = b.headline
    month = t("common.month_n", lang, n=h.participation_month) if h.participation_month else "—"
    metrics = Table(
        t("documents.briefing.t_headline", lang),
        [
            t("overview.metric.on_track", lang),
            t("overview.metric.participation", lang, month=month),
            t("overview.metric.open_items", lang),
            t("overview.metric.overdue_items", lang),
            t("overview.metric.execution", lang),
            t("overview.metric.violations", lang),
        ],
        [
            [
                t("overview.metric.on_track_value", lang, n=h.units_on_track, total=h.units),
                percent(h.participation, lang),
                number(h.open_items, lang),
                number(h.overdue_items, lang),
                percent(h.execution, lang),
                t(
                    "funds.violation_counts",
                    lang,
                    open=number(h.violations, lang),
                    excused=number(h.violations_excused, lang),
                ),
            ]
        ],
    )
    attention = [a for a in b.alerts if a.township_ids]
    blocks: list = [metrics, Heading(t("documents.briefing.h_attention", lang))]
    blocks += [Paragraph(f"• {overview_ui.alert_text(a, lang)}") for a in attention] or [
        Paragraph(t("documents.briefing.none", lang))
    ]
    if b.board.units:
        lowest = [u for u in b.board.units if u.grade in ("fail", "pass")]
        if lowest:
            blocks.append(
                Paragraph(
                    "• "
                    + t(
                        "documents.briefing.low_grades",
                        lang,
                        names=_list([u.name(lang) for u in lowest], lang),
                    )
                )
            )
        blocks.append(_ranking_figure(b.board, lang))
    figure = _participation_figure(b.participation, lang)
    if figure is not None:
        blocks.append(figure)
    return Document(
        issuer=t("documents.issuer.district", lang),
        number="",
        title=t("documents.briefing.title", lang, year=b.year),
        blocks=blocks,
        signature=t("documents.issuer.district", lang),
        dated=t("documents.briefing.as_of", lang, day=day(b.as_of, lang)),
        lang=lang,
    )


# ---------------------------------------------------------------------------------------------
# One entry for the screen and the command line


def file_name(kind: Kind, period: Period, fmt: str, unit_code: str | None) -> str:
    who = unit_code or "district"
    return f"{kind.value}-{who}-{period.code}.{fmt}"


def build(
    session: Session,
    actor: Actor,
    *,
    kind: Kind,
    period: Period,
    township_id: int | None = None,
    lang: str = "zh",
    fmt: str | None = None,
    hide_names: bool = False,
    as_of: date | None = None,
) -> Output:
    """The document of ``kind`` for the unit (notifications) or the district (appraisal,
    briefing) over ``period``, as of ``as_of`` (default today; never past the period's end).

    ``fmt`` picks .docx or .xlsx for the appraisal; the others have one format each.
    """
    kind = Kind(kind)
    fmt = fmt or FORMATS[kind][0]
    if fmt not in FORMATS[kind]:
        raise ValidationError("documents.error.format", field="format", fmt=fmt)
    today = as_of or clock.today()
    if kind.for_unit:
        if township_id is None:
            raise ValidationError("documents.error.unit_required", field="unit")
        issued_on = min(period.end, today)
        if kind == Kind.notification_presidium:
            work = records.presidium_work(
                session, actor, township_id=township_id, period=period, as_of=today
            )
            document = presidium_notice(work, lang, issued_on=issued_on)
            code = work.unit.code
        else:
            perf = records.deputy_performance(
                session, actor, township_id=township_id, period=period, as_of=today
            )
            document = deputies_notice(perf, lang, issued_on=issued_on, hide_names=hide_names)
            code = perf.unit.code
        return Output(file_name(kind, period, fmt, code), word.docx_bytes(document), document)
    if kind == Kind.appraisal:
        found = records.appraisal(session, actor, year=period.year, as_of=min(period.end, today))
        document = appraisal_report(
            found, lang, rule_set=rules_service.get_rules(session, period.year)
        )
        data = word.docx_bytes(document) if fmt == "docx" else workbook.xlsx_bytes(document)
        return Output(file_name(kind, period, fmt, None), data, document)
    brief = records.briefing(session, actor, year=period.year, as_of=min(period.end, today))
    document = briefing_sheet(brief, lang)
    return Output(file_name(kind, period, fmt, None), pdf.pdf_bytes(document), document)


@copied(16)
def cached_build(
    version: int,
    actor: Actor,
    kind: Kind,
    period: Period,
    township_id: int | None,
    lang: str,
    fmt: str,
    hide_names: bool,
    as_of: date,
) -> Output:
    """``build`` for the screen, kept per data version: a second download is instant, and a
    write anywhere makes the next one fresh."""
    with session_scope() as session:
        return build(
            session,
            actor,
            kind=kind,
            period=period,
            township_id=township_id,
            lang=lang,
            fmt=fmt,
            hide_names=hide_names,
            as_of=as_of,
        )
