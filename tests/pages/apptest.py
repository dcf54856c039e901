"""Helpers for AppTest page tests."""

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from models.db import session_scope
from services import sessions, users

APP = Path(__file__).resolve().parents[2] / "app.py"
DEMO_YEAR = 2026
DEMO_AS_OF = date(2026, 11, 27)


def signed_in(username: str, lang: str = "zh") -> AppTest:
    """An AppTest already past the login form as ``username``: a real session is opened in the
    database DATABASE_URL names, as the login form would."""
    with session_scope() as session:
        actor = users.get_actor(session, username)
        assert actor is not None, f"no active account {username}"
        grant = sessions.open_session(session, actor)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["_session_token"] = grant.token
    at.query_params["lang"] = lang
    at.query_params["year"] = str(DEMO_YEAR)
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
