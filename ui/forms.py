"""The parts every entry screen shares: picking the unit to work on, and saving through a service.

A save runs inside ``saving(...)``: the body gets a database session and calls the service; a
``ServiceError`` shows its message where the form is (the user fixes the input and tries again),
a clean end reruns the screen and shows the message once above the refreshed data
(``show_saved``), so what was just saved is visible in the lists below.
"""

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, NoReturn

import streamlit as st
from sqlmodel import Session
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from models.db import session_scope
from models.figures import raised_units
from services import corrections, refresh
from services.errors import ServiceError
from services.permissions import Actor
from ui.i18n import error_text, t

_SAVED = "_forms_saved"  # slot → (message, the ended runs counted when it was saved)
_SHOWN = "_forms_shown"  # slots whose message the current run has shown
_RUNS = "_forms_runs"  # runs of the app's frame that ended, counted by ``screen_run``
# Whether the current run goes through the app's frame (``screen_run``), which counts the runs
# that end; a page file run by itself (as AppTest runs a page it switched to) counts none.
_FRAMED: ContextVar[bool] = ContextVar("forms_framed", default=False)


def unit_picker(
    names: Mapping[int, str],
    *,
    label: str,
    key: str,
    placeholder: str | None = None,
    where: Any = None,
) -> int | None:
    """A select box of units shown by name (``names``: id → name in the user's language);
    returns the chosen id. ``where`` is the column or container to draw it in."""
    return (where or st).selectbox(
        label,
        list(names),
        format_func=names.__getitem__,
        placeholder=placeholder,
        key=key,
    )


def working_unit(
    actor: Actor,
    names: Mapping[int, str],
    *,
    label: str,
    key: str,
    empty: str,
    placeholder: str | None = None,
    where: Any = None,
) -> int:
    """The unit an entry screen works on: a clerk's own, or the one a district user picks.
    With no unit to work on the screen says ``empty`` and stops."""
    if actor.is_district:
        township_id = unit_picker(names, label=label, key=key, placeholder=placeholder, where=where)
    else:
        township_id = actor.township_id
    if township_id is None or township_id not in names:
        st.info(empty)
        st.stop()
    return township_id


def saved(message: str, *, slot: str = "") -> NoReturn:
    """After a save: keep ``message`` for the next run of the screen and rerun it."""
    runs = st.session_state.get(_RUNS) if _FRAMED.get() else None
    st.session_state.setdefault(_SAVED, {})[slot] = (message, runs)
    st.rerun()


def saved_slot() -> str | None:
    """The slot the last save left a message in, if any (e.g. to open that tab again)."""
    return next(iter(st.session_state.get(_SAVED, {})), None)


def show_saved(*, slot: str = "") -> None:
    """Show the message the last save left in ``slot``, until a run of the screen that showed
    it ends (a run cut short by another click shows it again in the next)."""
    box = st.session_state.get(_SAVED, {})
    if slot not in box:
        return
    message, _ = box[slot]
    if _FRAMED.get():
        st.session_state.setdefault(_SHOWN, set()).add(slot)
    else:  # a page run by itself, outside the app's frame: shown once
        del box[slot]
    st.success(message)


@contextmanager
def screen_run() -> Iterator[None]:
    """Around each run of the app's frame: counts the runs that end (done, stopped by
    ``st.stop`` or by an error) and forgets the save messages they showed. A run cut short by a
    rerun, because a click reached the server meanwhile, does not count."""
    st.session_state.setdefault(_RUNS, 0)
    framed = _FRAMED.set(True)
    try:
        yield
    except RerunException:
        raise
    except BaseException:
        _run_ended()
        raise
    else:
        _run_ended()
    finally:
        _FRAMED.reset(framed)


def _run_ended() -> None:
    box = st.session_state.get(_SAVED, {})
    for slot in st.session_state.pop(_SHOWN, set()):
        box.pop(slot, None)
    st.session_state[_RUNS] += 1


def _save_unsettled() -> bool:
    """Whether a save happened and no run of the screen has ended since: the screen the user
    clicked on still showed the form as it was before that save."""
    runs = st.session_state.get(_RUNS)
    return _FRAMED.get() and any(at == runs for _, at in st.session_state.get(_SAVED, {}).values())


