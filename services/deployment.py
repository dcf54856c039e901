"""Whether a database is a demo or a real one, and what ``init-db`` may put into it.

The kind is written into the database (``app_meta``) when it is first prepared and never
changes afterwards: demo accounts and demo data go only into a database marked ``demo``, so no
setting of ``APP_ENV`` can add the public demo password to a database that holds real users.
A database prepared before the mark existed is judged by its accounts: only demo accounts (or
none, and no units) means demo; anything else is real.
"""

from enum import StrEnum

from sqlmodel import Session, select

from models import AppMeta, Township, User

KIND_KEY = "database_kind"
# The demo accounts' names (seed/demo_users.py): admin, leader, clerk01 … clerk99.
_DEMO_NAMES = {"admin", "leader"} | {f"clerk{n:02d}" for n in range(1, 100)}


class DatabaseKind(StrEnum):
    demo = "demo"
    production = "production"


class DemoRefused(Exception):
    """Demo data or accounts were asked for in a database that holds real records."""


def recorded_kind(session: Session) -> DatabaseKind | None:
    row = session.get(AppMeta, KIND_KEY)
    return DatabaseKind(row.value) if row is not None else None


def _inferred_kind(session: Session) -> DatabaseKind | None:
    """The kind of an unmarked database, or None for one with neither units nor accounts."""
    names = set(session.exec(select(User.username)).all())
    has_units = session.exec(select(Township.id)).first() is not None
    if not names and not has_units:
        return None
    if names and names <= _DEMO_NAMES:
        return DatabaseKind.demo
    return DatabaseKind.production


def database_kind(session: Session) -> DatabaseKind | None:
    """The database's kind; None for a new, empty, unmarked database."""
    return recorded_kind(session) or _inferred_kind(session)


def is_demo(session: Session) -> bool:
    return database_kind(session) == DatabaseKind.demo


def mark(session: Session, kind: DatabaseKind) -> None:
    """Record the kind once; a database already marked keeps its mark."""
    current = recorded_kind(session)
    if current is None:
        session.add(AppMeta(key=KIND_KEY, value=DatabaseKind(kind).value))
        session.commit()
    elif current != kind:
        raise DemoRefused(f"the database is marked {current.value}, not {kind.value}")


def settle_kind(session: Session, wanted: DatabaseKind | None) -> DatabaseKind:
    """The kind ``init-db`` prepares. A new database takes ``wanted`` (demo when nothing was
    asked for, so a fresh checkout runs with zero setup); an existing one keeps its own, and
    asking for the other kind explicitly is refused."""
    kind = database_kind(session)
    if kind is None:
        kind = wanted or DatabaseKind.demo
    elif wanted is not None and wanted != kind:
        raise DemoRefused(
            f"APP_ENV={wanted.value}, but this database is a {kind.value} database; "
            "use a new database (DATABASE_URL) instead"
        )
    mark(session, kind)
    return kind
