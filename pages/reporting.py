"""Reporting status for the district: who has not entered what is due, and late entries."""

import pandas as pd
import streamlit as st

from ui import data as cached
from ui import overview as ui
from ui.auth import page_actor
from ui.format import day, local_time, month_day
from ui.i18n import current_lang, label, local_name, name_column, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
version = cached.data_version()

page_header(t("reporting.title"), t("reporting.caption", day=month_day(as_of)))
status = ui.reporting_status(version, actor, as_of)

silent = [u for u in status if u.silent]
st.subheader(t("reporting.silent"))
if silent:
    st.warning(("、" if lang == "zh" else ", ").join(local_name(u, lang) for u in silent))
else:
    st.success(t("reporting.silent_none"))


def _contact(u) -> str:
    if not u.contact_day_due:
        return t("reporting.not_due")
    return t("reporting.yes") if u.contact_day_entered else t("reporting.no")


def _presidium(u) -> str:
    if not u.presidium_applies:
        return t("reporting.not_applicable")
    return t("reporting.yes") if u.presidium_held_this_quarter else t("reporting.no")


table = pd.DataFrame(
    [
        {
            t("reporting.col.unit"): local_name(u, lang),
            t("reporting.col.contact_day"): _contact(u),
            t("reporting.col.presidium"): _presidium(u),
            t("reporting.col.entries"): u.entries_this_month,
            t("reporting.col.late"): u.late_this_year,
        }
        for u in status
    ]
)
st.dataframe(
    table, hide_index=True, width="stretch", key="reporting_table", height=38 * (len(table) + 1)
)

late = ui.late_entries(version, actor, year)
limit = ui.late_after_days(version, year)
st.subheader(t("reporting.late", days=limit))
if late.empty:
    st.success(t("reporting.late_none"))
else:
    shown = pd.DataFrame(
        {
            t("reporting.col.unit"): late[name_column(lang)],
            t("reporting.col.kind"): [label("reporting.kind", k) for k in late["entity"]],
            t("reporting.col.fact_date"): [day(d) for d in late["fact_date"]],
            t("reporting.col.entered_at"): [local_time(x) for x in late["entered_at"]],
            t("reporting.col.days_late"): late["days_late"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="late_table")
