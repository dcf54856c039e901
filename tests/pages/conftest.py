"""Page tests run app.py with AppTest against one demo database per test session."""

import pytest

from manage import migrate
from models.db import session_scope
from services import clock, rules
from tests.conftest import PG_URL, fresh_pg_database
from tests.pages.apptest import DEMO_AS_OF, DEMO_YEAR


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """A migrated database holding the demo data and the demo accounts."""
    from seed.demo import generate_demo
    from seed.demo_users import create_demo_users

    if PG_URL:
        url = fresh_pg_database("pages")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        generate_demo(session, year=DEMO_YEAR, seed=1, as_of=DEMO_AS_OF)
        create_demo_users(session)
    return url


@pytest.fixture(autouse=True)
def checked_charts(monkeypatch):
    """Every chart a screen draws is checked against the Vega-Lite schema, which the screens
    leave out for speed (``ui.charts.VALIDATE``): a malformed chart fails its page test."""
    from ui import charts

    monkeypatch.setattr(charts, "VALIDATE", True)


@pytest.fixture
def app_env(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    # The screens read as on the day the demo data were generated for, in whatever year the
    # tests run (the year choices and "as of" dates come from the clock).
    monkeypatch.setenv(clock.ENV, DEMO_AS_OF.isoformat())
    monkeypatch.setenv("COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    return demo_url


@pytest.fixture
def private_db(tmp_path, monkeypatch):
    """A database of its own with the rule sets and an ``admin`` account, so a test that saves
    a new rule set version never reaches the shared demo one."""
    from models.enums import Role
    from services import users
    from services.permissions import SYSTEM

    url = f"sqlite:///{tmp_path / 'rules.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        users.create_user(
            session,
            SYSTEM,
            username="admin",
            display_name="管理员",
            password="Rules@2026x",
            role=Role.district_admin,
        )
    monkeypatch.setenv("DATABASE_URL", url)
    return url
