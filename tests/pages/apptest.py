"""Helpers for AppTest page tests."""

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from models.db import session_scope
from services import sessions, users

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = APP.parent / "pages"
DEMO_YEAR = 2026
DEMO_AS_OF = date(2026, 11, 27)


def signed_in(username: str, lang: str = "zh") -> AppTest:
    """An AppTest already past the login form as ``username``: a real session is opened in the
    database DATABASE_URL names, as the login form would."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["_session_token"] = session_token(username)
    at.query_params["lang"] = lang
    at.query_params["year"] = str(DEMO_YEAR)
    return at


def session_token(username: str, url: str | None = None) -> str:
    """A real session for ``username``, opened as the login form would."""
    with session_scope(url) as session:
        actor = users.get_actor(session, username)
        assert actor is not None, f"no active account {username}"
        return sessions.open_session(session, actor).token


def page_as(page: str, username: str, lang: str = "zh", url: str | None = None) -> AppTest:
    """One screen's file run on its own (as Streamlit serves pages/ by path) for a user."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=30)
    at.session_state["_session_token"] = session_token(username, url)
    at.session_state["lang"] = lang
    at.session_state["year"] = str(DEMO_YEAR)
    return at


def no_exceptions(at: AppTest) -> None:
    """Nothing went wrong: no exception shown, none caught by the app's error boundary."""
    assert not at.exception, [e.value for e in at.exception]
    caught = "_unexpected_error" in at.session_state and at.session_state["_unexpected_error"]
    assert not caught, caught


def visible_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "success"):
        parts += [el.value for el in at.get(kind)]
    parts += [m.label for m in at.metric]
    return "\n".join(str(p) for p in parts)
