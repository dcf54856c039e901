"""Cached reads, keyed on the data version so a write shows on the next refresh."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from models.db import connection_scope, session_scope
from services import dashboard, org, years
from services.permissions import Actor
from ui.cache_keys import copied, shared

T = TypeVar("T")


# What one run of the app's frame reads once and uses again: the data version, the actor the
# frame checked. Empty outside the frame (a page run by itself, a fragment's rerun).
_THIS_RUN: ContextVar[dict[str, Any] | None] = ContextVar("this_run", default=None)


@contextmanager
def one_run() -> Iterator[None]:
    """Around each run of the app's frame."""
    token = _THIS_RUN.set({})
    try:
        yield
    finally:
        _THIS_RUN.reset(token)


def per_run(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per run of the frame (every time outside it)."""
    memo = _THIS_RUN.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remember(key: str, value: Any) -> None:
    """Keep ``value`` as this run's answer to ``key`` (nothing outside the frame)."""
    memo = _THIS_RUN.get()
    if memo is not None:
        memo[key] = value


# The key of the run's data version among what the run remembers.
VERSION_KEY = "data_version"


def data_version() -> int:
    """The data version, read once per run (with the sign-in check, ``ui.auth.current_actor``):
    every cached read of the run is keyed on it."""

    def read() -> int:
        with connection_scope() as connection:
            return dashboard.data_version(connection)

    return per_run(VERSION_KEY, read)


@copied(64)
def close_notice(version: int, year: int) -> years.CloseNotice | None:
    with session_scope() as session:
        return years.close_notice(session, year)


@shared(64)
def townships(version: int, actor: Actor) -> list[org.TownshipInfo]:
    with session_scope() as session:
        return org.list_townships(session, actor)


@copied(64)
def home_summary(version: int, actor: Actor, year: int) -> dashboard.HomeSummary:
    with session_scope() as session:
        return dashboard.home_summary(session, actor, year=year)


@copied(64)
def contact_by_month(version: int, actor: Actor, year: int):
    with session_scope() as session:
        return dashboard.contact_participation_by_month(session, actor, year=year)
