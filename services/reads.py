"""Reads shared by the services of one data version (a per-run read bundle).

Several screens and services need the same heavy read: the task list is read by the task matrix,
the overview's headline and the appraisal; the fund violations by the headline, the appraisal
and the fund screen. A ``Reads`` bundle keeps each such answer once, keyed by what it depends
on, and the services that take a ``reads=`` argument ask it instead of reading again.

``bundle(version)`` is the bundle of one data version (``services.dashboard.data_version``,
which grows with every audited write): a write gives the next reads a fresh, empty bundle, so a
shared answer never outlives the data it was read from. A service called without ``reads``
reads on its own, as before.
"""

import gc
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from models.db import database_url

T = TypeVar("T")


_quiet_lock = threading.Lock()
_quiet_depth = 0
_was_enabled = True


@contextmanager
def without_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a large read builds its answer.

    A province's read allocates millions of small objects that all stay alive until the answer
    is complete; each automatic collection on the way walks the whole growing heap again (a
    third to a half of the read's time). Reference counting still frees everything at once;
    cycles wait for the next collection, which runs as usual once the last such read in the
    process is done (the pause is counted across threads)."""
    global _quiet_depth, _was_enabled
    with _quiet_lock:
        _quiet_depth += 1
        if _quiet_depth == 1:
            _was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _was_enabled:
                gc.enable()


class Reads:
    """Answers kept once per key; ``get(key, compute)`` computes a missing one."""

    def __init__(self) -> None:
        self._answers: dict[Hashable, object] = {}
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in self._answers:
            return self._answers[key]  # type: ignore[return-value]
        with self._lock:
            guard = self._computing.setdefault(key, threading.Lock())
        # Two viewers asking for the same answer at once compute it once.
        with guard:
            if key not in self._answers:
                self._answers[key] = compute()
        return self._answers[key]  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._answers)


def bundle(version: int) -> Reads:
    """The shared reads of one data version of the database in use (the last few are kept)."""
    return _bundle(version, database_url())


@lru_cache(maxsize=4)
def _bundle(version: int, database: str) -> Reads:
    return Reads()


bundle.cache_clear = _bundle.cache_clear


def shared(reads: Reads | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` through ``reads`` when one is given, else on its own; either way with the
    collector paused (``without_gc``)."""

    def quietly() -> T:
        with without_gc():
            return compute()

    return quietly() if reads is None else reads.get(key, quietly)


def _scope(actor, township_id: int | None = None) -> tuple[int, ...] | None:
    """The units the actor reads (None: every unit), as part of a key."""
    from services.permissions import readable_township_ids

    ids = readable_township_ids(actor, township_id)
    return None if ids is None else tuple(sorted(ids))


def fund_violations(
    session, actor, *, year: int, township_id: int | None = None, reads: Reads | None = None
) -> list:
    """``services.fund_reports.fund_violations`` of the units the actor may read (or of one of
    them), read once per bundle: the overview's headline, the appraisal and the fund screen
    share it."""
    from services.fund_reports import fund_violations as read

    return shared(
        reads,
        ("fund_violations", year, _scope(actor, township_id)),
        lambda: read(session, actor, year=year, township_id=township_id),
    )


def overdue_items(session, actor, *, year: int, as_of, reads: Reads | None = None):
    """``services.supervision_metrics.overdue_items`` of the units the actor may read, read once
    per bundle: the overview's headline, alerts and list of calls share it (never changed)."""
    from services.supervision_metrics import overdue_items as read

    return shared(
        reads,
        ("overdue_items", year, as_of, _scope(actor)),
        lambda: read(session, actor, year=year, as_of=as_of),
    )


__all__ = ["Reads", "bundle", "fund_violations", "overdue_items", "shared"]
