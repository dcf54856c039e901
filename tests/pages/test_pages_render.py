"""Every page renders without exception for each role and both languages, with real numbers."""

import re
from datetime import date

import pytest

from models.enums import Role
from tests.pages.apptest import no_exceptions, signed_in, visible_text
from ui.layout import same_day_last_year

DISTRICT_PAGES = [
    "pages/overview.py",
    "pages/scorecard.py",
    "pages/reporting.py",
    "pages/present.py",
]
ROLE_PAGES = {
    "admin": [*DISTRICT_PAGES, "pages/admin_units.py", "pages/admin_audit.py"],
    "leader": DISTRICT_PAGES,
    "clerk01": ["pages/home.py", "pages/scorecard.py"],
}
LANDING = {"admin": "pages/overview.py", "leader": "pages/overview.py", "clerk01": "pages/home.py"}
CASES = [
    (user, page, lang)
    for user, pages in ROLE_PAGES.items()
    for page in pages
    for lang in ("zh", "en")
]


@pytest.mark.parametrize(("username", "screen", "lang"), CASES)
def test_page_renders(app_env, username, screen, lang):
    at = signed_in(username, lang)
    at.run()
    no_exceptions(at)
    if screen != LANDING[username]:
        at.switch_page(screen)
        at.run()
        no_exceptions(at)
    title = at.title[0].value
    assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), title
    text = visible_text(at)
    assert "[" not in text or "]" not in text.split("[", 1)[1], f"raw catalog key shown: {text}"


def test_clerk_home_counts_only_their_township(app_env):
    clerk = signed_in("clerk01")
    clerk.run()
    no_exceptions(clerk)
    c = {m.label: int(m.value.replace(",", "")) for m in clerk.metric}
    assert len(c) == 4  # no township count for a clerk
    # 来龙镇 (clerk01): 45 + 37,600 // 1,500 = 70 township deputies by the quota.
    assert c["乡级人大代表"] == 70
    assert len(clerk.get("vega_lite_chart")) == 1


def test_the_language_survives_page_changes(app_env):
    at = signed_in("leader", "en")
    at.run()
    for page in ("pages/scorecard.py", "pages/reporting.py", "pages/overview.py"):
        at.switch_page(page)
        at.run()
        no_exceptions(at)
        assert not re.search(r"[\u4e00-\u9fff]", at.title[0].value), (page, at.title[0].value)
    assert at.session_state["lang"] == "en"


@pytest.mark.parametrize(
    ("username", "hidden"),
    [("leader", "pages/admin_units.py"), ("clerk01", "pages/admin_audit.py")],
)
def test_admin_pages_are_not_in_other_roles_navigation(app_env, username, hidden):
    at = signed_in(username)
    at.run()
    no_exceptions(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(hidden)


def test_only_years_with_rules_can_be_chosen(app_env):
    """The demo's rules start in 2025: 2024 is not offered, and a link asking for it opens the
    current year; 2025's scorecard has no year before it to compare with and still renders.
    The clock is pinned to 2026-11-27: this year and the one before, back to the first rules."""
    at = signed_in("leader")
    at.query_params["year"] = "2024"
    at.run()
    no_exceptions(at)
    offered = at.selectbox(key="year_choice").options
    assert offered == ["2026", "2025"]
    assert at.session_state["year"] == "2026"

    at = signed_in("leader")
    at.query_params["year"] = "2025"
    at.run()
    at.switch_page("pages/scorecard.py")
    at.run()
    no_exceptions(at)
    assert at.session_state["year"] == "2025"


def test_the_same_day_last_year():
    assert same_day_last_year(date(2026, 3, 1)) == date(2025, 3, 1)
    assert same_day_last_year(date(2028, 2, 29)) == date(2027, 2, 28)


def test_the_menu_is_made_once_per_session_and_again_in_another_language(app_env, monkeypatch):
    # Every run through app.py, as on a server once st.navigation has run (AppTest would run
    # the landing page's file alone from the second run on).
    from streamlit.runtime.pages_manager import PagesManager

    made = PagesManager.__init__

    def init(self, *args, **kwargs):
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)
    at = signed_in("leader")
    at.run()
    no_exceptions(at)
    menu = at.session_state["_nav_menu"]
    assert menu[2]["overview.py"].title == "工作总览"
    at.run()
    assert at.session_state["_nav_menu"] is menu  # the next run reuses the session's menu
    at.radio(key="lang_choice").set_value("en")
    at.run()
    no_exceptions(at)
    english = at.session_state["_nav_menu"]
    assert english[0] == (Role.district_leader, "en")
    assert english[2]["overview.py"].title == "Overview"
    # Another viewer gets pages of its own: st.navigation marks on a page which one a run may
    # call, so two sessions never share one.
    other = signed_in("leader")
    other.run()
    no_exceptions(other)
    theirs = other.session_state["_nav_menu"]
    assert theirs[2]["overview.py"] is not menu[2]["overview.py"]
    assert theirs[2]["overview.py"].title == "工作总览"
    sections = theirs[1]
    assert all(p is theirs[2][p._page.name] for pages in sections.values() for p in pages)
