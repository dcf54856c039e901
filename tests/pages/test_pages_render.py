"""Every page renders without exception for each role and both languages, with real numbers."""

import re

import pytest

from tests.pages.apptest import no_exceptions, signed_in, visible_text

ROLE_PAGES = {
    "admin": ["pages/home.py", "pages/admin_units.py", "pages/admin_audit.py"],
    "leader": ["pages/home.py"],
    "clerk01": ["pages/home.py"],
}
CASES = [
    (user, page, lang)
    for user, pages in ROLE_PAGES.items()
    for page in pages
    for lang in ("zh", "en")
]


@pytest.mark.parametrize(("username", "page", "lang"), CASES)
def test_page_renders(app_env, username, page, lang):
    at = signed_in(username, lang)
    at.run()
    no_exceptions(at)
    if page != "pages/home.py":
        at.switch_page(page)
        at.run()
        no_exceptions(at)
    title = at.title[0].value
    assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), title
    text = visible_text(at)
    assert "[" not in text or "]" not in text.split("[", 1)[1], f"raw catalog key shown: {text}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_district_home_shows_demo_numbers_and_a_chart(app_env, lang):
    at = signed_in("leader", lang)
    at.run()
    no_exceptions(at)
    metrics = {m.label: m.value for m in at.metric}
    assert len(metrics) == 5
    assert all(v not in ("0", "") for v in metrics.values()), metrics
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1


def test_clerk_home_counts_only_their_township(app_env):
    district = signed_in("leader")
    district.run()
    clerk = signed_in("clerk01")
    clerk.run()
    no_exceptions(clerk)
    d = [m.value for m in district.metric]
    c = [m.value for m in clerk.metric]
    assert len(c) == 4  # no township count for a clerk
    # A clerk's deputies and voters are a part of the district's, not all of them.
    assert 0 < int(c[0].replace(",", "")) < int(d[1].replace(",", ""))
    assert 0 < int(c[1].replace(",", "")) < int(d[2].replace(",", ""))
    assert len(clerk.get("vega_lite_chart")) == 1


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
