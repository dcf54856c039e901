"""Entry point: page config, login, language switch and the navigation of the user's role.

``st.navigation`` runs on every run, before sign-in too (every path then leads to the login
form), and every screen checks its user again with ``ui.auth.page_actor``.
"""

import streamlit as st

from ui import auth, errors, forms, i18n, nav, theme
from ui import data as cached
from ui.i18n import t
from ui.layout import (
    APP_ICON,
    init_url_state,
    language_switch,
    localise_built_ins,
    user_card,
    year_close_banner,
    year_picker,
)


def frame() -> None:
    init_url_state()
    st.set_page_config(page_title=t("app.title"), page_icon=APP_ICON, layout="wide")
    theme.enable()
    localise_built_ins()
    lang = language_switch()

    actor = auth.current_actor()
    if actor is None:
        nav.signed_out(auth.login_form).run()
        return
    if actor.must_change_password:
        nav.signed_out(lambda: auth.password_form(actor, required=True)).run()
        auth.logout_button(actor)
        auth.cookie_exchange()
        return

    township_name = None
    if actor.township_id is not None:
        units = cached.townships(cached.data_version(), actor)
        township_name = next((u.name(lang) for u in units if u.id == actor.township_id), None)
    user_card(actor, township_name)
    year = year_picker()
    auth.logout_button(actor)
    auth.cookie_exchange()
    auth.password_changed_notice()
    page = nav.navigation(actor.role)
    year_close_banner(cached.data_version(), year)
    page.run()


def run() -> None:
    with forms.screen_run(), cached.one_run(), i18n.one_language():
        frame()


errors.boundary(run)
