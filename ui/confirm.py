"""Warnings a clerk sees before a save, and decides on: what the rules will make of an entry.

A service computes what an entry will count for (``meetings.what_counts``,
``contact_days.contact_day_preview``); the page turns that into warnings. On a submit whose
warnings were not yet confirmed, ``hold_for_confirmation`` keeps them and reruns the screen:
the form then shows them with a box "save anyway" (``confirm_box``), and the next submit with
the box ticked saves. A warning that was not shown before needs the box again.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

from ui.i18n import t


def _held(form: str) -> str:
    return f"_warnings_{form}"


def _box(form: str) -> str:
    return f"{form}_confirm"


def confirm_box(form: str) -> bool:
    """Inside the form ``form``: the warnings its last submit found, and the box to save
    anyway. Returns whether the box is ticked (False when there is nothing to confirm)."""
    warnings = st.session_state.get(_held(form))
    if not warnings:
        return False
    for text in warnings:
        st.warning(text, icon=":material/warning:")
    return st.checkbox(t("checklist.entry.confirm_anyway"), key=_box(form))


def hold_for_confirmation(form: str, warnings: Sequence[str], confirmed: bool) -> None:
    """On a submit of ``form``: when ``warnings`` holds one the clerk has not confirmed, keep
    them for the form and rerun the screen (nothing is saved); else return and let the save go
    on."""
    shown = st.session_state.get(_held(form)) or []
    if warnings and not (confirmed and set(warnings) <= set(shown)):
        st.session_state[_held(form)] = list(warnings)
        st.session_state.pop(_box(form), None)
        st.rerun()


def forget(form: str, fields: Iterable[str] = ()) -> None:
    """After a save: the form's warnings go, and its fields (widget keys) are dropped so a
    correction form is drawn anew from the record saved."""
    st.session_state.pop(_held(form), None)
    st.session_state.pop(_box(form), None)
    for key in fields:
        st.session_state.pop(key, None)


def empty_after_save(form: str) -> None:
    """After a save of an entry form: its fields go back to their starting values on the next
    run (``reset``), in the browser too, so the next entry starts empty."""
    forget(form)
    st.session_state[f"_reset_{form}"] = True


def reset(form: str, starting: dict) -> None:
    """At the top of a screen, before the form is drawn: after ``empty_after_save``, set each
    field (widget key → starting value). Values set this way reach the browser's widgets, where
    merely dropping a widget's state would leave the old text on screen."""
    if st.session_state.pop(f"_reset_{form}", False):
        for key, value in starting.items():
            st.session_state[key] = value


def initial(key: str, value: Any) -> Any:
    """The starting value to pass to a field's widget: None once the field's value is in the
    session (set by ``reset`` or by the widget), which Streamlit then shows without a warning."""
    return None if key in st.session_state else value


def _last(form: str) -> str:
    return f"_last_saved_{form}"


def is_repeat(form: str, values: dict) -> bool:
    """Whether a submit of ``form`` carries exactly what its last save stored: a second click
    of a double click, arriving after the save emptied the form. Such a submit saves nothing."""
    return st.session_state.get(_last(form)) == repr(sorted(values.items()))


def remember(form: str, values: dict) -> None:
    """After a save of ``form``: what it stored, so a repeated submit of it is recognised."""
    st.session_state[_last(form)] = repr(sorted(values.items()))
