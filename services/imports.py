"""Spreadsheet imports shared by every roster: template, reading, checking, all-or-nothing commit.

A feature describes its sheet once as a ``SheetSpec`` (columns with Chinese and English headers,
a kind and whether they are required). From that spec this module builds the template a clerk
downloads, reads the filled file back (either language's headers), turns every cell into a typed
value and collects every problem as ``Problem(row, column, key, params)`` so the page can list
them all at once. The feature then checks its own rules (``raise_if_any`` refuses the file with
every problem), and writes with ``bulk_insert`` inside ``write_all_or_nothing``: either every
row is stored, with one audit row of the counts, or none.

Headers live here rather than in the UI catalogs because they are a file format: an exported
file must read back unchanged even if the screen wording changes.
"""

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

from models.enums import AuditAction
from services import audit
from services.errors import ValidationError
from services.permissions import Actor
from services.validation import has_markup

Kind = Literal["text", "int", "bool", "date", "phone", "choice"]
Lang = Literal["zh", "en"]
# progress(fraction done 0..1, phase) where phase is "read", "check" or "write".
Progress = Callable[[float, str], None]

MAX_BYTES = 30 * 1024 * 1024
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "f"}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Choice:
    """An allowed value: stored as ``code``, written as ``zh`` or ``en``, also read as an alias."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    zh: str
    en: str
    kind: Kind = "text"
    required: bool = False
    max_len: int = 0
    choices: tuple[Choice, ...] = ()
    width: int = 14

    def header(self, lang: Lang) -> str:
        return (self.zh if lang == "zh" else self.en) + ("*" if self.required else "")


@dataclass(frozen=True)
class SheetSpec:
    code: str
    zh: str
    en: str
    columns: tuple[ColumnSpec, ...]
    max_rows: int = 200_000

    def title(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def column(self, key: str) -> ColumnSpec:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file.

    ``row`` is the spreadsheet row number as Excel shows it (None: the file as a whole);
    ``column`` the column key of the spec (None: not tied to one known column); ``key`` the
    catalog message and ``params`` its placeholders.
    """

    row: int | None
    column: str | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedRow:
    row: int
    values: dict[str, Any]


@dataclass(frozen=True)
class SheetRows:
    rows: list[ParsedRow]
    columns: frozenset[str]
    problems: list[Problem]


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``counts`` holds created/updated/unchanged and feature extras."""

    rows: int
    counts: dict[str, int]

    @property
    def changed(self) -> bool:
        return any(v for k, v in self.counts.items() if k != "unchanged")


class ImportRejected(ValidationError):
    """The file was refused as a whole; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("imports.error.rejected", field="file", n=len(problems))
        self.problems = problems


def report(progress: Progress | None, fraction: float, phase: str) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), phase)


def scaled_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A step's own progress (0..1) reported as the stretch from ``start`` to ``end`` of the
    whole import, so reading, checking and writing fill one bar in turn."""
    if progress is None:
        return None
    return lambda fraction, phase: progress(start + (end - start) * fraction, phase)


def raise_if_any(problems: list[Problem]) -> None:
    """Refuse the file with every problem found, in the order of the sheet's rows."""
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ImportRejected(problems)


