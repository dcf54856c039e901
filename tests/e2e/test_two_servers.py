"""Two app servers over one PostgreSQL database, as behind a load balancer: a clerk's entry made
through one server appears on the leader's overview served by the other at its next refresh."""

import os
from datetime import date

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url

from manage import migrate
from models.db import make_engine, session_scope
from services import reporting
from services.permissions import SYSTEM
from tests.e2e.conftest import serve
from tests.e2e.steps import idle, sign_in

PG = os.environ.get("TEST_DATABASE_URL", "")


def _copy_demo(source: str, target: str) -> None:
    """Copy the demo database into a migrated PostgreSQL database, sequences moved on."""
    src, dst = make_engine(source), make_engine(target)
    source_meta, target_meta = MetaData(), MetaData()
    source_meta.reflect(src)
    target_meta.reflect(dst)
    with src.connect() as reader, dst.begin() as writer:
        for table in target_meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            source = source_meta.tables[table.name]
            rows = [dict(r._mapping) for r in reader.execute(select(source))]
            if rows:
                writer.execute(table.insert(), rows)
            if "id" in table.columns:
                quoted = f'"{table.name}"'
                writer.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {quoted}), 0) + 1, false)"
                    )
                )
    src.dispose()
    dst.dispose()


@pytest.fixture
def shared_postgres(demo_db) -> str:
    if not PG:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = make_url(PG)
    name = f"{url.database}_two_servers"
    admin = make_engine(PG).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    migrate(target)
    _copy_demo(demo_db, target)
    return target


def test_an_entry_through_one_server_shows_on_the_other(browser: Browser, shared_postgres):
    with session_scope(shared_postgres) as session:
        silent = [u for u in reporting.reporting_status(session, SYSTEM, as_of=date.today())]
        order = {u.township_id: n for n, u in enumerate(silent, start=1)}
        silent = [u for u in silent if u.silent]
    if not silent:
        pytest.fail("the demo data has no unit without entries this month to record one for")
    unit = silent[0]
    clerk_name = f"clerk{order[unit.township_id]:02d}"

    with serve(shared_postgres) as server_a, serve(shared_postgres) as server_b:
        leader = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1400})
        leader_page = leader.new_page()
        sign_in(leader_page, server_b, "leader")
        alerts = leader_page.locator("[data-testid='stAlert']")
        expect(alerts.filter(has_text="本月未录入任何记录")).to_contain_text(
            unit.name_zh, timeout=30_000
        )

        clerk = browser.new_context(locale="zh-CN").new_page()
        sign_in(clerk, server_a, clerk_name)
        clerk.goto(f"{server_a}/contact_days")
        idle(clerk)
        clerk.get_by_role("tab", name="走访").click()
        form = clerk.locator(".st-key-linkage_visit_form, [data-testid='stForm']").filter(
            has=clerk.get_by_role("spinbutton", name="走访人数")
        )
        form.get_by_role("textbox").last.fill("两台服务器：走访选民")
        form.get_by_role("button", name="保存").click()
        expect(clerk.get_by_text("的走访。").first).to_be_visible(timeout=30_000)

        leader_page.reload()
        idle(leader_page)
        expect(leader_page.get_by_role("heading", name="全区工作总览")).to_be_visible(
            timeout=30_000
        )
        silent_alert = alerts.filter(has_text="本月未录入任何记录")
        expect(silent_alert.filter(has_text=unit.name_zh)).to_have_count(0, timeout=30_000)
        leader.close()
