"""Steps the browser tests share. A Streamlit page draws its heading before the rest of the
script has run; a click or a typed value that lands during a run can be redrawn away. So every
step that changes screens ends by waiting until the script run is over."""

from playwright.sync_api import Page, expect

from ui.auth import SESSION_COOKIE, SESSION_ROUTE

DEMO_PASSWORD = "Demo@2026"


def idle(page: Page) -> None:
    """Wait until the script run is over, so a widget is not redrawn under the pointer."""
    expect(page.locator("[data-testid='stApp']")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )


def fill_login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Type into the real login form and submit it."""
    form = page.locator("[data-testid='stForm']")
    expect(form.get_by_role("textbox", name="用户名")).to_be_visible(timeout=30_000)
    form.get_by_role("textbox", name="用户名").fill(username)
    form.get_by_role("textbox", name="密码").fill(password)
    form.get_by_role("button", name="登录").click()


def sign_in(page: Page, app_url: str, username: str) -> None:
    """Sign in as a demo user and wait for the landing page to settle."""
    page.goto(app_url)
    with page.expect_response(lambda r: SESSION_ROUTE in r.url, timeout=60_000):
        fill_login(page, username)
    signed_in(page)


def session_cookie(page: Page) -> dict | None:
    """The sign-in cookie as the browser keeps it (scripts in the page cannot see it)."""
    return next((c for c in page.context.cookies() if c["name"] == SESSION_COOKIE), None)


def signed_in(page: Page) -> None:
    """Wait for the first page after the login form to settle, with its sign-in cookie set (the
    page fetches it from the server right after the login form)."""
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible(timeout=60_000)
    idle(page)
    assert session_cookie(page) is not None


def go(page: Page, link: str, heading: str) -> None:
    """Open a screen from the sidebar navigation."""
    idle(page)
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
    idle(page)


def cjk_renders(page: Page) -> bool:
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
