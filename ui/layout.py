"""The frame shared by every screen: page config, language switch and the sidebar."""

from datetime import date

import streamlit as st

from services.permissions import Actor
from ui.i18n import DEFAULT_LANG, LANGUAGES, label, t

APP_ICON = ":material/account_balance:"


def language_switch() -> str:
    """The language radio; bound to ?lang= so the choice survives page changes and reloads."""
    st.sidebar.radio(
        t("nav.language"),
        LANGUAGES,
        index=LANGUAGES.index(DEFAULT_LANG),
        format_func=lambda code: t(f"lang.{code}"),
        key="lang",
        bind="query-params",
        horizontal=True,
    )
    return st.session_state.get("lang", DEFAULT_LANG)


def user_card(actor: Actor, township_name: str | None) -> None:
    with st.sidebar.container(key="user_card", border=True):
        st.markdown(f"**{actor.display_name or actor.username}**")
        st.caption(f"{label('role', actor.role)} · {actor.username}")
        if township_name:
            st.caption(township_name)


def current_year() -> int:
    return date.today().year


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)
