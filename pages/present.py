"""Presentation mode for work meetings: the wall screen's slides in turn (ui/deck.py), each
filling the screen, and the same slides as a PDF or PNG deck for a room without the network.

The figures are those of a chosen as-of date, read once when the presentation starts and held
until it stops, so what the meeting discusses does not move while it is shown; personal names
are hidden unless the presenter shows them. A view with nothing to show has no slide; a long
list runs over several slides.
"""

import json
import time
from datetime import date

import streamlit as st

from ui import deck
from ui.auth import page_actor
from ui.cache_keys import copied
from ui.i18n import current_lang, t
from ui.layout import as_of_for, page_header, selected_year

# Our own style rules only: hide the frame; the slide fills the window whatever its size (it is
# drawn for 1920×1080 and scaled as a whole), the stop button sits in a corner over it.
_PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header,
[data-testid="stToolbar"], [data-testid="stDecoration"] {display: none !important;}
.block-container {padding: 0 !important; max-width: 100% !important;}
.deck-slide {position: fixed; inset: 0; width: 100vw; height: 100vh; background: #fff;
  z-index: 999990; display: flex; align-items: center; justify-content: center;}
.deck-slide svg {width: 100vw; height: 100vh; display: block;}
.st-key-present_stop {position: fixed; top: 1.2vh; right: 1.2vw; z-index: 999999;
  width: auto !important; opacity: 0.55;}
.st-key-present_stop button p {font-size: max(28px, 2.6vh) !important;}
</style>"""
VIEWS = deck.VIEWS

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()


def controls() -> None:
    page_header(t("present.title"), t("present.caption"))
    with st.container(border=True, key="present_setup"):
        interval = st.number_input(
            t("present.interval"), min_value=5, max_value=300, value=15, step=5
        )
        frozen = st.date_input(
            t("present.freeze"),
            value=as_of_for(year),
            min_value=date(year, 1, 1),
            max_value=as_of_for(year),
            format="YYYY-MM-DD",
            key="present_as_of",
        )
        hide = st.toggle(t("present.hide_names"), value=True, key="present_hide")
        views = st.multiselect(
            t("present.views"),
            VIEWS,
            default=list(VIEWS),
            format_func=lambda v: t(f"present.view.{v}"),
            placeholder=t("present.views"),
            key="present_views",
        )
        if st.button(t("present.start"), type="primary", key="present_start") and views:
            st.session_state["presenting"] = {
                "interval": int(interval),
                "as_of": frozen,
                "hide_names": hide,
                "views": list(views),
                "started": time.time(),
            }
            st.rerun()
    export(frozen, hide, views)


def export(as_of: date, hide: bool, views: list[str]) -> None:
    """The same slides as a deck for a meeting room without the network: built on click."""
    st.caption(t("present.export_caption"))

    def slides() -> list[deck.Slide]:
        figures = deck.read_figures(actor, year, as_of)
        return deck.slides(figures, lang, views=views, hide_names=hide)

    stem = f"present_{year}_{as_of.isoformat()}_{lang}"
    with st.container(horizontal=True):
        st.download_button(
            t("present.export_pdf"),
            data=lambda: deck.deck_pdf(slides()),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            key="present_export_pdf",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            t("present.export_png"),
            data=lambda: deck.deck_zip(slides()),
            file_name=f"{stem}.zip",
            mime="application/zip",
            key="present_export_png",
            icon=":material/download:",
            on_click="ignore",
        )


def held(settings: dict, name: str, read):
    """``read()`` the first time a presentation needs ``name``; the same figures after that."""
    figures = settings.setdefault("held", {})
    if name not in figures:
        figures[name] = read()
    return figures[name]


@copied(64)
def slide_svg(spec_json: str) -> str:
    return deck.slide_svg(json.loads(spec_json))


def presenting(settings: dict) -> None:
    st.html(_PRESENT_CSS)
    figures = held(settings, "figures", lambda: deck.read_figures(actor, year, settings["as_of"]))
    slides = deck.slides(figures, lang, views=settings["views"], hide_names=settings["hide_names"])

    @st.fragment(run_every=settings["interval"])
    def stage() -> None:
        if not slides:
            st.info(t("present.export_empty"))
            return
        # The slide follows the clock, so every refresh moves on without extra state.
        step = int((time.time() - settings["started"]) // settings["interval"])
        slide = slides[step % len(slides)]
        svg = slide_svg(json.dumps(slide.spec, sort_keys=True))
        with st.container(key=f"present_view_{slide.view}"):
            st.markdown(deck.slide_html(slide, svg), unsafe_allow_html=True)

    stage()
    if st.button(t("present.stop"), key="present_stop"):
        st.session_state.pop("presenting", None)
        st.rerun()


if "presenting" in st.session_state:
    presenting(st.session_state["presenting"])
else:
    controls()
