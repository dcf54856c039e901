"""Double-linkage widgets: cached reads, coverage and participation charts, import results."""

import re
from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from models.db import session_scope
from services import contact_days as contact_records
from services import imports, linkage, org, roster_reads, roster_sheets
from services.permissions import Actor
from services.rules import get_rules
from ui import charts
from ui import data as cached
from ui.cache_keys import copied, shared
from ui.format import percent
from ui.forms import working_unit
from ui.i18n import name_column, t
from ui.theme import STATUS_COLORS

# Streamlit's file drop zone has fixed English texts: they are hidden and the button relabelled.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
MAX_PROBLEMS_SHOWN = 500


def plain(text: str) -> str:
    """User text made safe inside markdown (no formatting, links or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def unit_name(row, lang: str) -> str:
    return row["name_zh"] if lang == "zh" else row["name_en"]


# ---------------------------------------------------------------------------------------------
# Cached reads (first argument: the data version, which grows with every audited write)


@shared(32)
def counties(version: int) -> list[org.CountyInfo]:
    """The county-level districts units are grouped by (none for one district)."""
    with session_scope() as session:
        return org.list_counties(session)


def pick_county(version: int, actor: Actor, lang: str, *, key: str) -> int | None:
    """Past one district, the county-level district a district reader narrows a screen to
    (None: all of them, one row each); nothing is shown for one district or to a clerk."""
    options = counties(version) if actor.is_district else []
    if not options:
        return None
    names = {c.id: c.name(lang) for c in options}
    # 0 stands for all: a None option would read as "nothing chosen".
    chosen = st.selectbox(
        t("linkage.county.pick"),
        [0, *names],
        format_func=lambda i: names[i] if i else t("linkage.county.all"),
        key=f"{key}_{lang}",
    )
    return chosen or None


@shared(32)
def coverage(version: int, actor: Actor, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return linkage.coverage_by_township(session, actor, year=year)


@shared(32)
def gaps(version: int, actor: Actor, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return linkage.linkage_gaps(session, actor, year=year)


@copied(32)
def county_summary(version: int, actor: Actor, year: int, as_of: date) -> pd.DataFrame:
    """linkage.coverage_by_county over the actor's units (one row per county-level district)."""
    units = {u.id: u.parent_id for u in cached.townships(version, actor)}
    return linkage.coverage_by_county(
        coverage(version, actor, year),
        participation(version, actor, year, as_of),
        units,
        counties(version),
    )


@shared(32)
def participation(version: int, actor: Actor, year: int, as_of: date) -> pd.DataFrame:
    with session_scope() as session:
        return linkage.contact_participation(session, actor, year=year, as_of=as_of)


@dataclass(frozen=True)
class CoverageView:
    """What the coverage screen shows of the units it shows (all, or a chosen district's):
    their rows, the totals and the counts its titles name."""

    coverage: pd.DataFrame
    participation: pd.DataFrame
    totals: linkage.CoverageTotals
    # District-wide (or the district's) participation by month, and the year's: all deputies
    # who took part over all who were expected, in every month due (a month without a contact
    # day counts with nobody taking part).
    trend: pd.DataFrame
    participation_share: float | None
    months_reached: int  # months whose participation reached the minimum share
    any_congress: bool  # a unit with a people's congress (a presidium) is shown
    short_units: int  # units with a deputy short of linked voters
    short_congresses: int  # units with a presidium member short of linked deputies
    gap_count: int
    # The gap list and the visits, read only when the screen lists the units (not the
    # districts' summary of a city or province).
    gaps: pd.DataFrame | None
    visits: pd.DataFrame | None


