"""Signing in and out, and the guard every screen calls first.

streamlit-authenticator draws the login form and runs its flow; the credential check and the
cookie are ours (``services/sessions.py``): every attempt is counted before the password is
checked, and the browser's cookie is HttpOnly and SameSite, set by the server (``server.py``)
in exchange for a one-time ticket. Every script run checks the session in the database again,
so a logout elsewhere, a disabled account or a retired unit ends an open tab at its next step.
"""

import contextlib
from pathlib import Path
from urllib.parse import quote

import streamlit as st
import streamlit_authenticator as stauth

from models.db import connection_scope, session_scope
from services import sessions, settings, users
from services.errors import ServiceError
from services.permissions import Actor
from ui import data as cached
from ui import nav
from ui.i18n import error_text, t

SESSION_COOKIE = "township133_session"
SESSION_ROUTE = "/_auth/session"
LOGOUT_ROUTE = "/_auth/logout"
_TOKEN = "_session_token"
_TICKET = "_session_ticket"
_ACTOR = "actor"
# An image the browser fetches and nobody sees: how a page asks the server to set its cookie.
_HIDDEN_FETCH = '<img src="{url}" alt="" width="1" height="1" style="display:none">'


class _NoLibraryCookie:
    """Stands in for the library's JavaScript cookie: the session cookie is set by the server."""

    def get_cookie(self) -> None:
        return None

    def set_cookie(self) -> None:
        return None

    def delete_cookie(self) -> None:
        return None


def _authenticator() -> stauth.Authenticate:
    auth = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=SESSION_COOKIE + "_unused",
        cookie_key=settings.cookie_key(),
        cookie_expiry_days=0,
        auto_hash=False,
        login_sleep_time=0,
    )
    auth.cookie_controller = _NoLibraryCookie()
    model = auth.authentication_controller.authentication_model

    def check_credentials(username: str, password: str) -> bool:
        with session_scope() as session:
            outcome = sessions.attempt_login(session, username, password)
        st.session_state["_login_outcome"] = outcome
        actor = outcome.actor
        if actor is not None:
            # The library reads the signed-in user's entry right after the check.
            model.credentials["usernames"][username] = {
                "name": actor.display_name,
                "email": "",
                "roles": [actor.role.value],
            }
        return actor is not None

    model.check_credentials = check_credentials
    return auth


def _open_session(actor: Actor) -> None:
    with session_scope() as session:
        grant = sessions.open_session(session, actor)
    st.session_state[_TOKEN] = grant.token
    st.session_state[_TICKET] = grant.ticket


def _token() -> str | None:
    token = st.session_state.get(_TOKEN)
    if token:
        return token
    cookie = st.context.cookies.get(SESSION_COOKIE) if st.context.cookies else None
    if cookie:
        st.session_state[_TOKEN] = cookie
    return cookie


def _forget_sign_in(ended: bool) -> None:
    for key in (_TOKEN, _TICKET, _ACTOR, "authentication_status", "username", "name"):
        st.session_state.pop(key, None)
    st.session_state["_clear_cookie"] = True
    if ended:
        st.session_state["_session_ended"] = True


def current_actor() -> Actor | None:
    """The signed-in user of this browser tab, checked against the database on every run."""
    st.session_state.pop(_ACTOR, None)
    token = _token()
    if not token:
        return None
    check = _run_check(token)
    cached.remember(cached.VERSION_KEY, check.data_version)
    if not check.ticket_pending:
        st.session_state.pop(_TICKET, None)
    actor = check.actor
    if actor is None:
        _forget_sign_in(ended=True)
        return None
    st.session_state[_ACTOR] = actor
    cached.remember(_ACTOR, actor)  # the screen this run draws uses this check
    return actor


def cookie_exchange() -> None:
    """Let the browser fetch its HttpOnly cookie for a session opened by the login form."""
    ticket = st.session_state.get(_TICKET)
    if ticket:
        st.sidebar.html(_HIDDEN_FETCH.format(url=f"{SESSION_ROUTE}?ticket={quote(ticket)}"))