@contextmanager
def saving(message: str = "", *, slot: str = "") -> Iterator[Session]:
    """Run a save through a service in a fresh session. A ``ServiceError`` is shown here and the
    screen stays as it is; a clean end reruns the screen with ``message`` (see ``saved``; the
    body may call ``saved`` itself when the message depends on what was saved).

    A click that reaches the server before the screen has finished showing the last save (the
    second click of a double click, or a click on a slow screen) saves nothing: the screen runs
    again and shows what that save stored and said. A click that arrives during the save waits
    for it (``_held``)."""
    if _save_unsettled():
        st.rerun()
    with _held():
        try:
            with writing() as session:
                yield session
        except ServiceError as exc:
            st.error(error_text(exc))
            return
        saved(message, slot=slot)


@contextmanager
def writing() -> Iterator[Session]:
    """A session for a save. Once it ends (also by ``saved``'s rerun), the figures of the units
    its commits changed are computed and kept, so that the next viewer of a dashboard reads
    them kept instead of waiting for them (``services.refresh.refresh_saved``)."""
    with session_scope() as session:
        try:
            yield session
        finally:
            units = raised_units(session)
            if units:
                with session_scope() as fresh:
                    refresh.refresh_saved(fresh, units)


@contextmanager
def _held() -> Iterator[None]:
    """While a save runs, a click from the browser waits until the save has said what it saved.

    Streamlit cuts a run short for a new click at its next step, and reading or writing the
    session state is such a step: a click arriving between a service's commit and ``saved``
    would leave a stored record without its message, and the next run would save it again. So
    during a save the runner takes no request from another thread; the script's own
    ``st.rerun``/``st.stop`` still act at once, and a click held back acts at the first step
    after the save."""
    ctx = get_script_run_ctx(suppress_warning=True)
    requests = getattr(ctx, "script_requests", None)
    if requests is None:
        yield
        return
    script = threading.get_ident()
    own: list[str] = []

    def from_script(name: str):
        method = getattr(requests, name)

        def call(*args, **kwargs):
            if threading.get_ident() == script:
                own.append(name)
            return method(*args, **kwargs)

        return call

    take = requests.on_scriptrunner_yield
    requests.request_rerun = from_script("request_rerun")
    requests.request_stop = from_script("request_stop")
    requests.on_scriptrunner_yield = lambda: take() if own else None
    try:
        yield
    finally:
        for name in ("request_rerun", "request_stop", "on_scriptrunner_yield"):
            vars(requests).pop(name, None)


def withdraw_form(key: str, *, what: str) -> str | None:
    """Withdraw one saved record (``what`` names it): a form with the reason, which is required,
    and a confirm button. Returns the reason typed when the button is pressed, else None; the
    caller passes it to the service's ``withdraw_…`` inside ``saving``."""
    with st.form(key):
        st.caption(t("correct.withdraw_caption", what=what))
        reason = st.text_input(
            t("field.reason") + " *", max_chars=corrections.MAX_REASON, key=f"{key}_reason"
        )
        if st.form_submit_button(t("correct.withdraw")):
            return reason
    return None


def reason_input(key: str) -> str:
    """The reason box of a correction form (required: the audit log keeps it)."""
    return st.text_input(
        t("field.reason") + " *",
        max_chars=corrections.MAX_REASON,
        key=key,
        help=t("correct.reason_help"),
    )


# A date field accepts any date a person may type (far bounds), so the widget never silently
# keeps another value: the service checks the date and the form shows why it is refused.
# Streamlit's own picker is used (typing and a calendar); its week start follows the browser's
# locale and its month names are English (streamlit#12699), the digits of the typed date are
# what a clerk reads.
DATE_BOUNDS = (date(2000, 1, 1), date(2099, 12, 31))


def date_field(
    label: str,
    *,
    key: str,
    value: date | None,
    where: Any = None,
    help: str | None = None,
) -> date | None:
    """A date entry field in year-month-day form with far bounds (see ``DATE_BOUNDS``)."""
    return (where or st).date_input(
        label,
        value=value,
        min_value=DATE_BOUNDS[0],
        max_value=DATE_BOUNDS[1],
        format="YYYY-MM-DD",
        key=key,
        help=help,
    )