def coverage_view(
    version: int,
    actor: Actor,
    year: int,
    as_of: date,
    county: int,
    *,
    units_listed: bool,
    minimum: float,
) -> CoverageView:
    """The coverage screen's figures for the units of ``county`` (0: every unit); with
    ``units_listed`` the gap list and the visits too, else only the gap count."""
    cov = coverage(version, actor, year)
    part = participation(version, actor, year, as_of)
    gap_list = vis = None
    if units_listed:
        gap_list, vis = gaps(version, actor, year), visits_summary(version, actor, year)
    if county:
        keep = [u.id for u in cached.townships(version, actor) if u.parent_id == county]

        def kept(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["township_id"].isin(keep)] if not frame.empty else frame

        cov, part = kept(cov), kept(part)
        gap_list = kept(gap_list) if gap_list is not None else None
        vis = kept(vis) if vis is not None else None
    expected = int(part["expected"].sum()) if not part.empty else 0
    trend = linkage.participation_trend(part)
    congress = cov[cov["presidium_applicable"]]
    return CoverageView(
        coverage=cov,
        participation=part,
        totals=linkage.coverage_totals(cov),
        trend=trend,
        participation_share=float(part["participants"].sum()) / expected if expected else None,
        months_reached=int((trend["rate"] >= minimum - 1e-9).sum()),
        any_congress=not congress.empty,
        short_units=int((cov["deputy_share"].fillna(0) < 1).sum()),
        short_congresses=int((congress["presidium_share"].fillna(0) < 1).sum()),
        gap_count=len(gap_list) if gap_list is not None else linkage.gap_count(cov),
        gaps=gap_list,
        visits=vis,
    )


