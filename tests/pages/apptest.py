"""Helpers for AppTest page tests."""

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
DEMO_YEAR = 2026
DEMO_AS_OF = date(2026, 11, 27)


def signed_in(username: str, lang: str = "zh") -> AppTest:
    """An AppTest already past the login form as ``username``."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["logout"] = None
    at.query_params["lang"] = lang
    at.query_params["year"] = str(DEMO_YEAR)
    return at


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def visible_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "success"):
        parts += [el.value for el in at.get(kind)]
    parts += [m.label for m in at.metric]
    return "\n".join(str(p) for p in parts)
