"""Charts are made of Altair's channel objects (``alt.X``, ``alt.Text``, ``alt.ColorValue`` …),
never of shorthand strings or ``alt.value`` dicts passed to ``encode``: Altair turns each such
string or dict into an object by building its lookup table of the whole Vega-Lite schema again
(about ten milliseconds each), which a chart with a few layers paid several times on every
first view after a save."""

from datetime import date

import pytest
from altair.utils import schemapi

from tests.factories import LEADER
from tests.pages.apptest import no_exceptions, signed_in
from ui import deck

CHART_PAGES = {
    "leader": [
        "pages/overview.py",
        "pages/scorecard.py",
        "pages/checklist_matrix.py",
        "pages/linkage_coverage.py",
        "pages/supervision_board.py",
        "pages/funds_overview.py",
        "pages/guarantees.py",
    ],
    "clerk01": ["pages/home.py", "pages/checklist_township.py", "pages/funds_overview.py"],
}


@pytest.fixture
def conversions(monkeypatch):
    """The schema lookups Altair builds while charts are made (one per string or dict)."""
    built: list[int] = []
    original = schemapi._FromDict.__init__

    def counted(self, wrapper_classes, /):
        built.append(1)
        original(self, wrapper_classes)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counted)
    return built


@pytest.mark.parametrize(
    ("username", "screen"), [(u, p) for u, pages in CHART_PAGES.items() for p in pages]
)
def test_a_screens_charts_are_built_without_schema_lookups(app_env, conversions, username, screen):
    at = signed_in(username)
    at.run()
    at.switch_page(screen)
    at.run()
    no_exceptions(at)
    assert at.get("vega_lite_chart"), f"{screen} drew no chart"
    assert conversions == []


def test_the_wall_screens_slides_are_built_without_schema_lookups(app_env, conversions):
    # 2025 has a slide of every view (commendations and stories too).
    figures = deck.read_figures(LEADER, 2025, date(2025, 12, 31))
    for lang in ("zh", "en"):
        slides = deck.slides(figures, lang)
        assert {s.view for s in slides} >= {"headline", "ranking", "heatmap", "supervision"}
    assert conversions == []