def gap_table(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The gap list as the coverage screen shows it: who is short of what, and whom to call."""
    return pd.DataFrame(
        {
            t("linkage.col.township", lang): gaps[name_column(lang)],
            t("linkage.col.deputy", lang): gaps["deputy"],
            t("linkage.col.constituency", lang): gaps["constituency"],
            t("linkage.col.phone", lang): gaps["phone"],
            t("linkage.col.gap", lang): [
                t(
                    f"linkage.gap.{gap}",
                    lang,
                    have=int(have),
                    need=int(need),
                    short=int(need - have),
                )
                for gap, have, need in zip(gaps["gap"], gaps["have"], gaps["need"], strict=True)
            ],
            t("linkage.col.other_constituency", lang): gaps["other_constituency"],
        }
    )


def county_frame(
    by_county: pd.DataFrame, lang: str, *, per_member: int, per_deputy: int, year: int
) -> pd.DataFrame:
    """One row per county-level district: its units and shares, as the coverage screen lists
    them."""

    def shares(column: str) -> list[str]:
        return [percent(v, lang) if v == v and v is not None else "—" for v in by_county[column]]

    return pd.DataFrame(
        {
            t("linkage.county.col.county", lang): by_county[name_column(lang)],
            t("linkage.county.col.units", lang): by_county["units"],
            t("linkage.metric.presidium", lang, n=per_member): shares("presidium_share"),
            t("linkage.metric.deputies", lang, n=per_deputy): shares("deputy_share"),
            t("linkage.metric.participation", lang, year=year): shares("participation"),
        }
    )


@copied(32)
def visits_summary(version: int, actor: Actor, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return linkage.visits_and_notifications(session, actor, year=year)


@copied(32)
def min_participation(version: int, year: int) -> float:
    with session_scope() as session:
        return get_rules(session, year).contact_day.min_participation


@copied(32)
def linkage_rule(version: int, year: int) -> tuple[int, int]:
    """(deputies per presidium member, voters per deputy) of the year's rules."""
    with session_scope() as session:
        rule = get_rules(session, year).linkage
        return rule.deputies_per_presidium_member, rule.voters_per_deputy


@copied(32)
def constituencies(version: int, actor: Actor, township_id: int) -> list[roster_reads.Option]:
    with session_scope() as session:
        return roster_reads.constituencies(session, actor, township_id)


@copied(32)
def deputies(version: int, actor: Actor, township_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return roster_reads.deputies_frame(session, actor, township_id)


@copied(32)
def voters(version: int, actor: Actor, township_id: int, constituency_id: int) -> pd.DataFrame:
    with session_scope() as session:
        return roster_reads.voters_frame(
            session, actor, township_id, constituency_id=constituency_id
        )


@copied(32)
def link_deputies(version: int, actor: Actor, township_id: int) -> list[roster_reads.Option]:
    with session_scope() as session:
        return roster_reads.link_deputies(session, actor, township_id)


@copied(32)
def contact_deputies(version: int, actor: Actor, township_id: int) -> list[roster_reads.Option]:
    with session_scope() as session:
        return roster_reads.contact_deputies(session, actor, township_id)


@copied(32)
def presidium_links(version: int, actor: Actor, township_id: int) -> dict[int, list[int]]:
    with session_scope() as session:
        return roster_reads.presidium_links(session, actor, township_id)


@copied(32)
def voter_links(version: int, actor: Actor, deputy_id: int) -> list[int]:
    with session_scope() as session:
        return roster_reads.voter_links(session, actor, deputy_id)


@copied(16)
def workbook(
    version: int, actor: Actor, township_id: int, kind: str, lang: str, filled: bool
) -> bytes:
    """The template (or, ``filled``, the current roster) of voters or deputies as .xlsx."""
    build = roster_sheets.voter_workbook if kind == "voters" else roster_sheets.deputy_workbook
    with session_scope() as session:
        return build(session, actor, township_id, lang, filled=filled)


@copied(32)
def contact_days(version: int, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return contact_records.contact_days_frame(session, actor, township_id, year)


@copied(32)
def visits(version: int, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return contact_records.visits_frame(session, actor, township_id, year)


@copied(32)
def notifications(version: int, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return contact_records.notifications_frame(session, actor, township_id, year)


# ---------------------------------------------------------------------------------------------
# Charts


def _status(share: float | None, applicable: bool = True) -> str:
    if not applicable:
        return "not_applicable"
    if share is None:
        return "overdue"
    return "done" if share >= 1 - 1e-9 else "behind"


def coverage_chart(
    frame: pd.DataFrame, *, share: str, applicable: str | None, title: str, lang: str
) -> alt.LayerChart:
    """Horizontal bars of one coverage share per unit, coloured by status, units in order."""
    data = pd.DataFrame(
        {
            "unit": [unit_name(r, lang) for _, r in frame.iterrows()],
            "share": [(0.0 if pd.isna(v) else float(v)) for v in frame[share]],
            "status": [
                _status(
                    None if pd.isna(v) else float(v),
                    bool(r[applicable]) if applicable else True,
                )
                for v, (_, r) in zip(frame[share], frame.iterrows(), strict=True)
            ],
        }
    )
    data["status_label"] = [t(f"linkage.status.{s}") for s in data["status"]]
    data["text"] = [
        t("linkage.status.not_applicable") if s == "not_applicable" else percent(v, lang)
        for v, s in zip(data["share"], data["status"], strict=True)
    ]
    order = list(data["unit"])
    statuses = [
        s for s in ("done", "behind", "overdue", "not_applicable") if s in set(data["status"])
    ]
    color = alt.Color(
        "status_label:N",
        title=None,
        scale=alt.Scale(
            domain=[t(f"linkage.status.{s}") for s in statuses],
            range=[STATUS_COLORS[s] for s in statuses],
        ),
        legend=alt.Legend(orient="bottom"),
    )
    base = alt.Chart(title=title).encode(
        y=alt.Y("unit:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X(
            "share:Q",
            title=None,
            scale=alt.Scale(domain=[0, 1.15]),
            axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
        ),
        tooltip=[
            alt.Tooltip("unit:N", title=t("linkage.col.township")),
            alt.Tooltip("text:N", title=t("linkage.col.share")),
        ],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(color=color)
    labels = base.mark_text(align="left", dx=4, color="#333").encode(text=alt.Text("text:N"))
    return charts.layered(data, bars, labels).properties(height=max(120, 26 * len(data)))


def heatmap(frame: pd.DataFrame, *, title: str, lang: str) -> alt.LayerChart:
    """Month × unit participation, unit names down the side, one sequential colour scale."""
    data = frame.assign(
        unit=[unit_name(r, lang) for _, r in frame.iterrows()],
        month_label=[t("linkage.month_n", n=int(m)) for m in frame["month"]],
        cell=[
            percent(r, lang) if held else t("linkage.heatmap.not_held")
            for r, held in zip(frame["rate"], frame["held"], strict=True)
        ],
        people=[
            f"{int(p)}/{int(e)}"
            for p, e in zip(frame["participants"], frame["expected"], strict=True)
        ],
    )
    order = list(dict.fromkeys(data["unit"]))
    months = [t("linkage.month_n", n=m) for m in sorted(set(data["month"]))]
    base = alt.Chart(title=title).encode(
        y=alt.Y("unit:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X(
            "month_label:O",
            sort=months,
            title=None,
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
    )
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "rate:Q",
            title=t("linkage.heatmap.legend"),
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%", orient="bottom", gradientLength=240),
        ),
        tooltip=[
            alt.Tooltip("unit:N", title=t("linkage.col.township")),
            alt.Tooltip("month_label:O", title=t("linkage.col.month")),
            alt.Tooltip("cell:N", title=t("linkage.col.rate")),
            alt.Tooltip("people:N", title=t("linkage.col.participants")),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("cell:N"),
        color=alt.ColorValue(
            **alt.condition(alt.datum.rate > 0.6, alt.value("white"), alt.value("#333"))
        ),
    )
    return charts.layered(data, rects, text).properties(height=max(80, 30 * len(order)))


def trend_chart(trend: pd.DataFrame, *, target: float, title: str, lang: str) -> alt.LayerChart:
    """The monthly participation rate as a line, with the rule's minimum as a dashed line."""
    data = trend.assign(
        month_label=[t("linkage.month_n", n=int(m)) for m in trend["month"]],
        text=[percent(r, lang) for r in trend["rate"]],
    )
    months = list(data["month_label"])
    x = alt.X("month_label:O", sort=months, title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("rate:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    line = (
        alt.Chart(title=title)
        .mark_line(point=True, color=STATUS_COLORS["on_track"], strokeWidth=2)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("month_label:O", title=t("linkage.col.month")),
                alt.Tooltip("text:N", title=t("linkage.col.rate")),
            ],
        )
    )
    labels = (
        alt.Chart()
        .mark_text(dy=-10, fontSize=11, color="#333")
        .encode(x=x, y=y, text=alt.Text("text:N"))
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]}))
        .mark_rule(color=STATUS_COLORS["behind"], strokeDash=[6, 4])
        .encode(y=alt.Y("target:Q"))
    )
    return charts.layered(data, line, labels, rule).properties(height=260)


def heatmap_title(part: pd.DataFrame, *, year: int, lang: str) -> str:
    """The participation heatmap's title: the year's best and weakest unit and their rates."""
    by_unit = part.groupby("township_id", sort=False).agg(
        rate=("rate", "mean"), name_zh=("name_zh", "first"), name_en=("name_en", "first")
    )
    if len(by_unit) == 1:
        rate = percent(by_unit["rate"].iloc[0], lang)
        return t("linkage.heatmap.title_one", year=year, rate=rate)
    best, worst = by_unit.loc[by_unit["rate"].idxmax()], by_unit.loc[by_unit["rate"].idxmin()]
    return t(
        "linkage.heatmap.title",
        year=year,
        best=unit_name(best, lang),
        best_rate=percent(best["rate"], lang),
        worst=unit_name(worst, lang),
        worst_rate=percent(worst["rate"], lang),
    )


def visits_table(vis: pd.DataFrame, *, as_of: date, lang: str) -> pd.DataFrame:
    """Per unit, each half-year so far: the visit and the two notifications (T09), done or
    what is missing."""
    halves = [1, 2] if as_of.month > 6 else [1]
    rows: dict[int, dict[str, str]] = {}
    for r in vis[vis["half"].isin(halves)].to_dict("records"):
        unit = {t("linkage.col.township"): unit_name(r, lang)}
        row = rows.setdefault(int(r["township_id"]), unit)
        row[t(f"linkage.half.{int(r['half'])}")] = t09_text(r)
    return pd.DataFrame(list(rows.values()))


def names_by_unit(rows: pd.DataFrame, lang: str) -> dict[int, str]:
    """The units of ``rows`` (in their order) by id, named in ``lang``."""
    firsts = rows.drop_duplicates("township_id")
    column = name_column(lang)
    return dict(zip(firsts["township_id"].astype(int), firsts[column], strict=True))


def t09_text(row) -> str:
    """A half-year of one unit: done, or what is missing (a visit, either notification)."""
    missing = []
    if int(row["deputy_visits"]) + int(row["voter_visits"]) == 0:
        missing.append(t("linkage.t09.visit"))
    for kind in ("presidium_work", "deputy_performance"):
        if int(row[kind]) == 0:
            missing.append(t(f"linkage.notice.{kind}"))
    if not missing:
        return t("linkage.t09.done")
    return t("linkage.t09.missing", items=t("linkage.list_sep").join(missing))


# ---------------------------------------------------------------------------------------------
# Import results


def problem_messages(problems: list[imports.Problem], spec: imports.SheetSpec, lang: str):
    """Each problem's message in the user's language, choices named in that language."""
    out = []
    for p in problems:
        params = dict(p.params)
        if p.column and p.key == "imports.error.choice":
            params["allowed"] = "、".join(
                ch.label("zh" if lang == "zh" else "en") for ch in spec.column(p.column).choices
            )
        out.append(t(p.key, **params))
    return out


def problem_table(problems: list[imports.Problem], spec: imports.SheetSpec, lang: str):
    """Every problem as a row: spreadsheet row, column header, message in the user's language."""
    rows = []
    for p, message in zip(problems, problem_messages(problems, spec, lang), strict=True):
        column = ""
        if p.column:
            col = spec.column(p.column)
            column = col.zh if lang == "zh" else col.en
        if "col" in p.params and not column:
            column = p.params["col"]
        rows.append(
            {
                t("linkage.import.col.row"): p.row if p.row is not None else "—",
                t("linkage.import.col.column"): column or "—",
                t("linkage.import.col.problem"): message,
            }
        )
    return pd.DataFrame(rows)


def preview(result: imports.ImportResult, spec: imports.SheetSpec, lang: str) -> None:
    """What an import would do: the header row, each column read and as what, the columns
    left aside (once), the counts, and the constituencies it would create."""
    layout = result.layout
    if layout is not None:
        st.caption(t("linkage.import.preview_header", row=layout.header_row))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("linkage.import.layout_column"): letter,
                        t("linkage.import.layout_header"): header,
                        t("linkage.import.layout_read_as"): (
                            spec.column(key).zh if lang == "zh" else spec.column(key).en
                        ),
                    }
                    for key, letter, header in layout.columns
                ]
            ),
            hide_index=True,
            key="linkage_import_layout",
        )
        if layout.left_aside:
            names = "、".join(f"{letter} {header}".strip() for letter, header in layout.left_aside)
            st.caption(t("linkage.import.preview_left_aside", columns=names))
    counts = result.counts
    st.markdown(
        t(
            "linkage.import.preview_counts",
            created=counts.get("created", 0),
            updated=counts.get("updated", 0),
            unchanged=counts.get("unchanged", 0),
        )
    )
    if "links_added" in counts:
        st.markdown(
            t(
                "linkage.import.preview_links",
                added=counts["links_added"],
                removed=counts.get("links_removed", 0),
            )
        )
    if result.new_constituencies:
        names = "、".join(result.new_constituencies)
        st.markdown(t("linkage.import.preview_new_constituencies", names=names))


def result_text(result: imports.ImportResult) -> str:
    counts = result.counts
    if not result.changed:
        return t("linkage.import.nothing_changed", rows=result.rows)
    text = t(
        "linkage.import.done",
        rows=result.rows,
        created=counts.get("created", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
    )
    if "links_added" in counts:
        text += " " + t(
            "linkage.import.links",
            added=counts.get("links_added", 0),
            removed=counts.get("links_removed", 0),
        )
    return text


def pick_township(actor: Actor, version: int, lang: str, *, key: str) -> int:
    """The unit a roster or contact-day screen works on (see ``ui.forms.working_unit``)."""
    units = cached.townships(version, actor)
    return working_unit(
        actor,
        {u.id: u.name(lang) for u in units},
        label=t("linkage.rosters.unit"),
        key=key,
        empty=t("linkage.rosters.no_unit"),
    )
