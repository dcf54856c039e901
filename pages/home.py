"""A clerk's home: their unit's figures, what is due this week or overdue, and one chart.

District roles land on the overview instead (ui/nav.py)."""

import streamlit as st

from ui import charts
from ui import data as cached
from ui import overview as overview_ui
from ui.auth import page_actor
from ui.checklist import missing_text
from ui.format import month_day, number
from ui.i18n import current_lang, label, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()

page_header(t("home.title_township"), t("home.caption", year=year))

summary = cached.home_summary(version, actor, year)
with st.container(key="home_metrics", horizontal=True):
    st.metric(t("home.metric.deputies"), number(summary.township_deputies), border=True)
    st.metric(t("home.metric.linked_voters"), number(summary.linked_voters), border=True)
    st.metric(t("home.metric.meetings", year=year), number(summary.meetings_this_year), border=True)
    st.metric(
        t("home.metric.contact_days", year=year),
        number(summary.contact_days_this_year),
        border=True,
    )

st.subheader(t("home.due_title"))
due = overview_ui.due_this_week(version, actor, actor.township_id, as_of_for(year))
if not due:
    st.success(t("home.due_none"))
for entry in due:
    if entry.supervision is not None:
        row = entry.supervision
        text = t(
            "home.due_supervision",
            title=row["title"],
            stage=label("supervision.stage", row["stage"]),
            day=month_day(row["deadline"]),
        )
    else:
        text = f"{entry.task} · {missing_text(entry.item)}"
    if entry.overdue:
        line = t("home.due_line", tag=t("home.due_overdue"), text=text)
        st.error(line, icon=":material/alarm:")
    else:
        line = t("home.due_line", tag=t("home.due_this_week"), text=text)
        st.warning(line, icon=":material/event:")

df = cached.contact_by_month(version, actor, year)
if df.empty:
    st.info(t("home.chart.empty"))
else:
    best = df.sort_values("attendances", ascending=False).iloc[0]
    # Every month of the year on the axis: a month without a contact day shows as a gap, a
    # month to come stays empty.
    through = as_of_for(year).month if as_of_for(year).year == year else 12
    df = charts.all_months(df, month="month", value="attendances", through=through)
    df["month_label"] = [t("common.month_n", n=m) for m in df["month"]]
    chart = charts.monthly_bars(
        df,
        month="month_label",
        value="attendances",
        month_title=t("home.chart.month"),
        value_title=t("home.chart.attendances"),
        title=t(
            "home.chart.by_month_title",
            month=t("common.month_n", n=int(best["month"])),
            n=int(best["attendances"]),
            year=year,
        ),
    )
    charts.show(chart, key="home_contact_by_month")
