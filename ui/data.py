"""Cached reads, keyed on the data version so a write shows on the next refresh."""

import streamlit as st

from models.db import session_scope
from services import dashboard, org, years
from services.permissions import Actor


def data_version() -> int:
    with session_scope() as session:
        return dashboard.data_version(session)


@st.cache_data(show_spinner=False, max_entries=64)
def close_notice(version: int, year: int) -> years.CloseNotice | None:
    with session_scope() as session:
        return years.close_notice(session, year)


# Shared, not copied, by every viewer of the same data version (read, never changed): a
# province's answer is large enough that a copy per viewer would cost more than drawing it.
@st.cache_resource(show_spinner=False, max_entries=64)
def townships(version: int, actor: Actor) -> list[org.TownshipInfo]:
    with session_scope() as session:
        return org.list_townships(session, actor)


@st.cache_data(show_spinner=False, max_entries=64)
def home_summary(version: int, actor: Actor, year: int) -> dashboard.HomeSummary:
    with session_scope() as session:
        return dashboard.home_summary(session, actor, year=year)


@st.cache_data(show_spinner=False, max_entries=64)
def contact_by_month(version: int, actor: Actor, year: int):
    with session_scope() as session:
        return dashboard.contact_participation_by_month(session, actor, year=year)
