"""Finding a CJK font file at run time, for the PDF and the chart images.

Debian's fonts-noto-cjk puts Noto Sans CJK in ``/usr/share/fonts/opentype/noto``; other systems
keep it elsewhere, so the folders below are searched and the face named "Noto Sans CJK SC" is
picked from the collection.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.errors import ServiceError

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
FACE = "Noto Sans CJK SC"
# The file names that hold it, regular weight first (collections and single OTF files).
CANDIDATES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf")
BOLD_CANDIDATES = ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf")


class FontMissing(ServiceError):
    """No CJK font on this machine: Chinese text cannot be drawn in a PDF or a chart."""

    def __init__(self) -> None:
        super().__init__("documents.error.font_missing", face=FACE)

    def __str__(self) -> str:
        return (
            f"no CJK font found: install fonts-noto-cjk (looked for {FACE} in "
            + ", ".join(str(d) for d in FONT_DIRS)
            + ")"
        )


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # the face's number inside a .ttc collection (0 for a single font)


def _face_index(path: Path) -> int | None:
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() == ".ttc":
        collection = TTCollection(str(path), lazy=True)
        for i, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == FACE:
                return i
        return None
    font = TTFont(str(path), lazy=True)
    return 0 if FACE.split(" CJK")[0] in (font["name"].getDebugName(1) or "") else None


def _find(names: tuple[str, ...]) -> FontFile | None:
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for name in names:
            for path in sorted(folder.rglob(name)):
                index = _face_index(path)
                if index is not None:
                    return FontFile(path, index)
    return None


@cache
def cjk_font(bold: bool = False) -> FontFile:
    """The regular (or bold) Noto Sans CJK SC face; bold falls back to regular. FontMissing
    when none is installed."""
    found = _find(BOLD_CANDIDATES) if bold else None
    found = found or _find(CANDIDATES)
    if found is None:
        raise FontMissing()
    return found
