"""A clerk signs in through the real login form, sees Chinese, switches to English, logs out."""

import re

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "Demo@2026"


def _sign_in(page: Page, username: str, password: str) -> None:
    form = page.locator("[data-testid='stForm']")
    form.get_by_role("textbox", name="用户名").fill(username)
    form.get_by_role("textbox", name="密码").fill(password)
    form.get_by_role("button", name="登录").click()


def _cjk_renders(page: Page) -> bool:
    """True when a CJK character is drawn differently from a glyph no font has (a tofu box)."""
    return page.evaluate(
        """() => {
            const draw = (ch) => {
                const c = document.createElement('canvas');
                c.width = 40; c.height = 40;
                const g = c.getContext('2d');
                g.font = '32px sans-serif';
                g.fillText(ch, 2, 32);
                return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
            };
            return draw('乡') !== draw('\\uE000') && draw('乡') !== draw('镇') ;
        }"""
    )


def test_clerk_signs_in_switches_language_and_logs_out(page: Page, app_url, artifacts):
    page.goto(app_url)
    expect(page.get_by_role("textbox", name="用户名")).to_be_visible(timeout=30_000)
    _sign_in(page, "clerk01", DEMO_PASSWORD)

    expect(page.get_by_role("heading", name="本乡镇人大工作概况")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("来龙镇").first).to_be_visible()
    expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    assert _cjk_renders(page)
    page.screenshot(path=str(artifacts / "home_clerk01_zh.png"), full_page=True)

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Our township at a glance")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=en"))
    page.reload()
    expect(page.get_by_role("heading", name="Our township at a glance")).to_be_visible(
        timeout=30_000
    )
    page.screenshot(path=str(artifacts / "home_clerk01_en.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=30_000)


def test_wrong_password_shows_an_error(page: Page, app_url):
    page.goto(app_url)
    expect(page.get_by_role("textbox", name="用户名")).to_be_visible(timeout=30_000)
    _sign_in(page, "clerk02", "wrong-password-1")
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="本乡镇人大工作概况")).to_have_count(0)
