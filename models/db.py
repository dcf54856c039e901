"""Engine and sessions. SQLite at data/app.db unless DATABASE_URL names another database.

Only migrations (``manage.py init-db``) create a database. The app's engine never does: a
missing SQLite file, or one deleted or replaced under a running server, raises
``DatabaseUnavailable`` instead of silently starting an empty database or reporting "saved" for
a write into a file that no longer exists.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'data' / 'app.db'}"


class DatabaseUnavailable(RuntimeError):
    """The database is missing or cannot be reached; nothing was read or written."""


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # busy_timeout first, so the WAL switch itself waits for another writer.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_path(url: str) -> str | None:
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" else path


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _guard_sqlite_file(engine: Engine, path: str) -> None:
    """Refuse to open a missing file, and notice a file deleted or replaced while in use."""

    @event.listens_for(engine, "do_connect")
    def _must_exist(_dialect, conn_rec, _cargs, _cparams):
        inode = _inode(path)
        if inode is None:
            raise DatabaseUnavailable(f"database file not found: {path}")
        conn_rec.info["inode"] = inode

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_conn, conn_rec, _proxy):
        inode = _inode(path)
        if inode is None:
            raise DatabaseUnavailable(f"database file is gone: {path}")
        if conn_rec.info.get("inode") != inode:
            # Replaced (a restore): this connection still points at the old file; open anew.
            raise exc.DisconnectionError("database file was replaced")

    @event.listens_for(engine, "commit")
    def _still_there(conn):
        if _inode(path) != conn.connection._connection_record.info.get("inode"):
            raise DatabaseUnavailable(f"database file is gone: {path}")


# Planner settings of the app's own PostgreSQL sessions. The dashboards read a working set that
# stays in memory, where an index probe costs about what a sequential page does: with the
# default random_page_cost of 4 (a spinning disk) a city's T08 query scanned all 78,000 voters
# for one unit's 800 links (13 ms against 2). JIT compilation pays off for queries of seconds;
# the app's take milliseconds, and compiling would cost more than it saves.
POSTGRES_SETTINGS = {"random_page_cost": "1.1", "jit": "off"}


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``. With ``create=False`` a SQLite file must exist already.

    Statement parameters (names, phones, amounts) are left out of error messages, so a
    traceback in the server log holds no personal data.
    """
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path and create:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        if path and not create:
            _guard_sqlite_file(engine, path)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": " ".join(f"-c {k}={v}" for k, v in POSTGRES_SETTINGS.items())},
    )


@lru_cache(maxsize=8)
def _cached_engine(url: str) -> Engine:
    return make_engine(url, create=False)


def get_engine(url: str | None = None) -> Engine:
    """One engine per database URL; without a URL, the one DATABASE_URL names right now."""
    return _cached_engine(url or database_url())


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    with Session(get_engine(url), expire_on_commit=False) as session:
        yield session


@contextmanager
def connection_scope(url: str | None = None) -> Iterator[Connection]:
    """A plain connection for the statement every script run makes (the sign-in check and the
    data version): without the ORM's session around it a small read costs a fifth as much.
    On PostgreSQL in autocommit, each statement its own transaction, so the connection goes
    back to the pool without a ROLLBACK: one round trip fewer on every run. (SQLite has no round
    trip to save, and switching its mode costs more than the rollback.)"""
    engine = get_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
