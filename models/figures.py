"""Per-unit figures kept between reads (``services.unit_figures``) and the stamps that say
whether a unit's kept figures still describe its records.

The stamps are raised here, by the database sessions themselves, once per committed
transaction that changed what figures are computed from:

- an audited write raises the stamp of its unit (and of the unit a record moved from or to);
  a write of a rule set, a unit, a county-level district or a deputy (whose level the
  integrated activities of other units count), or one audited without a unit, raises every
  unit's (``EVERY_UNIT``);
- a change committed without an audit row (a script, a test's factory) raises every unit's:
  nothing unaudited can leave a kept figure behind;
- accounts, sign-in sessions, the audit log and these two tables raise nothing.
"""

from datetime import date

from sqlalchemy import Column, LargeBinary, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from models.system import AppMeta
from models.users import AuditLog, LoginThrottle, User, UserSession

# The stamp scope of a change that can move every unit's figures.
EVERY_UNIT = 0


class FigureStamp(SQLModel, table=True):
    """A counter per unit (``scope`` = the unit's id) and one for every unit (``EVERY_UNIT``)."""

    __tablename__ = "figure_stamp"

    scope: int = Field(primary_key=True)
    stamp: int = 0


class UnitFigure(SQLModel, table=True):
    """One unit's computed figures of one kind (``checklist``, ``funds`` …) for a year as of a
    day, with the stamps and the code they were computed under."""

    __tablename__ = "unit_figure"

    kind: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    as_of: date = Field(primary_key=True)
    township_id: int = Field(primary_key=True)
    unit_stamp: int
    every_stamp: int
    code: str = Field(max_length=16)
    computed_on: date
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# Tables no figure is computed from.
FIGURE_FREE_TABLES = frozenset(
    str(m.__tablename__)
    for m in (AppMeta, AuditLog, FigureStamp, LoginThrottle, UnitFigure, User, UserSession)
)
# Audited entities that move no figure, and those that can move every unit's.
FIGURE_FREE_ENTITIES = frozenset({"user", "evidence_files", "year_close"})
EVERY_UNIT_ENTITIES = frozenset({"ruleset", "township", "county", "deputy", "deputy_import"})

PENDING = "figures.scopes"  # stamps to raise at commit, in ``session.info``
CHANGED = "figures.changed"  # data changed in this transaction
AUDITED = "figures.audited"  # an audit row was added in this transaction
RAISED = "figures.raised"  # stamps raised by the session's commits so far


def scopes_of(row: AuditLog) -> set[int]:
    """The stamps an audited write raises."""
    if row.entity in FIGURE_FREE_ENTITIES:
        return set()
    if row.entity in EVERY_UNIT_ENTITIES or row.township_id is None:
        return {EVERY_UNIT}
    scopes = {row.township_id}
    for side in (row.before, row.after):
        if isinstance(side, dict) and isinstance(side.get("township_id"), int):
            scopes.add(side["township_id"])
    return scopes


def _table_of(obj: object) -> str | None:
    return getattr(getattr(type(obj), "__table__", None), "name", None)


@event.listens_for(Session, "before_flush")
def _seen_flush(session: Session, _context, _instances) -> None:
    for obj in session.new:
        if isinstance(obj, AuditLog):
            session.info[AUDITED] = True
            session.info.setdefault(PENDING, set()).update(scopes_of(obj))
    changed = (
        *session.new,
        *session.deleted,
        *(obj for obj in session.dirty if session.is_modified(obj)),
    )
    if any(_table_of(obj) not in FIGURE_FREE_TABLES for obj in changed):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _seen_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in FIGURE_FREE_TABLES:
        state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_stamps(session: Session) -> None:
    session.flush()
    scopes = set(session.info.pop(PENDING, ()))
    if session.info.pop(CHANGED, False) and not session.info.get(AUDITED):
        scopes.add(EVERY_UNIT)
    session.info.pop(AUDITED, None)
    raise_stamps(session, scopes)
    session.info.setdefault(RAISED, set()).update(scopes)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in (PENDING, CHANGED, AUDITED):
        session.info.pop(key, None)


def raise_stamps(session: Session, scopes) -> None:
    """Raise the stamps of ``scopes`` in the session's transaction (the commit does it)."""
    # In one order, so that two transactions raising the same stamps never wait on each other.
    for scope in sorted(scopes):
        session.execute(_raise(session, scope))


def _raise(session: Session, scope: int):
    table = FigureStamp.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(scope=scope, stamp=1)
        .on_conflict_do_update(index_elements=[table.c.scope], set_={"stamp": table.c.stamp + 1})
    )


def raised_units(session: Session) -> set[int]:
    """The units whose stamps the session's commits raised: the units a save changed. Empty
    when a commit raised every unit's (a rule change, a deputy roster)."""
    raised = set(session.info.get(RAISED, ()))
    return set() if EVERY_UNIT in raised else raised


def has_changed(session: Session) -> bool:
    """Whether the session holds changes it has not committed (its stamps are not raised yet)."""
    return bool(
        session.new
        or session.deleted
        or session.dirty
        or session.info.get(CHANGED)
        or session.info.get(PENDING)
    )
