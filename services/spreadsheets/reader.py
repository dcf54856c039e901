"""Uploaded spreadsheets as a grid of cell values: .xlsx (Excel, WPS), old .xls and .csv.

A file is judged by its content, never by its name: a zip holding ``xl/workbook.xml`` is an
.xlsx, an OLE2 compound file is an .xls, and plain text (UTF-8, or GBK/GB18030 as Chinese
Windows saves it) is a CSV. Anything else is refused as not a spreadsheet.

Hostile files are refused before they are read, from what they say about themselves: every
zip entry's unpacked size and compression ratio from the zip directory, then the actual bytes
of each entry read with a cap (a directory can lie), then the sheet's row count and dimension
against the limits in ``services.settings``. So no upload unpacks to more than the unpacked
limit, and a 2 MB file that would unpack to gigabytes is refused in milliseconds.

The grid has one list per spreadsheet row (row 0 is the sheet's row 1), values as the reader
gives them (text, float, bool, date, datetime; None for a blank cell). Cells merged down a
column read as the merged value repeated on every row of the merge, as a person reads them.
"""

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services import settings

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc")
# Past this ratio of unpacked to packed size an entry of some size is a bomb, not a sheet:
# real sheet XML compresses 5 to 30 times.
MAX_RATIO = 200
_RATIO_FLOOR = 1 << 20
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")
_FORMULA = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_ANY_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb"<Relationship\b[^>]*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


class Refused(Exception):
    """The file as a whole cannot be read; ``key`` and ``params`` name the message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Grid:
    """One sheet of an upload. ``formulas`` holds the (row, column) places, 0-based, of
    cells that hold a formula (an .xlsx only: an .xls keeps formulas beyond reach of a
    value reader, a CSV has none)."""

    kind: str  # "xlsx", "xls" or "csv"
    sheet: str
    rows: list[list[Any]]
    formulas: frozenset[tuple[int, int]] = frozenset()


def column_letter(index: int) -> str:
    """The letter of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number - 1


def kind_of(data: bytes) -> str:
    """What the bytes are: "xlsx", "xls", "csv", or Refused."""
    if not data:
        raise Refused("imports.error.empty_file")
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xls"
    head = data[:4096]
    if any(head.startswith(m) for m in _BINARY_MAGIC) or b"\x00" in head:
        raise Refused("imports.error.not_spreadsheet")
    return "csv"


def read_grid(data: bytes, sheet_names: Iterable[str] = ()) -> Grid:
    """The sheet of ``data`` whose name is one of ``sheet_names`` (compared without spaces
    and case), else the first sheet; Refused when the file cannot or may not be read."""
    if len(data) > settings.spreadsheet_max_bytes():
        raise Refused("imports.error.too_large", mb=settings.spreadsheet_max_bytes() >> 20)
    kind = kind_of(data)
    wanted = {_plain(n) for n in sheet_names}
    if kind == "csv":
        return _read_csv(data)
    if kind == "xlsx":
        return _read_xlsx(data, wanted)
    return _read_xls(data, wanted)


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", name or "").casefold()


def _too_big() -> Refused:
    return Refused("imports.error.unpacked_too_large", mb=settings.unpacked_max_bytes() >> 20)


def _check_size(rows: int, columns: int) -> None:
    if rows > settings.import_max_rows():
        raise Refused("imports.error.too_many_rows", n=settings.import_max_rows())
    if columns > settings.import_max_columns():
        raise Refused("imports.error.too_many_columns", n=settings.import_max_columns())


def _unpack(data: bytes) -> dict[str, bytes]:
    """Every entry of the zip, each checked from the directory first and then read with a cap
    on the bytes it actually unpacks to."""
    limit = settings.unpacked_max_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Refused("imports.error.not_spreadsheet") from exc
    declared = 0
    for info in infos:
        declared += info.file_size
        if declared > limit:
            raise _too_big()
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            1, info.compress_size
        ):
            raise _too_big()
    entries: dict[str, bytes] = {}
    budget = limit
    try:
        for info in infos:
            if info.is_dir():
                continue
            with archive.open(info) as fh:
                content = fh.read(budget + 1)
            if len(content) > budget:
                raise _too_big()
            budget -= len(content)
            entries[info.filename] = content
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise Refused("imports.error.not_spreadsheet") from exc
    if "xl/workbook.xml" not in entries:
        raise Refused("imports.error.not_spreadsheet")
    return entries


