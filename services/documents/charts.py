"""Chart images for documents: a Vega-Lite spec (the one a screen draws) rendered to PNG.

vl-convert draws text with the fonts it is told about; the CJK font's folder is registered
once so Chinese labels come out as glyphs, not boxes.
"""

from functools import cache

import vl_convert

from services.documents.fonts import cjk_font

# Twice the CSS pixel size: sharp when printed at a page's width.
SCALE = 2


@cache
def _register_fonts() -> None:
    vl_convert.register_font_directory(str(cjk_font().path.parent))


def chart_png(spec: dict, *, width: int | None = None) -> bytes:
    """The PNG of a Vega-Lite ``spec``; ``width`` (CSS pixels) replaces a container width,
    which has no meaning outside a browser."""
    _register_fonts()
    spec = dict(spec)
    if width is not None and spec.get("width") in (None, "container"):
        spec["width"] = width
    return vl_convert.vegalite_to_png(spec, scale=SCALE)
