"""Nothing renders before sign-in: on a freshly started server, every screen's path and a
sample of query strings show the login form and nothing of the screen, never a traceback."""

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import serve
from tests.e2e.steps import fill_login, idle
from ui.nav import SCREENS

PATHS = [screen.file.removesuffix(".py") for screen in SCREENS]
QUERIES = ["", "?lang=en", "?year=2026&lang=zh", "?unit=1&lang=en", "?page=admin_audit"]
LEAKS = ("Traceback", "KeyError", "操作日志", "Audit log", "before", "after")


@pytest.fixture
def fresh_server(demo_db):
    # A server of its own: the first requests after a start are the ones at risk.
    with serve(demo_db) as base:
        yield base


def _shows_only_the_login_form(page, url: str) -> None:
    page.goto(url)
    form = page.locator("[data-testid='stForm']")
    expect(form.get_by_test_id("stBaseButton-secondaryFormSubmit")).to_be_visible(timeout=30_000)
    idle(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    leaked = [word for word in LEAKS if word in body]
    assert not leaked, f"{url}: {leaked}\n{body[:500]}"
    assert page.locator("[data-testid='stDataFrame']").count() == 0, url
    assert page.locator("[data-testid='stSidebarNav']").count() == 0, url


def test_every_path_before_sign_in_shows_the_login_form(browser: Browser, fresh_server):
    # The first request of the server's life goes to the audit log, the page once served bare.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    _shows_only_the_login_form(page, f"{fresh_server}/admin_audit")
    for path in PATHS:
        for query in QUERIES[: 2 if path != "admin_audit" else None]:
            _shows_only_the_login_form(page, f"{fresh_server}/{path}{query}")
    for query in QUERIES:
        _shows_only_the_login_form(page, f"{fresh_server}/{query}")
    context.close()


def test_a_typed_path_opens_its_screen_after_sign_in(browser: Browser, fresh_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{fresh_server}/admin_audit")
    fill_login(page, "admin")
    expect(page.get_by_role("heading", name="操作日志")).to_be_visible(timeout=60_000)
    # A clerk who types the admin's path sees their own landing screen instead.
    context.close()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{fresh_server}/admin_audit")
    fill_login(page, "clerk03")
    expect(page.get_by_role("heading", name="本乡镇人大工作概况")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="操作日志")).to_have_count(0)
    context.close()
