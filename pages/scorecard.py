"""A unit's scorecard: its score, grade and rank, each dimension's points and the facts behind
every point, against the district median and the same date last year."""

import streamlit as st

from ui import charts
from ui import data as cached
from ui import overview as ui
from ui.auth import page_actor
from ui.format import month_day, points_delta
from ui.i18n import current_lang, label, t
from ui.layout import as_of_for, first_rules_year, page_header, same_day_last_year, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
version = cached.data_version()

page_header(t("score.title"), t("score.caption", year=year, day=month_day(as_of)))
board = ui.scoreboard(version, year, as_of)
units = {u.township_id: u for u in board.units}
if not units:
    st.info(t("home.chart.empty"))
    st.stop()

if actor.is_district:
    ids = list(units)
    preferred = st.session_state.get("scorecard_unit")
    chosen = st.selectbox(
        t("score.unit"),
        ids,
        index=ids.index(preferred) if preferred in ids else 0,
        format_func=lambda i: units[i].name(lang),
        key="scorecard_pick",
    )
else:
    chosen = actor.township_id
unit = units.get(chosen)
if unit is None:
    st.stop()

# Last year's score where last year can be assessed (it has a rule set): the chosen unit's only.
previous = (
    ui.last_year_score(version, year - 1, same_day_last_year(as_of), unit.township_id)
    if as_of and year - 1 >= (first_rules_year() or year)
    else None
)
median = board.median_total

with st.container(key="scorecard_metrics", horizontal=True):
    st.metric(
        t("score.total"),
        f"{unit.total:.1f}",
        **points_delta(unit.total - median),
        help=t("score.vs_median", median=f"{median:.1f}"),
        border=True,
    )
    st.metric(t("score.grade_label"), label("score.grade", unit.grade), border=True)
    st.metric(t("score.rank"), t("score.rank_value", rank=unit.rank, n=len(units)), border=True)
    if previous is not None and previous.total:
        st.metric(
            t("score.vs_last_year"),
            f"{previous.total:.1f}",
            **points_delta(unit.total - previous.total),
            border=True,
        )
    else:
        st.metric(t("score.vs_last_year"), "—", help=t("score.no_last_year"), border=True)
st.caption(t("score.vs_median", median=f"{median:.1f}"))

dimensions = charts.built(
    ("score.dimensions", version, year, as_of, lang, unit.township_id),
    lambda: ui.dimension_bars(unit, board, lang),
)
charts.show(dimensions, key="scorecard_dimensions")

st.subheader(t("score.facts"))
for d in (*ui.DIMENSION_ORDER, "adjustments"):
    facts = [f for f in unit.facts if f.dimension == d]
    if not facts:
        continue
    if d == "adjustments":
        heading = t("score.dimension.adjustments")
    else:
        points = t(
            "score.points_of", points=f"{unit.dimensions[d]:.1f}", max=f"{unit.max_points[d]:g}"
        )
        heading = f"{t(f'score.dimension.{d}')} · {points}"
    with st.expander(heading, expanded=d == "checklist"):
        for fact in facts:
            st.markdown(f"- {ui.fact_text(fact, lang)}")
