"""The wall screen's slides and the exported deck, on the demo data.

The demo's commendations are of 2025 (22 approved, awarded 10–22 Dec 2025); 2026 has none, so
2026's commendation and story views have no slide."""

import io
import json
import zipfile
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

from tests.factories import LEADER
from tests.pages.apptest import DEMO_AS_OF, DEMO_YEAR
from ui import deck


@pytest.fixture
def figures_2026(app_env) -> deck.Figures:
    return deck.read_figures(LEADER, DEMO_YEAR, DEMO_AS_OF)


@pytest.fixture
def figures_2025(app_env) -> deck.Figures:
    return deck.read_figures(LEADER, 2025, date(2025, 12, 31))


def _texts(spec) -> list[str]:
    """Every literal string of a spec's data values (what its text marks show)."""
    out = []
    for data in [spec.get("data", {}), *spec.get("datasets", {}).values()]:
        rows = data if isinstance(data, list) else data.get("values", [])
        for row in rows:
            out += [v for v in row.values() if isinstance(v, str)]
    return out


def _font_sizes(node) -> list[float]:
    """Every font size a spec sets (marks, axes, legends, titles)."""
    sizes = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower().endswith("fontsize") and isinstance(value, int | float):
                sizes.append(value)
            else:
                sizes += _font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            sizes += _font_sizes(value)
    return sizes


def test_every_view_with_something_to_show_has_its_slides_in_order(figures_2026, figures_2025):
    slides = deck.slides(figures_2026, "zh")
    # 2026: no commendation yet, so neither the commendations nor the stories have a slide.
    assert [s.view for s in slides] == ["headline", "ranking", "heatmap", "contact", "supervision"]
    views = [s.view for s in deck.slides(figures_2025, "en")]
    # 22 commendations, ten rows a slide: three slides; 22 stories, six a slide: four.
    assert views.count("commendations") == 3 and views.count("stories") == 4
    assert views == sorted(views, key=deck.VIEWS.index)


def test_a_long_table_is_paged_so_every_row_is_shown_and_names_stay_hidden(figures_2025):
    slides = [s for s in deck.slides(figures_2025, "zh") if s.view == "commendations"]
    assert [(s.page, s.pages) for s in slides] == [(1, 3), (2, 3), (3, 3)]
    shown = [x for s in slides for x in _texts(s.spec)]
    placeholders = [x for x in shown if x.startswith("代表") and x[2:].isdigit()]
    assert placeholders == [f"代表{n}" for n in range(1, 23)]  # all 22 rows, in order
    deputies = {r["deputy"] for r in figures_2025.commendations}
    assert not deputies & set(shown)
    stories = [
        x for s in deck.slides(figures_2025, "zh") if s.view == "stories" for x in _texts(s.spec)
    ]
    assert not any(name in text for name in deputies for text in stories)


def test_every_slide_is_1920_by_1080_and_no_type_is_under_28_px(figures_2025):
    for lang in ("zh", "en"):
        for slide in deck.slides(figures_2025, lang):
            spec = slide.spec
            assert (spec["width"], spec["height"]) == (1920, 1080)
            assert spec["autosize"] == {"type": "fit", "contains": "padding"}
            sizes = _font_sizes(spec)
            assert sizes and min(sizes) >= deck.MIN_FONT, (slide.view, sorted(sizes)[:3])


def test_a_unit_that_has_not_held_its_contact_day_shows_no_bar_and_not_0_percent():
    frame = pd.DataFrame(
        [
            {"month": 11, "name_zh": "甲镇", "name_en": "A", "rate": 0.9, "held": True},
            {"month": 11, "name_zh": "乙镇", "name_en": "B", "rate": 0.0, "held": False},
        ]
    )
    f = deck.Figures(
        year=2026,
        as_of=date(2026, 11, 27),
        headline=None,  # type: ignore[arg-type]
        board=None,  # type: ignore[arg-type]
        participation=frame,
        stages=pd.DataFrame(),
        commendations=[],
    )
    (slide,) = deck.contact_slides(f, "zh")
    rows = slide.spec["datasets"][next(iter(slide.spec["datasets"]))]
    by_unit = {r["unit"]: r for r in rows}
    assert by_unit["甲镇"]["text"] == "90%" and by_unit["乙镇"]["text"] == "未开展"
    assert by_unit["乙镇"]["rate"] is None
    # Ticks every quarter, never crowded.
    layer = slide.spec["layer"][0]
    assert layer["encoding"]["x"]["axis"]["values"] == [0, 0.25, 0.5, 0.75, 1]


def test_the_deck_opens_with_one_page_a_slide(figures_2025):
    slides = deck.slides(figures_2025, "zh")
    pdf = PdfReader(io.BytesIO(deck.deck_pdf(slides)))
    assert len(pdf.pages) == len(slides) == 12
    box = pdf.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (1920, 1080)
    assert "2025年乡镇人大" in pdf.pages[0].extract_text() or pdf.pages[0].images
    with zipfile.ZipFile(io.BytesIO(deck.deck_zip(slides[:3]))) as z:
        names = z.namelist()
        assert names == ["01_headline_1.png", "02_ranking_1.png", "03_heatmap_1.png"]
        png = z.read(names[0])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        # 1920×1080 in the PNG header.
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (
            1920,
            1080,
        )
    assert json.dumps(slides[0].spec)  # plain JSON, as the screen and the export use it
