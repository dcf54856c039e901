"""The wall screen in Chromium at 1920×1080 and 1280×720 (and its first slide at 3840×2160):
every slide fills the screen's height and no text on it is smaller than 28 px at 1080p (scaled
with the screen: 18.7 px at 720p, 56 px at 2160p).

The year 2025 of the demo has every view: five charts, three slides of the 22 commendations and
four of the stories, twelve slides in all; both screens show them in turn, five seconds each."""

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.e2e.steps import idle, sign_in
from ui import deck

SIZES = ((1920, 1080), (1280, 720))
SLIDES = 12
# Text on screen, each with its rendered size: an SVG text's font size times the scale the SVG
# is drawn at, an HTML text's computed size; only what is on top at its centre counts.
_TEXT_SIZES = """() => {
  const out = [];
  const slide = document.querySelector('.deck-slide');
  const svg = slide.querySelector('svg');
  const scale = svg.getScreenCTM().a;
  for (const el of slide.querySelectorAll('text')) {
    if (!el.textContent.trim()) continue;
    out.push([el.textContent.trim(), parseFloat(getComputedStyle(el).fontSize) * scale]);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    if (!top || !(top === el || el.contains(top) || top.contains(el))) continue;
    out.push([el.textContent.trim(), parseFloat(getComputedStyle(el).fontSize)]);
  }
  return out;
}"""


def _start(browser: Browser, app_url: str, size: tuple[int, int], lang: str) -> Page:
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    sign_in(page, app_url, "leader")
    page.goto(f"{app_url}/present?lang={lang}&year=2025")
    idle(page)
    page.locator(".st-key-present_setup input[type='number']").fill("5")
    return page


def test_every_slide_fills_the_screen_in_large_type(browser: Browser, app_url, artifacts):
    pages = {size: _start(browser, app_url, size, "zh") for size in SIZES}
    for page in pages.values():
        page.locator(".st-key-present_start button").click()
    seen: dict[tuple[int, int], list[tuple[str, str]]] = {size: [] for size in SIZES}
    last: dict[tuple[int, int], tuple[str, str] | None] = dict.fromkeys(SIZES)
    # The clock moves the slide on every five seconds; a slide missed while the other screen
    # was being measured comes round again a minute later.
    for _ in range(3 * SLIDES):
        if all(len(v) == SLIDES for v in seen.values()):
            break
        for size, page in pages.items():
            if last[size] is not None:
                view, n = last[size]
                gone = page.locator(f".deck-slide[data-view='{view}'][data-page='{n}']")
                expect(gone).to_have_count(0, timeout=45_000)
            shown = page.locator(".deck-slide")
            expect(shown).to_be_visible(timeout=30_000)
            idle(page)
            key = (shown.get_attribute("data-view") or "", shown.get_attribute("data-page") or "")
            last[size] = key
            if key in seen[size]:
                continue
            width, height = size
            box = page.locator(".deck-slide svg").bounding_box()
            assert box is not None
            assert abs(box["height"] - height) <= 0.1 * height, (size, key, box)
            assert box["width"] <= width + 1
            smallest = min(page.evaluate(_TEXT_SIZES), key=lambda pair: pair[1])
            assert smallest[1] >= 28 * height / 1080 - 0.01, (size, key, smallest)
            page.screenshot(path=str(artifacts / f"wall_{width}_{key[0]}_{key[1]}.png"))
            seen[size].append(key)
    order = sorted(seen[SIZES[0]], key=lambda k: (deck.VIEWS.index(k[0]), int(k[1])))
    views = [v for v, _ in order]
    assert views[:5] == ["headline", "ranking", "heatmap", "contact", "supervision"], views
    assert views.count("commendations") == 3 and views.count("stories") == 4, views
    assert sorted(seen[SIZES[0]]) == sorted(seen[SIZES[1]])
    for page in pages.values():
        page.context.close()


def test_the_deck_downloads_as_a_pdf_of_one_page_a_slide(browser: Browser, app_url, artifacts):
    """This year of the demo has no commendation yet: five slides, five pages."""
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    sign_in(page, app_url, "leader")
    page.goto(f"{app_url}/present?lang=zh")
    idle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="下载展示文稿（PDF，每页一张幻灯片）").click()
    path = download.value.path()
    pdf = PdfReader(path)
    assert len(pdf.pages) == 5
    assert (float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)) == (
        1920,
        1080,
    )
    page.context.close()


def test_a_4k_screen_shows_the_same_slide_twice_as_large(browser: Browser, app_url, artifacts):
    page = _start(browser, app_url, (3840, 2160), "en")
    page.locator(".st-key-present_start button").click()
    shown = page.locator(".deck-slide[data-view='headline']")
    expect(shown).to_be_visible(timeout=30_000)
    idle(page)
    box = page.locator(".deck-slide svg").bounding_box()
    assert box is not None and abs(box["height"] - 2160) <= 216
    smallest = min(page.evaluate(_TEXT_SIZES), key=lambda pair: pair[1])
    assert smallest[1] >= 56 - 0.01, smallest
    page.screenshot(path=str(artifacts / "wall_3840_headline_1.png"))
    page.context.close()
