"""Login and logout with streamlit-authenticator; accounts, lockout and revocation from services."""

from datetime import UTC, datetime

import streamlit as st
import streamlit_authenticator as stauth

from models.db import session_scope
from services import settings, users
from services.permissions import Actor
from ui.i18n import t

COOKIE_NAME = "township133_auth"


def _authenticator() -> stauth.Authenticate:
    with session_scope() as session:
        creds = users.credentials(session)
    auth = stauth.Authenticate(
        creds,
        cookie_name=COOKIE_NAME,
        cookie_key=settings.cookie_key(),
        cookie_expiry_days=settings.cookie_expiry_days(),
        auto_hash=False,
        # The cookie is read from the request headers, so waiting for the component is not needed.
        login_sleep_time=0,
    )
    model = auth.authentication_controller.authentication_model
    original = model._record_failed_login_attempts

    def count_failure(username: str, reset: bool = False) -> None:
        # The library's own counter never expires; ours locks for a while and is audited.
        original(username, reset)
        if not reset:
            with session_scope() as session:
                st.session_state["_login_state"] = users.record_failed_login(session, username)

    model._record_failed_login_attempts = count_failure
    return auth


def _refuse_stale_cookie(auth: stauth.Authenticate) -> None:
    token = auth.cookie_controller.get_cookie()
    if not token:
        return
    issued = datetime.fromtimestamp(token["exp_date"] - settings.cookie_expiry_days() * 86400, UTC)
    with session_scope() as session:
        current = users.cookie_is_current(session, token["username"], issued)
    if not current:
        st.session_state["logout"] = True  # makes the library ignore this cookie


def _on_logout(details: dict) -> None:
    username = details.get("username")
    with session_scope() as session:
        actor = users.get_actor(session, username) if username else None
        if actor is not None:
            users.record_logout(session, actor)
    for key in ("_actor", "_login_state"):
        st.session_state.pop(key, None)


def login() -> tuple[Actor | None, stauth.Authenticate]:
    """Show the login form until the user is signed in; return the signed-in Actor."""
    auth = _authenticator()
    if not st.session_state.get("authentication_status"):
        _refuse_stale_cookie(auth)
    try:
        auth.login(
            location="main",
            key="login",
            # Called only after the form's password check, not when a cookie restores a session.
            callback=lambda _details: st.session_state.update(_form_login=True),
            fields={
                "Form name": t("auth.form_title"),
                "Username": t("auth.username"),
                "Password": t("auth.password"),
                "Login": t("auth.submit"),
                "Captcha": t("auth.captcha"),
            },
        )
    except stauth.LoginError:
        st.session_state["authentication_status"] = None
        st.error(t("auth.account_unavailable"))
        return None, auth
    status = st.session_state.get("authentication_status")
    if status is False:
        state = st.session_state.get("_login_state")
        if state is not None and state.locked:
            st.error(t("auth.locked", minutes=users.LOCK_MINUTES))
        else:
            st.error(t("auth.bad_credentials"))
        return None, auth
    if not status:
        st.info(t("auth.hint"))
        return None, auth
    username = st.session_state["username"]
    cached: Actor | None = st.session_state.get("_actor")
    if cached is None or cached.username != username:
        with session_scope() as session:
            actor = users.get_actor(session, username)
            if actor is not None and st.session_state.pop("_form_login", False):
                users.record_login(session, actor)
        if actor is None:
            auth.logout(location="unrendered")
            st.error(t("auth.account_unavailable"))
            return None, auth
        st.session_state["_actor"] = actor
        st.session_state.pop("_login_state", None)
    return st.session_state["_actor"], auth


def logout_button(auth: stauth.Authenticate) -> None:
    auth.logout(
        button_name=t("auth.logout"),
        location="sidebar",
        key="logout_button",
        callback=_on_logout,
    )
    if not st.session_state.get("authentication_status"):
        st.rerun()
