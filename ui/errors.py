"""What a user sees when something breaks: a message with an error id, never a traceback.

The traceback goes to the server log under the same id, so a clerk can read the id out over the
phone and the administrator finds the full story.
"""

import logging
import secrets
import traceback
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import DBAPIError, OperationalError

from models.db import DatabaseUnavailable
from services.errors import ServiceError
from ui.i18n import t

log = logging.getLogger("township133")


# Messages of a database that cannot be reached or opened (not of a bad statement).
_UNREACHABLE = ("unable to open", "could not connect", "connection", "server closed", "timeout")


def _database_down(exc: BaseException) -> bool:
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(getattr(exc, "orig", "") or "").lower()
    return isinstance(exc, OperationalError) and any(word in text for word in _UNREACHABLE)


def show_unexpected(exc: Exception) -> str:
    """Log ``exc`` with a new error id and tell the user, in their language; returns the id."""
    error_id = secrets.token_hex(4)
    log.error("error %s: %s", error_id, type(exc).__name__, exc_info=exc)
    # Kept for the page tests, which fail on any error that reached this boundary.
    st.session_state["_unexpected_error"] = "".join(traceback.format_exception(exc))
    if isinstance(exc, ServiceError):
        st.error(t(exc.key, **exc.params))
    elif _database_down(exc):
        st.error(t("error.database_unavailable", id=error_id))
    else:
        st.error(t("error.unexpected", id=error_id))
    return error_id


def boundary(run: Callable[[], None]) -> None:
    """Run the app's frame; anything it does not handle ends here as a friendly message.

    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) passes through: those are
    BaseExceptions, not Exceptions.
    """
    try:
        run()
    except Exception as exc:
        show_unexpected(exc)
