"""The frame shared by every screen: page config, language switch and the sidebar."""

import json
from datetime import date

import streamlit as st

from models.db import session_scope
from services import clock, rules
from services.permissions import Actor
from ui import data as cached
from ui.format import day
from ui.i18n import DEFAULT_LANG, LANGUAGES, current_lang, label, t

APP_ICON = ":material/account_balance:"


@st.cache_data(ttl=600, show_spinner=False)
def first_rules_year() -> int | None:
    """The earliest year the district has rules for (read at most every ten minutes)."""
    with session_scope() as session:
        return rules.first_year(session)


def _year_options() -> list[str]:
    """This year and the two before it, but none before the first year that has rules."""
    this_year = clock.today().year
    oldest = max(this_year - 2, min(first_rules_year() or this_year, this_year))
    return [str(y) for y in range(this_year, oldest - 1, -1)]


# Sidebar choices kept in the URL (?lang=en&year=2026) so they survive reloads and shared links.
# The choice lives in session state under its own key ("lang", "year"); the widget that shows it
# has another key ("lang_choice"), because Streamlit drops a widget's state on a page change.
_URL_STATE = {
    "lang": (lambda: list(LANGUAGES), lambda: DEFAULT_LANG),
    "year": (_year_options, lambda: str(clock.today().year)),
}


def init_url_state() -> None:
    """Take the language and year from the URL once per browser session, before any text."""
    for key, (options, default) in _URL_STATE.items():
        if st.session_state.get(key) not in options():
            value = st.query_params.get(key)
            st.session_state[key] = value if value in options() else default()
        st.session_state[f"{key}_choice"] = st.session_state[key]


def _keep_choice(key: str) -> None:
    st.session_state[key] = st.session_state[f"{key}_choice"]


def _sync_url() -> None:
    for key in _URL_STATE:
        value = st.session_state.get(key)
        if value is not None and st.query_params.get(key) != value:
            st.query_params[key] = value


def language_switch() -> str:
    st.sidebar.radio(
        t("nav.language"),
        LANGUAGES,
        format_func=lambda code: t(f"lang.{code}"),
        key="lang_choice",
        on_change=_keep_choice,
        args=("lang",),
        horizontal=True,
    )
    _sync_url()
    return st.session_state["lang"]


def user_card(actor: Actor, township_name: str | None) -> None:
    with st.sidebar.container(key="user_card", border=True):
        st.markdown(f"**{actor.display_name or actor.username}**")
        st.caption(f"{label('role', actor.role)} · {actor.username}")
        if township_name:
            st.caption(township_name)


def year_picker() -> int:
    """The year every screen shows."""
    st.sidebar.selectbox(
        t("nav.year"),
        _year_options(),
        key="year_choice",
        on_change=_keep_choice,
        args=("year",),
        placeholder=t("nav.year"),
    )
    _sync_url()
    return selected_year()


def selected_year() -> int:
    value = st.session_state.get("year")
    return int(value) if value else clock.today().year


def year_close_banner(version: int, year: int) -> None:
    """On every screen of a closed year: since when, and the corrections made after."""
    notice = cached.close_notice(version, year)
    if notice is None:
        return
    text = t("years.banner", year=year, day=day(notice.closed_at.date(), current_lang()))
    if notice.changes_after_close:
        text += t("years.banner_corrections", n=notice.changes_after_close)
    if notice.reopened:
        text += t("years.banner_reopened", reason=notice.reopen_reason)
    st.info(text, icon=":material/lock:")


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def same_day_last_year(day: date) -> date:
    """The same date a year earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def as_of_for(year: int) -> date:
    """The date screens of ``year`` are as of: today, or the year's last day once it is past."""
    return min(clock.today(), date(year, 12, 31))


# Streamlit's own English texts, on every screen: the "Press Enter to submit form" hints have no
# translation and are hidden; the file uploader's "Drag and drop … Limit 200MB per file" is hidden
# (each screen says its own limits) and its button is named in the user's language; the
# multiselect's "Select all" option is named in the user's language. The login form library's
# invisible cookie component (keyed "init"), which draws an empty box, is hidden too.
_BUILT_IN_CSS = (
    "<style>[data-testid='InputInstructions']{{display:none}}"
    ".st-key-init:has(iframe[data-testid='stCustomComponentV1']){{display:none}}"
    '[data-testid="stFileUploaderDropzoneInstructions"]{{display:none}}'
    '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'
    "{{display:none !important}}"
    '[data-testid="stFileUploaderDropzone"] button [data-has-shortcut]::after'
    "{{content:{browse};margin-left:0.5rem}}"
    '[data-key="__select_all__"] > div{{font-size:0}}'
    '[data-key="__select_all__"] > div::after{{content:{select_all};font-size:0.875rem}}'
    "</style>"
)


def localise_built_ins() -> None:
    """Hide or rename Streamlit's own English texts (see ``_BUILT_IN_CSS``)."""
    st.html(
        _BUILT_IN_CSS.format(
            browse=json.dumps(t("common.browse"), ensure_ascii=False),
            select_all=json.dumps(t("common.select_all"), ensure_ascii=False),
        )
    )
