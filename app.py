"""Entry point: page config, login, language switch and the navigation of the user's role."""

import streamlit as st

from ui import auth, nav, theme
from ui import data as cached
from ui.i18n import t
from ui.layout import (
    APP_ICON,
    hide_built_in_hints,
    init_url_state,
    language_switch,
    user_card,
    year_picker,
)

init_url_state()
st.set_page_config(page_title=t("app.title"), page_icon=APP_ICON, layout="wide")
theme.enable()
hide_built_in_hints()
lang = language_switch()

actor, authenticator = auth.login()
if actor is None:
    st.stop()

township_name = None
if actor.township_id is not None:
    units = cached.townships(cached.data_version(), actor)
    township_name = next((u.name(lang) for u in units if u.id == actor.township_id), None)
user_card(actor, township_name)
year_picker()
auth.logout_button(authenticator)

st.session_state["actor"] = actor
nav.navigation(actor.role).run()