def login_form() -> None:
    """The login form; on success a session is opened and the app runs again."""
    if st.session_state.pop("_clear_cookie", False):
        st.html(_HIDDEN_FETCH.format(url=LOGOUT_ROUTE))
    if st.session_state.pop("_session_ended", False):
        st.warning(t("auth.session_ended"))
    auth = _authenticator()
    st.session_state["authentication_status"] = None
    auth.login(
        location="main",
        key="login",
        fields={
            "Form name": t("auth.form_title"),
            "Username": t("auth.username"),
            "Password": t("auth.password"),
            "Login": t("auth.submit"),
            "Captcha": t("auth.captcha"),
        },
    )
    outcome = st.session_state.pop("_login_outcome", None)
    if outcome is not None and outcome.ok:
        _open_session(outcome.actor)
        st.rerun()
    if outcome is not None:
        # One message for a wrong password, an unknown name and a locked name alike: what a
        # stranger reads never tells which names exist (the throttle counts and locks every
        # name the same way, see services.sessions).
        st.error(t("auth.refused", n=sessions.MAX_FAILED_LOGINS, minutes=sessions.LOCK_MINUTES))
    else:
        st.info(t("auth.hint"))


def logout_button(actor: Actor) -> None:
    if st.sidebar.button(t("auth.logout"), key="logout_button"):
        with session_scope() as session:
            sessions.sign_out(session, actor)
        _forget_sign_in(ended=False)
        st.rerun()


def password_form(actor: Actor, *, required: bool) -> None:
    """Change one's own password; ``required`` after an admin set a temporary one."""
    if required:
        st.title(t("account.must_change_title"))
        st.info(t("account.must_change_hint"))
    with st.form("password_form", clear_on_submit=True, enter_to_submit=False):
        current = st.text_input(t("account.current_password"), type="password", key="pw_current")
        new = st.text_input(t("account.new_password"), type="password", key="pw_new")
        again = st.text_input(t("account.repeat_password"), type="password", key="pw_again")
        st.caption(t("account.password_rule"))
        submitted = st.form_submit_button(t("account.change_password"), type="primary")
    if not submitted:
        return
    if new != again:
        st.error(t("account.passwords_differ"))
        return
    try:
        with session_scope() as session:
            users.change_password(
                session, actor, current=current, new=new, keep_token=st.session_state.get(_TOKEN)
            )
    except ServiceError as exc:
        st.error(error_text(exc))
        return
    st.session_state["_password_changed"] = True
    st.rerun()


def password_changed_notice() -> None:
    if st.session_state.pop("_password_changed", False):
        st.toast(t("account.password_changed"))


def _checked_actor() -> Actor | None:
    """The actor of this tab's session, checked in the database in this run (by the frame, or
    now when the screen runs by itself; no side effects)."""

    def check() -> Actor | None:
        token = _token()
        if not token:
            return None
        return _run_check(token).actor

    return cached.per_run(_ACTOR, check)


def _run_check(token: str) -> sessions.RunCheck:
    with connection_scope() as connection:
        return sessions.check_run(connection, token)


def page_actor(page_file: str) -> Actor:
    """The guard at the top of every screen: the signed-in user, checked against the database
    by the screen itself, if their role may open this screen; otherwise nothing of the screen
    is drawn and the browser goes to the login form.

    The frame (``app.py``) checks the session too, but a screen does not rely on it: Streamlit
    serves the files of ``pages/`` by their path until the first ``st.navigation`` of a
    server's life, without the frame.
    """
    actor = _checked_actor()
    screen = nav.screen_of(Path(page_file).name)
    if (
        actor is None
        or actor.must_change_password
        or screen is None
        or actor.role not in screen.roles
    ):
        if actor is None and screen is not None:
            st.session_state[nav.WANTED] = screen.file  # shown once signed in, if allowed
        with contextlib.suppress(st.errors.StreamlitAPIException):
            st.switch_page(nav.MAIN_SCRIPT)
        st.stop()
    st.session_state[_ACTOR] = actor
    return actor