def _sheet_paths(entries: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, path of its XML in the zip), in the workbook's order."""
    targets = {}
    for tag in _REL.findall(entries.get("xl/_rels/workbook.xml.rels", b"")):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attrs.get(b"Id", b"")] = target
    sheets = []
    for name, rel in _SHEET.findall(entries["xl/workbook.xml"]):
        sheets.append((html.unescape(name.decode("utf-8", "replace")), targets.get(rel, "")))
    return sheets


def _open_book(data: bytes):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # any parse failure means the same thing: not a workbook
        raise Refused("imports.error.not_spreadsheet") from exc


def _choose(book, wanted: set[str]) -> str:
    """The worksheet named as wanted, else the first visible one (offices hide lookup sheets
    in front), else the first."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = [m for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    if not sheets:
        raise Refused("imports.error.empty_sheet")
    for meta in sheets:
        if _plain(meta.name) in wanted:
            return meta.name
    visible = [m for m in sheets if m.visible == SheetVisibleEnum.Visible]
    return (visible or sheets)[0].name


def _read_xlsx(data: bytes, wanted: set[str]) -> Grid:
    entries = _unpack(data)
    book = _open_book(data)
    name = _choose(book, wanted)
    xml = entries.get(dict(_sheet_paths(entries)).get(name, ""), b"")
    # Counted without building a list: a sheet may hold millions of tiny rows.
    rows = xml.count(b"<row ") + xml.count(b"<row>")
    if not rows:  # a namespace prefix on every tag, as some generators write
        rows = sum(1 for _ in _ROW_TAG.finditer(xml))
    columns = 0
    dimension = _DIMENSION.search(xml[:4096])
    if dimension and dimension.group(4):
        rows = max(rows, int(dimension.group(4)))
        columns = _column_index(dimension.group(3)) + 1
    _check_size(rows, columns)
    formulas: frozenset[tuple[int, int]] = frozenset()
    if _ANY_FORMULA.search(xml):
        formulas = frozenset(
            (int(m.group(2)) - 1, _column_index(m.group(1))) for m in _FORMULA.finditer(xml)
        )
    del entries, xml
    return _grid(book, name, "xlsx", formulas)


def _read_xls(data: bytes, wanted: set[str]) -> Grid:
    book = _open_book(data)
    return _grid(book, _choose(book, wanted), "xls", frozenset())


def _grid(book, name: str, kind: str, formulas: frozenset[tuple[int, int]]) -> Grid:
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception as exc:  # a damaged or renamed file
        raise Refused("imports.error.not_spreadsheet") from exc
    _check_size(sheet.height, sheet.width)
    rows = [[None if v == "" else v for v in row] for row in sheet.iter_rows()]
    for (top, left), (bottom, _right) in sheet.merged_cell_ranges or ():
        # A value merged down a column (a constituency over its deputies) repeats on each row.
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if left < len(rows[r]) and rows[r][left] is None:
                rows[r][left] = value
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return Grid(kind, name, rows, formulas)


def decode_text(data: bytes) -> str:
    """The text of a CSV: UTF-8 (with or without a byte-order mark), else GB18030 (which
    reads GBK and GB2312, as Chinese Windows saves a CSV), else whatever charset-normalizer
    finds; Refused when nothing decodes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise Refused("imports.error.not_spreadsheet")
    return str(best)


def _read_csv(data: bytes) -> Grid:
    text = decode_text(data)
    if re.search(r"[\x00-\x08\x0e-\x1f]", text[:4096]):
        raise Refused("imports.error.not_spreadsheet")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Any]] = []
    max_rows, max_columns = settings.import_max_rows(), settings.import_max_columns()
    for record in csv.reader(io.StringIO(text), dialect):
        if len(rows) >= max_rows:
            raise Refused("imports.error.too_many_rows", n=max_rows)
        if len(record) > max_columns:
            raise Refused("imports.error.too_many_columns", n=max_columns)
        values: list[Any] = [v if v.strip() else None for v in record]
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    return Grid("csv", "", rows)