# ---------------------------------------------------------------------------------------------
# Writing: templates and exports


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def build_workbook(
    spec: SheetSpec,
    lang: Lang,
    rows: Iterable[Mapping[str, Any]] = (),
    *,
    lists: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The template of ``spec`` (headers in ``lang``), filled with ``rows`` when exporting.

    Choice columns and the columns named in ``lists`` get a drop-down of their allowed values,
    kept on a second sheet so long lists are not cut at Excel's 255-character limit.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title(lang)
    ws.append([c.header(lang) for c in spec.columns])
    for idx, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = "A2"
    count = 0
    for row in rows:
        ws.append([_cell_value(col, row.get(col.key), lang) for col in spec.columns])
        count += 1

    options = {c.key: [ch.label(lang) for ch in c.choices] for c in spec.columns if c.choices}
    options |= {k: list(v) for k, v in (lists or {}).items() if v}
    if options:
        ref = wb.create_sheet("选项" if lang == "zh" else "Options")
        last = max(1000, count + 500)
        for idx, col in enumerate(spec.columns, start=1):
            values = options.get(col.key)
            if not values:
                continue
            letter = get_column_letter(idx)
            ref.cell(row=1, column=idx, value=col.header(lang)).font = _HEADER_FONT
            for r, value in enumerate(values, start=2):
                ref.cell(row=r, column=idx, value=value)
            dv = DataValidation(
                type="list",
                formula1=f"'{ref.title}'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=False,
            )
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell_value(col: ColumnSpec, value: Any, lang: Lang) -> Any:
    if value is None:
        return None
    if col.kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if col.kind == "choice":
        code = getattr(value, "value", value)
        match = next((c for c in col.choices if c.code == code), None)
        return match.label(lang) if match else str(code)
    return value


def table_workbook(frame: pd.DataFrame, sheet_title: str) -> bytes:
    """A plain one-sheet workbook of a table (exports such as gap lists)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.append([str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for values in frame.itertuples(index=False):
        ws.append([_plain(v) for v in values])
    for idx, name in enumerate(frame.columns, start=1):
        longest = max([len(str(name))] + [len(str(v)) for v in frame.iloc[:, idx - 1]])
        ws.column_dimensions[get_column_letter(idx)].width = min(60, max(10, longest * 1.6))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


# ---------------------------------------------------------------------------------------------
# Reading


def match_key(text: Any) -> str:
    """How names are compared: width-folded, case-folded, spaces and a trailing * removed."""
    return _norm_header(text)


def _norm_header(text: Any) -> str:
    value = unicodedata.normalize("NFKC", str(text or "")).strip()
    value = value.rstrip("*").strip()
    return re.sub(r"\s+", "", value).casefold()


def _open(data: bytes):
    """The workbook of ``data`` and its raw zip, or a file-level Problem."""
    if not data:
        return None, None, Problem(None, None, "imports.error.empty_file")
    if len(data) > MAX_BYTES:
        return None, None, Problem(None, None, "imports.error.too_large", {"mb": MAX_BYTES >> 20})
    if not data.startswith(_ZIP_MAGIC):
        return None, None, Problem(None, None, "imports.error.not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # any parse failure means the same thing to the user: not a workbook
        return None, None, Problem(None, None, "imports.error.not_xlsx")
    return wb, archive, None


def read_rows(data: bytes, spec: SheetSpec, *, progress: Progress | None = None) -> SheetRows:
    """Every data row of the file as typed values, with every problem found on the way.

    File-level problems (not a workbook, wrong headers, merged cells, empty sheet) stop the
    reading early, since row checks against a wrong layout would only add noise.
    """
    wb, archive, problem = _open(data)
    if problem is not None:
        return SheetRows([], frozenset(), [problem])
    try:
        return _read(wb, archive, spec, progress)
    finally:
        wb.close()
        archive.close()


def _pick_sheet(wb, spec: SheetSpec):
    wanted = {_norm_header(spec.zh), _norm_header(spec.en)}
    for ws in wb.worksheets:
        if _norm_header(ws.title) in wanted:
            return ws
    return wb.worksheets[0] if wb.worksheets else None


def _read(wb, archive: zipfile.ZipFile, spec: SheetSpec, progress: Progress | None) -> SheetRows:
    ws = _pick_sheet(wb, spec)
    if ws is None:
        return SheetRows([], frozenset(), [Problem(None, None, "imports.error.empty_sheet")])
    try:
        xml = archive.read(ws._worksheet_path)
    except (KeyError, AttributeError):
        xml = b""
    merged = [
        Problem(
            int(m.group(2)),
            None,
            "imports.error.merged",
            {"cells": m.group(0).split(b'"')[1].decode("ascii")},
        )
        for m in _MERGE.finditer(xml)
    ]
    if merged:
        return SheetRows([], frozenset(), merged)
    expected_rows = max(1, xml.count(b"<row ") + xml.count(b"<x:row "))

    lookup: dict[str, ColumnSpec] = {}
    for col in spec.columns:
        lookup[_norm_header(col.zh)] = col
        lookup[_norm_header(col.en)] = col
        lookup[_norm_header(col.key)] = col

    problems: list[Problem] = []
    rows: list[ParsedRow] = []
    header_row: int | None = None
    positions: dict[int, ColumnSpec] = {}
    unnamed: set[int] = set()
    seen = 0
    for cells in ws.iter_rows():
        seen += 1
        if seen % 2000 == 0:
            report(progress, seen / expected_rows, "read")
        values = [(c.value, c.data_type) for c in cells]
        if header_row is None:
            if all(_blank(v) for v, _ in values):
                continue
            header_row = seen
            header_problems = _map_headers(values, header_row, lookup, spec, positions)
            if header_problems:
                return SheetRows([], frozenset(), header_problems)
            continue
        if all(_blank(v) for v, _ in values):
            continue
        number = seen
        if len(rows) >= spec.max_rows:
            return SheetRows(
                [],
                frozenset(),
                [Problem(None, None, "imports.error.too_many_rows", {"n": spec.max_rows})],
            )
        parsed: dict[str, Any] = {}
        before = len(problems)
        for idx, (value, dtype) in enumerate(values):
            col = positions.get(idx)
            if col is None:
                if not _blank(value):
                    unnamed.add(idx)
                continue
            if dtype == "f":
                problems.append(Problem(number, col.key, "imports.error.formula"))
                continue
            parsed[col.key] = _convert(col, value, number, problems)
        faulty = {p.column for p in problems[before:]}
        for col in positions.values():
            parsed.setdefault(col.key, None)
            if col.required and parsed[col.key] in (None, "") and col.key not in faulty:
                problems.append(Problem(number, col.key, "imports.error.required"))
        rows.append(ParsedRow(number, parsed))
    if header_row is None:
        return SheetRows([], frozenset(), [Problem(None, None, "imports.error.empty_sheet")])
    if not rows:
        return SheetRows([], frozenset(), [Problem(None, None, "imports.error.no_rows")])
    problems += [
        Problem(header_row, None, "imports.error.unnamed_column", {"col": get_column_letter(i + 1)})
        for i in sorted(unnamed)
    ]
    report(progress, 1.0, "read")
    return SheetRows(rows, frozenset(c.key for c in positions.values()), problems)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(
    values: list[tuple[Any, str]],
    header_row: int,
    lookup: dict[str, ColumnSpec],
    spec: SheetSpec,
    positions: dict[int, ColumnSpec],
) -> list[Problem]:
    problems = []
    for idx, (value, _dtype) in enumerate(values):
        if _blank(value):
            continue
        col = lookup.get(_norm_header(value))
        letter = get_column_letter(idx + 1)
        if col is None:
            problems.append(
                Problem(
                    header_row,
                    None,
                    "imports.error.unknown_header",
                    {"col": letter, "header": str(value).strip()},
                )
            )
        elif col in positions.values():
            problems.append(
                Problem(header_row, col.key, "imports.error.duplicate_header", {"col": letter})
            )
        else:
            positions[idx] = col
    present = set(positions.values())
    for col in spec.columns:
        if col.required and col not in present:
            problems.append(Problem(header_row, col.key, "imports.error.missing_header"))
    return problems


def _convert(col: ColumnSpec, value: Any, row: int, problems: list[Problem]) -> Any:
    """A cell's typed value, or None after adding a problem."""
    if _blank(value):
        return None
    try:
        if col.kind == "text":
            return _text(col, value)
        if col.kind == "phone":
            return phone_value(value)
        if col.kind == "int":
            return _int(value)
        if col.kind == "bool":
            return _bool(value)
        if col.kind == "date":
            return _date(value)
        if col.kind == "choice":
            return _choice(col, value)
    except CellError as exc:
        problems.append(Problem(row, col.key, exc.key, exc.params))
        return None
    raise AssertionError(f"unknown column kind {col.kind}")


class CellError(Exception):
    """A value that does not fit its column; ``key`` and ``params`` name the message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def clean_text(value: Any, *, max_len: int = 0) -> str:
    """Trimmed text; refuses markup and control characters, and text over ``max_len``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()[:10]
    text = unicodedata.normalize("NFC", str(value)).strip()
    if has_markup(text):
        raise CellError("imports.error.markup")
    if max_len and len(text) > max_len:
        raise CellError("imports.error.too_long", n=max_len)
    return text


def _text(col: ColumnSpec, value: Any) -> str:
    return clean_text(value, max_len=col.max_len)


def phone_value(value: Any) -> str:
    """A mainland mobile (11 digits) or a landline with area code, spaces removed."""
    if isinstance(value, bool):
        raise CellError("imports.error.phone", value=str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[\s()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    if _MOBILE.match(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.match(text):
        return text
    raise CellError("imports.error.phone", value=str(value)[:30])


def is_phone(value: str) -> bool:
    try:
        phone_value(value)
    except CellError:
        return False
    return True


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("imports.error.integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not re.fullmatch(r"-?\d+", text):
            raise CellError("imports.error.integer")
        number = int(text)
    if number < 0:
        raise CellError("imports.error.negative")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("imports.error.yes_no")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE_TEXT.match(text)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError("imports.error.date")


def _choice(col: ColumnSpec, value: Any) -> str:
    text = _norm_header(value)
    for ch in col.choices:
        names = (ch.code, ch.zh, ch.en, *ch.aliases)
        if text in {_norm_header(n) for n in names}:
            return ch.code
    allowed = "、".join(ch.zh for ch in col.choices)
    raise CellError("imports.error.choice", allowed=allowed)


# ---------------------------------------------------------------------------------------------
# Writing rows


def bulk_insert(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    returning_ids: bool = False,
    chunk: int = 5000,
    progress: Progress | None = None,
) -> list[int]:
    """Insert ``rows`` (every column given) in chunks inside the caller's transaction.

    The insert goes to the table directly: the ORM's per-row bookkeeping would double the time
    of a large import. With ``returning_ids`` the new primary keys come back in the rows' order
    (slower again: prefer looking the new rows up by their natural key). The caller commits.
    """
    ids: list[int] = []
    if not rows:
        return ids
    table = model.__table__
    for first in range(0, len(rows), chunk):
        part = rows[first : first + chunk]
        if returning_ids:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids += list(session.execute(stmt, part).scalars())
        else:
            session.execute(insert(table), part)
        report(progress, (first + len(part)) / len(rows), "write")
    return ids


def write_all_or_nothing(
    session: Session,
    actor: Actor,
    write: Callable[[], ImportResult],
    *,
    entity: str,
    township_id: int | None,
    filename: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Run an import's ``write`` as one transaction and return its result.

    What changed is committed with one audit row of the counts; an import that changed nothing,
    or failed, is rolled back, so a second import of the same file leaves no trace.
    """
    try:
        result = write()
        if result.changed:
            audit.record(
                session,
                actor,
                action=AuditAction.create,
                entity=entity,
                township_id=township_id,
                after={"file": filename[:200], "rows": result.rows, **result.counts},
            )
            session.commit()
        else:
            session.rollback()
    except Exception:
        session.rollback()
        raise
    report(progress, 1.0, "write")
    return result
