"""Two app servers over one PostgreSQL database, as behind a load balancer: a clerk's entry made
through one server appears on the leader's overview served by the other at its next refresh."""

import os

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text
from sqlalchemy.engine import make_url

from manage import migrate
from models.db import make_engine, session_scope
from models.enums import Role, UnitType
from services import clock, org, reporting, users
from services.permissions import SYSTEM
from tests.e2e.conftest import serve
from tests.e2e.steps import DEMO_PASSWORD, idle, sign_in
from tests.factories import copy_rows

PG = os.environ.get("TEST_DATABASE_URL", "")


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
    copy_rows(demo_db, target, move_sequences=True)
    return target


def test_an_entry_through_one_server_shows_on_the_other(browser: Browser, shared_postgres):
    # A town of its own, with a clerk: nothing entered this month while a presidium meeting is
    # owed, so the leader's overview names it among the units that entered nothing.
    with session_scope(shared_postgres) as session:
        unit_id = org.add_township(
            session,
            SYSTEM,
            code="shuangfu",
            name_zh="双服镇",
            name_en="Shuangfu Town",
            unit_type=UnitType.town,
        )
        users.create_user(
            session,
            SYSTEM,
            username="clerk_shuangfu",
            display_name="双服镇人大干事",
            password=DEMO_PASSWORD,
            role=Role.township_staff,
            township_id=unit_id,
        )
        unit = next(
            u
            for u in reporting.reporting_status(session, SYSTEM, as_of=clock.today())
            if u.township_id == unit_id
        )
    assert unit.silent
    clerk_name = "clerk_shuangfu"

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
        form.get_by_role("spinbutton", name="走访人数").fill("2")
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
