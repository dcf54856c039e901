"""A clerk signs in through the real login form, sees Chinese, switches to English, logs out."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.steps import cjk_renders, fill_login, idle, session_cookie, sign_in
from ui.auth import LOGOUT_ROUTE


def test_clerk_signs_in_switches_language_and_logs_out(page: Page, app_url, artifacts):
    sign_in(page, app_url, "clerk01")
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("() => document.cookie").find(cookie["name"]) == -1

    expect(page.get_by_role("heading", name="本乡镇人大工作概况")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("来龙镇").first).to_be_visible()
    expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    assert cjk_renders(page)
    page.screenshot(path=str(artifacts / "home_clerk01_zh.png"), full_page=True)

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Our township at a glance")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=en"))
    idle(page)
    page.reload()
    expect(page.get_by_role("heading", name="Our township at a glance")).to_be_visible(
        timeout=30_000
    )
    page.screenshot(path=str(artifacts / "home_clerk01_en.png"), full_page=True)

    idle(page)
    with page.expect_response(lambda r: LOGOUT_ROUTE in r.url, timeout=30_000):
        page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    # The cookie is gone, and a reload stays on the login form.
    page.reload()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)
    assert session_cookie(page) is None


def test_wrong_password_shows_an_error(page: Page, app_url):
    page.goto(app_url)
    fill_login(page, "clerk02", "wrong-password-1")
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="本乡镇人大工作概况")).to_have_count(0)
