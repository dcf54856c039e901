"""Per-unit figures kept in the database, refreshed unit by unit after writes.

A province's task list or fund violations take seconds to compute for 1,400 units, yet a write
changes the records of one unit. So each unit's answer of such a computation is kept in
``unit_figure`` with the stamps it was computed under, and ``per_unit`` computes again only
the units whose records changed since: the first viewer after a clerk's save waits for one
unit, not for the province, and a restarted server or a second app server reads what is kept.

**Stamps** (``figure_stamp``, raised by ``models.figures`` at each commit that changed a
unit's records, or every unit's) say whether a kept figure is current.

**Kept figures** (``unit_figure``) are keyed by kind, year, as-of day and unit, and carry the
unit's stamp, the every-unit stamp and a fingerprint of the code that computed them (a new
release computes again). They are written in a short transaction of their own, never in a
session that has changed data (its stamps are not committed yet), and rows of an earlier as-of
day computed before today are pruned when the live day's are written.

A unit's answer must depend only on the unit's own records, the year's rules and the as-of
day; what compares units (a receipt number used by two units, ranks) is computed per read by
the caller.
"""

import dataclasses
import hashlib
import logging
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from models.figures import EVERY_UNIT, FigureStamp, UnitFigure, has_changed
from services import clock

T = TypeVar("T")
log = logging.getLogger(__name__)


def stamps(session: Session) -> dict[int, int]:
    """Every scope's stamp (a unit never written to has none: 0)."""
    return dict(session.exec(select(FigureStamp.scope, FigureStamp.stamp)).all())


# ---------------------------------------------------------------------------------------------
# Kept figures


class Kept:
    """A frozen dataclass of kept figures, pickled as its field values in order: a province
    reads thousands of them at a time, and pickle's default (a dict of the fields per object)
    takes about twice as long to read back."""

    __slots__ = ()

    def __reduce__(self):
        names = [f.name for f in dataclasses.fields(self)]
        return (type(self), tuple(getattr(self, n) for n in names))


def _code_fingerprint() -> str:
    """The code and default rules figures are computed with, and the holiday calendar."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(version("chinesecalendar").encode())
    for folder, pattern in (("services", "*.py"), ("models", "*.py"), ("seed/rules", "*.toml")):
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE = _code_fingerprint()


def per_unit(
    session: Session,
    kind: str,
    *,
    year: int,
    as_of: date,
    ids: Iterable[int],
    compute: Callable[[list[int]], dict[int, T]],
) -> dict[int, T]:
    """Each unit's answer of ``compute`` for the units ``ids``: the kept one where the unit's
    stamps and the code are those it was computed under, else computed now (``compute`` is
    called once, with the units to compute, and answers by unit id) and kept."""
    wanted = list(ids)
    if not wanted:
        return {}
    now = stamps(session)
    every = now.get(EVERY_UNIT, 0)
    kept = session.exec(
        select(
            UnitFigure.township_id,
            UnitFigure.unit_stamp,
            UnitFigure.every_stamp,
            UnitFigure.code,
            UnitFigure.payload,
        ).where(UnitFigure.kind == kind, UnitFigure.year == year, UnitFigure.as_of == as_of)
    ).all()
    current = {
        tid: payload
        for tid, unit_stamp, every_stamp, code, payload in kept
        if code == CODE and every_stamp == every and unit_stamp == now.get(tid, 0)
    }
    answers: dict[int, T] = {tid: pickle.loads(current[tid]) for tid in wanted if tid in current}
    stale = [tid for tid in wanted if tid not in answers]
    if stale:
        fresh = compute(stale)
        answers.update(fresh)
        _keep(session, kind, year, as_of, {t: fresh[t] for t in stale if t in fresh}, now)
    return answers


@contextmanager
def _briefly(writer: Session) -> Iterator[None]:
    """On SQLite, the writer waits for another writer a moment only (the figures are kept at a
    later read), and its connection goes back to the pool with the usual patience."""
    sqlite = writer.get_bind().dialect.name == "sqlite"
    if sqlite:
        writer.execute(text("PRAGMA busy_timeout=300"))
    try:
        yield
    finally:
        if sqlite:
            writer.rollback()
            writer.execute(text("PRAGMA busy_timeout=5000"))


def _keep(
    session: Session, kind: str, year: int, as_of: date, fresh: dict, now: dict[int, int]
) -> None:
    """Write the fresh answers in a transaction of their own; a session that has changed data
    keeps nothing (its stamps are raised only when it commits)."""
    if not fresh or has_changed(session):
        return
    today = clock.today()
    rows = [
        {
            "kind": kind,
            "year": year,
            "as_of": as_of,
            "township_id": tid,
            "unit_stamp": now.get(tid, 0),
            "every_stamp": now.get(EVERY_UNIT, 0),
            "code": CODE,
            "computed_on": today,
            "payload": pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL),
        }
        for tid, answer in fresh.items()
    ]
    table = UnitFigure.__table__
    try:
        with Session(session.get_bind()) as writer, _briefly(writer):
            writer.execute(
                delete(table).where(
                    table.c.kind == kind,
                    table.c.year == year,
                    (table.c.as_of == as_of) & table.c.township_id.in_(list(fresh))
                    | (table.c.as_of < as_of) & (table.c.computed_on < today),
                )
            )
            writer.execute(table.insert(), rows)
            writer.commit()
    except DBAPIError as error:
        # Another viewer kept the same figures first, or the database is busy: the answers
        # are right either way, and the next read keeps them.
        log.info("unit figures of %s not kept: %s", kind, error.__class__.__name__)


__all__ = ["CODE", "per_unit", "stamps"]
