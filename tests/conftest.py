"""Fixtures: a clean database per test, on SQLite by default or on TEST_DATABASE_URL."""

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from models.db import make_engine

# TEST_DB=postgres runs the database tests on TEST_DATABASE_URL; anything else uses SQLite files.
PG_URL = os.environ.get("TEST_DATABASE_URL", "") if os.environ.get("TEST_DB") == "postgres" else ""
os.environ.setdefault("BCRYPT_ROUNDS", "4")  # hashing cost only; the check is the same
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # In CI a test that would skip is a failure: nothing may silently not run.
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"
    return report


def fresh_pg_database(suffix: str, base: str | None = None) -> str:
    """An empty PostgreSQL database beside the test database ``base`` (default: the one the
    tests run on), named after it + ``_suffix``: for data built once and shared by many tests,
    or for a migration run of its own."""
    base = base or PG_URL
    url = make_url(base)
    scratch = url.set(database=f"{url.database}_{suffix}")
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    return scratch.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_engine():
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_url(tmp_path, request) -> str:
    """URL of an empty database with every table, fresh for each test."""
    if PG_URL:
        engine = request.getfixturevalue("_pg_engine")
        _truncate_all(engine)
        return PG_URL
    url = f"sqlite:///{tmp_path / 'test.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
