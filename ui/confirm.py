"""Warnings a clerk sees before a save, and decides on: what the rules will make of an entry.

A service computes what an entry will count for (``meetings.what_counts``,
``contact_days.contact_day_preview``); the page turns that into warnings. On a submit whose
warnings were not yet confirmed, ``hold_for_confirmation`` keeps them and reruns the screen:
the form then shows them with a box "save anyway" (``confirm_box``), and the next submit with
the box ticked saves. A warning that was not shown before needs the box again.
"""

from collections.abc import Iterable, Sequence

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
    """After a save: the form's warnings and its widgets' values go, so the next entry starts
    empty and a repeated click has nothing to save again."""
    st.session_state.pop(_held(form), None)
    st.session_state.pop(_box(form), None)
    for key in fields:
        st.session_state.pop(key, None)
