"""Backups and restores of the whole database, and a fingerprint to compare two of them.

- SQLite: SQLite's online backup (a consistent copy while the app keeps running); a restore
  copies the backup into the live file the same way, so the servers keep their file open and
  read the restored data at their next query.
- PostgreSQL: ``pg_dump`` in its custom format and ``pg_restore --clean`` (the client programs
  must be on the PATH, of the server's major version or newer).

``fingerprint`` counts the rows of every table and hashes their content, so a round trip can be
checked table by table.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _sqlite_file(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(path)


def _pg_args(url: str) -> list[str]:
    """Connection arguments for pg_dump and pg_restore (libpq reads the password from
    PGPASSWORD or ~/.pgpass, never from the command line)."""
    parsed = make_url(url)
    args = ["--dbname", parsed.database or ""]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    return args


def _run(cmd: list[str], env_password: str | None) -> None:
    program = shutil.which(cmd[0])
    if program is None:
        raise BackupError(f"{cmd[0]} is not installed (PostgreSQL client programs)")
    env = os.environ | ({"PGPASSWORD": env_password} if env_password else {})
    done = subprocess.run([program, *cmd[1:]], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[:500]}")


def backup(url: str, out: Path) -> Path:
    """Write a backup of the database at ``url`` to ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_file(url)
        if not source.exists():
            raise BackupError(f"database file not found: {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(out) as dst:
            src.backup(dst)
        return out
    password = make_url(url).password
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), *_pg_args(url)], password)
    return out


def restore(url: str, backup_file: Path) -> None:
    """Replace the database at ``url`` with the backup in ``backup_file``."""
    backup_file = Path(backup_file)
    if not backup_file.exists():
        raise BackupError(f"backup file not found: {backup_file}")
    if url.startswith("sqlite"):
        target = _sqlite_file(url)
        with sqlite3.connect(backup_file) as src:
            try:
                sound = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise BackupError(f"{backup_file} is not a sound SQLite database")
            with sqlite3.connect(target) as dst:
                src.backup(dst)
        return
    password = make_url(url).password
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *_pg_args(url),
            str(backup_file),
        ],
        password,
    )


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: (row count, a hash of every row in primary-key order)."""
    meta = MetaData()
    meta.reflect(engine)
    result = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode("utf-8"))
                count += 1
            result[name] = (count, digest.hexdigest())
    return result
