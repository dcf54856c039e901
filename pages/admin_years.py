"""District admin: close a year once its appraisal is final, or reopen it for a correction."""

import streamlit as st

from models.db import session_scope
from services import years
from ui import data as cached
from ui.auth import page_actor
from ui.format import day
from ui.forms import saving, show_saved
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
page_header(t("years.title"), t("years.caption"))

show_saved()

with session_scope() as session:
    closed = years.closed_years(session)
state = cached.close_notice(cached.data_version(), year)


if state is None:
    st.markdown(t("years.open_now", year=year))
    with st.form("years_close_form", border=True):
        reason = st.text_input(
            t("years.reason_optional"), max_chars=years.MAX_REASON, key="years_close_reason"
        )
        if st.form_submit_button(t("years.close", year=year), type="primary"):
            with saving(t("years.closed_done", year=year)) as session:
                years.close_year(session, actor, year, reason=reason)
elif not state.reopened:
    st.markdown(t("years.closed_since", year=year, day=day(state.closed_at.date(), lang)))
    with st.form("years_reopen_form", border=True):
        reason = st.text_input(
            t("years.reopen_reason"), max_chars=years.MAX_REASON, key="years_reopen_reason"
        )
        if st.form_submit_button(t("years.reopen", year=year)):
            with saving(t("years.reopened_done", year=year)) as session:
                years.reopen_year(session, actor, year, reason=reason)
else:
    st.warning(t("years.correcting", year=year, reason=state.reopen_reason))
    if st.button(t("years.close_again", year=year), type="primary", key="years_close_again"):
        with saving(t("years.closed_done", year=year)) as session:
            years.close_year(session, actor, year)

if closed:
    st.caption(t("years.closed_list", years="、".join(map(str, closed))))
