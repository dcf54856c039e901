"""Presentation mode for work meetings: full width, large type, the key charts in turn.

The figures are those of a chosen as-of date, read once when the presentation starts and held
until it stops, so what the meeting discusses does not move while it is shown; personal names
can be hidden.
"""

import time
from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from services import commendations
from services.evidence import thumbnail
from ui import charts
from ui import data as cached
from ui import overview as ui
from ui.auth import page_actor
from ui.format import month_day, number, percent
from ui.i18n import current_lang, local_name, name_column, t
from ui.layout import as_of_for, page_header, selected_year

VIEWS = (
    "headline",
    "ranking",
    "heatmap",
    "contact",
    "supervision",
    "commendations",
    "stories",
)
# Our own style rules only: hide the frame and enlarge the type for a projector.
_PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header,
[data-testid="stToolbar"] {display: none !important;}
.block-container {padding-top: 1.5rem !important; max-width: 100% !important;}
[data-testid="stMetricValue"] {font-size: 3.4rem !important;}
[data-testid="stMetricLabel"] p {font-size: 1.5rem !important;}
h1 {font-size: 2.8rem !important;}
</style>"""

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()


def controls() -> None:
    page_header(t("present.title"), t("present.caption"))
    with st.form("present_setup", border=True):
        interval = st.number_input(
            t("present.interval"), min_value=5, max_value=300, value=15, step=5
        )
        frozen = st.date_input(
            t("present.freeze"),
            value=as_of_for(year),
            min_value=date(year, 1, 1),
            max_value=as_of_for(year),
            format="YYYY-MM-DD",
            key="present_as_of",
        )
        hide = st.toggle(t("present.hide_names"), value=True)
        views = st.multiselect(
            t("present.views"),
            VIEWS,
            default=list(VIEWS),
            format_func=lambda v: t(f"present.view.{v}"),
            placeholder=t("present.views"),
        )
        if st.form_submit_button(t("present.start"), type="primary") and views:
            st.session_state["presenting"] = {
                "interval": int(interval),
                "as_of": frozen,
                "hide_names": hide,
                "views": list(views),
                "started": time.time(),
            }
            st.rerun()


def held(settings: dict, name: str, read):
    """``read()`` the first time a presentation needs ``name``; the same figures after that."""
    figures = settings.setdefault("held", {})
    if name not in figures:
        figures[name] = read()
    return figures[name]


def show_view(view: str, settings: dict) -> None:
    as_of, hide_names = settings["as_of"], settings["hide_names"]
    version = cached.data_version()
    if view == "headline":
        st.title(t("present.headline_title", year=year, day=month_day(as_of)))
        h = held(settings, "headline", lambda: ui.headline(version, actor, year, as_of))
        month = t("common.month_n", n=h.participation_month) if h.participation_month else "—"
        with st.container(horizontal=True):
            st.metric(
                t("overview.metric.on_track"),
                t("overview.metric.on_track_value", n=h.units_on_track, total=h.units),
                border=True,
            )
            st.metric(
                t("overview.metric.participation", month=month),
                percent(h.participation),
                border=True,
            )
            st.metric(t("overview.metric.open_items"), number(h.open_items), border=True)
        with st.container(horizontal=True):
            st.metric(t("overview.metric.overdue_items"), number(h.overdue_items), border=True)
            st.metric(t("overview.metric.execution"), percent(h.execution), border=True)
            st.metric(t("overview.metric.violations"), number(h.violations), border=True)
    elif view in ("ranking", "heatmap"):
        board = held(settings, "scores", lambda: ui.scoreboard(version, year, as_of))
        if not board.units:
            st.info(t("home.chart.empty"))
            return
        if view == "ranking":
            top = board.units[0]
            title = t(
                "overview.ranking_title",
                year=year,
                top=top.name(lang),
                score=f"{top.total:.1f}",
                median=f"{board.median_total:.1f}",
            )
            chart = ui.ranking_chart(board, lang, title=title, big=True)
        else:
            weakest = min(
                ui.DIMENSION_ORDER,
                key=lambda d: (board.median_of(d) or 0) / (board.units[0].max_points[d] or 1),
            )
            title = t("overview.heatmap_title", weak=t(f"score.dimension.{weakest}"))
            chart = ui.dimension_heatmap(board, lang, title=title, big=True)
        charts.show(chart, key=f"present_{view}")
    elif view == "contact":
        frame = held(
            settings, "participation", lambda: ui.participation(version, actor, year, as_of)
        )
        if frame.empty:
            st.info(t("home.chart.empty"))
            return
        last = frame[frame["month"] == frame["month"].max()]
        ranked = last.sort_values("rate", ascending=False)
        name = name_column(lang)
        title = t(
            "present.contact_title",
            month=t("common.month_n", n=int(last["month"].iloc[0])),
            top=ranked[name].iloc[0],
            bottom=ranked[name].iloc[-1],
        )
        charts.show(ui.participation_bars(last, lang, title=title, big=True), key="present_contact")
    elif view == "supervision":
        counts = held(settings, "stages", lambda: ui.stage_counts(version, actor, year, as_of))
        h = held(settings, "headline", lambda: ui.headline(version, actor, year, as_of))
        title = t("present.supervision_title", open=h.open_items, overdue=h.overdue_items)
        if counts.empty:
            st.info(t("home.chart.empty"))
            return
        charts.show(ui.stage_bars(counts, lang, title=title, big=True), key="present_supervision")
    elif view == "commendations":
        st.title(t("present.commendations_title", year=year))
        rows = held(
            settings, "commendations", lambda: ui.commendations(version, actor, year, as_of)
        )
        if not rows:
            st.info(t("present.commendations_none"))
            return
        table = pd.DataFrame(
            {
                t("overview.col.unit"): [local_name(r, lang) for r in rows],
                t("present.col.deputy"): [
                    t("present.hidden_name", n=i) if hide_names else r["deputy"]
                    for i, r in enumerate(rows, start=1)
                ],
                t("present.col.honour"): [r["title"] for r in rows],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="present_commendations")
    elif view == "stories":
        show_stories(settings)


def show_stories(settings: dict) -> None:
    """Approved commendations as large cards with the deputy's photo (names hidden on request:
    then the photo is left out too)."""
    st.title(t("present.stories.title", year=year))
    stories = held(settings, "stories", lambda: _stories(settings["as_of"]))
    if not stories:
        st.info(t("present.stories.none"))
        return
    columns = st.columns(min(3, len(stories)))
    for i, story in enumerate(stories[:6]):
        with columns[i % len(columns)], st.container(border=True, key=f"present_story_{i}"):
            if story.photo and not settings["hide_names"]:
                thumb = thumbnail(story.photo)
                if thumb:
                    st.image(thumb, width="stretch")
            name = (
                t("present.hidden_name", n=i + 1) if settings["hide_names"] else story.deputy_name
            )
            st.subheader(f"{name} · {story.title}")
            st.markdown(story.story)


def _stories(as_of: date) -> list:
    with session_scope() as session:
        return [
            s
            for s in commendations.stories(session, actor, year)
            if s.awarded_on is None or s.awarded_on <= as_of
        ]


def presenting(settings: dict) -> None:
    st.html(_PRESENT_CSS)

    @st.fragment(run_every=settings["interval"])
    def stage() -> None:
        views = settings["views"]
        # The view follows the clock, so every refresh moves on without extra state.
        step = int((time.time() - settings["started"]) // settings["interval"])
        view = views[step % len(views)]
        with st.container(key=f"present_view_{view}"):
            show_view(view, settings)
        st.caption(
            f"{t('present.page_of', i=step % len(views) + 1, n=len(views))} · "
            f"{t(f'present.view.{view}')}"
        )

    stage()
    if st.button(t("present.stop"), key="present_stop"):
        st.session_state.pop("presenting", None)
        st.rerun()


if "presenting" in st.session_state:
    presenting(st.session_state["presenting"])
else:
    controls()
