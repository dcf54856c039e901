"""Spreadsheet imports shared by every roster: template, reading, checking, all-or-nothing commit.

A feature describes its sheet once as a ``SheetSpec`` (columns with Chinese and English headers,
a kind, whether they are required, and the other headers offices keep them under). From that
spec this module builds the template a clerk downloads, and reads back either the filled
template or the office's own roster (.xlsx, .xls or .csv, read by ``spreadsheets.reader``): the
header is found below any title rows, columns are recognised by header or alias, others are left
aside and listed in the ``Layout``; every cell becomes a typed value, and every problem a
``Problem(row, column, key, params)`` so the page can list them all at once (``import_cells``
reads each cell). The feature then checks its own rules (``raise_if_any`` refuses the file with
every problem), may stop there to show a preview, and writes with ``bulk_insert`` inside
``write_all_or_nothing``: either every row is stored, with one audit row of the counts, or none.
``marked_copy`` returns a refused file with its problem cells marked.

Headers live here rather than in the UI catalogs because they are a file format: an exported
file must read back unchanged even if the screen wording changes.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

from models.enums import AuditAction
from services import audit
from services.errors import ValidationError
from services.import_cells import (
    CellError,
    bool_value,
    clean_text,
    date_value,
    int_value,
    person_name,
    phone_value,
)
from services.permissions import Actor
from services.spreadsheets import reader, writer

Kind = Literal["text", "name", "int", "bool", "date", "phone", "choice", "choices"]
Lang = Literal["zh", "en"]
# progress(fraction done 0..1, phase) where phase is "read", "check" or "write".
Progress = Callable[[float, str], None]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    # Other headers a township office keeps this column under (``column_aliases.toml``).
    aliases: tuple[str, ...] = ()

    def header(self, lang: Lang) -> str:
        return (self.zh if lang == "zh" else self.en) + ("*" if self.required else "")


@dataclass(frozen=True)
class SheetSpec:
    code: str
    zh: str
    en: str
    columns: tuple[ColumnSpec, ...]

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
class Layout:
    """How a file was read: its kind, the header's row number, each column read as
    ``(key, letter, header as written)`` and each column left aside as ``(letter, header)``."""

    kind: str
    sheet: str
    header_row: int
    columns: tuple[tuple[str, str, str], ...]
    left_aside: tuple[tuple[str, str], ...]

    def letter(self, key: str) -> str | None:
        return next((letter for k, letter, _ in self.columns if k == key), None)


@dataclass(frozen=True)
class SheetRows:
    rows: list[ParsedRow]
    columns: frozenset[str]
    problems: list[Problem]
    layout: Layout | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import did, or would do (a preview). ``counts`` holds created/updated/unchanged
    and feature extras; ``layout`` tells how the file was read; ``new_constituencies`` names
    the constituencies the import creates."""

    rows: int
    counts: dict[str, int]
    layout: Layout | None = None
    new_constituencies: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return any(v for k, v in self.counts.items() if k != "unchanged")


class ImportRejected(ValidationError):
    """The file was refused as a whole; ``problems`` lists every reason and ``layout`` how the
    file was read (None when it could not be). Nothing was written."""

    def __init__(self, problems: list[Problem], layout: Layout | None = None) -> None:
        super().__init__("imports.error.rejected", field="file", n=len(problems))
        self.problems = problems
        self.layout = layout


def report(progress: Progress | None, fraction: float, phase: str) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), phase)


def scaled_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A step's own progress (0..1) reported as the stretch from ``start`` to ``end`` of the
    whole import, so reading, checking and writing fill one bar in turn."""
    if progress is None:
        return None
    return lambda fraction, phase: progress(start + (end - start) * fraction, phase)


def raise_if_any(problems: list[Problem], layout: Layout | None = None) -> None:
    """Refuse the file with every problem found, in the order of the sheet's rows."""
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ImportRejected(problems, layout)


def marked_copy(
    data: bytes,
    problems: Sequence[Problem],
    layout: Layout | None,
    messages: Sequence[str],
    *,
    note_title: str,
) -> bytes | None:
    """The uploaded file with every problem marked: the cell of each row problem filled and
    its message (``messages``, one per problem, in the user's language) in a cell comment; a
    problem of a whole row on its first cell, problems of the whole file in a comment on A1.
    An .xlsx keeps its own sheets and formatting; an .xls or a CSV comes back as an .xlsx of
    its cells. None when the file is not a readable spreadsheet."""
    try:
        if reader.kind_of(data) == "xlsx":
            reader.read_grid(data)  # the same size checks as the import, before a full load
            workbook = writer.open_for_marking(data)
        else:
            grid = reader.read_grid(data)
            workbook = writer.grid_workbook(grid.rows, grid.sheet or "Sheet1")
    except reader.Refused:
        return None
    marks, notes = [], []
    for problem, message in zip(problems, messages, strict=True):
        if problem.row is None:
            notes.append(message)
            continue
        letter = layout.letter(problem.column) if layout and problem.column else None
        column = _letter_index(letter) + 1 if letter else 1
        marks.append((problem.row, column, message))
    sheet = layout.sheet if layout and layout.kind == "xlsx" else None
    return writer.mark_problems(workbook, sheet, marks, note_title=note_title, file_notes=notes)


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
    return writer.save(wb)


def _cell_value(col: ColumnSpec, value: Any, lang: Lang) -> Any:
    if value is None:
        return None
    if col.kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if col.kind in ("choice", "choices"):
        codes = value if isinstance(value, tuple | list) else (value,)
        labels = []
        for code in (getattr(c, "value", c) for c in codes):
            match = next((c for c in col.choices if c.code == code), None)
            labels.append(match.label(lang) if match else str(code))
        return ("、" if lang == "zh" else ", ").join(labels)
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
    return writer.save(wb)


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


# How far down a title block may reach before the header row: offices put a title, a date
# line and a "填表单位" line above it, rarely more.
HEADER_SEARCH_ROWS = 30


def read_rows(data: bytes, spec: SheetSpec, *, progress: Progress | None = None) -> SheetRows:
    """Every data row of the file as typed values, with every problem found on the way.

    The header is the row among the first ``HEADER_SEARCH_ROWS`` that names the most columns
    of ``spec`` (by header in either language or an alias): title rows above it, merged or
    not, are passed over. Columns under other headers are left aside and listed in the
    layout. A file that cannot be read, or has no header, stops the reading early, since row
    checks against a wrong layout would only add noise.
    """
    try:
        grid = reader.read_grid(data, (spec.zh, spec.en))
    except reader.Refused as exc:
        return SheetRows([], frozenset(), [Problem(None, None, exc.key, exc.params)])
    return _read_grid(grid, spec, progress)


def _lookup(spec: SheetSpec) -> dict[str, ColumnSpec]:
    lookup: dict[str, ColumnSpec] = {}
    for col in spec.columns:
        for name in (col.zh, col.en, col.key, *col.aliases):
            lookup[_norm_header(name)] = col
    return lookup


def _find_header(grid: reader.Grid, lookup: dict[str, ColumnSpec]) -> int | None:
    best, best_score = None, 0
    for index, values in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        score = len({lookup[k].key for v in values if (k := _norm_header(v)) in lookup})
        if score > best_score:
            best, best_score = index, score
    return best


def _read_grid(grid: reader.Grid, spec: SheetSpec, progress: Progress | None) -> SheetRows:
    lookup = _lookup(spec)
    header_index = _find_header(grid, lookup)
    if header_index is None:
        if not any(any(not _blank(v) for v in row) for row in grid.rows):
            return SheetRows([], frozenset(), [Problem(None, None, "imports.error.empty_sheet")])
        expected = "、".join(c.zh for c in spec.columns if c.required)
        return SheetRows(
            [], frozenset(), [Problem(None, None, "imports.error.no_header", {"names": expected})]
        )
    header_row = header_index + 1
    positions: dict[int, ColumnSpec] = {}
    left_aside: list[tuple[str, str]] = []
    header_problems = _map_headers(
        grid.rows[header_index], header_row, lookup, spec, positions, left_aside
    )
    if header_problems:
        return SheetRows([], frozenset(), header_problems)

    problems: list[Problem] = []
    rows: list[ParsedRow] = []
    unnamed: set[int] = set()
    aside = {_letter_index(letter) for letter, _ in left_aside}
    total = max(1, len(grid.rows))
    for index in range(header_index + 1, len(grid.rows)):
        if index % 2000 == 0:
            report(progress, index / total, "read")
        values = grid.rows[index]
        if all(
            (i >= len(values) or _blank(values[i])) and (index, i) not in grid.formulas
            for i in positions
        ):
            # Numbered blank lines and a "填表人" footer under the left-aside columns.
            continue
        number = index + 1
        parsed: dict[str, Any] = {}
        before = len(problems)
        for idx, value in enumerate(values):
            if idx not in positions and idx not in aside and not _blank(value):
                unnamed.add(idx)
        for idx, col in positions.items():
            value = values[idx] if idx < len(values) else None
            if (index, idx) in grid.formulas:
                problems.append(Problem(number, col.key, "imports.error.formula"))
                continue
            parsed[col.key] = _convert(col, value, number, problems)
        faulty = {p.column for p in problems[before:]}
        for col in positions.values():
            parsed.setdefault(col.key, None)
            if col.required and parsed[col.key] in (None, "") and col.key not in faulty:
                problems.append(Problem(number, col.key, "imports.error.required"))
        rows.append(ParsedRow(number, parsed))
    if not rows:
        return SheetRows([], frozenset(), [Problem(None, None, "imports.error.no_rows")])
    left_aside += [(reader.column_letter(i), "") for i in sorted(unnamed)]
    layout = Layout(
        kind=grid.kind,
        sheet=grid.sheet,
        header_row=header_row,
        columns=tuple(
            (col.key, reader.column_letter(i), _text_of(grid.rows[header_index][i]))
            for i, col in sorted(positions.items())
        ),
        left_aside=tuple(left_aside),
    )
    report(progress, 1.0, "read")
    return SheetRows(rows, frozenset(c.key for c in positions.values()), problems, layout)


def _letter_index(letter: str) -> int:
    number = 0
    for ch in letter:
        number = number * 26 + ord(ch) - 64
    return number - 1


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(
    values: list[Any],
    header_row: int,
    lookup: dict[str, ColumnSpec],
    spec: SheetSpec,
    positions: dict[int, ColumnSpec],
    left_aside: list[tuple[str, str]],
) -> list[Problem]:
    problems = []
    for idx, value in enumerate(values):
        if _blank(value):
            continue
        col = lookup.get(_norm_header(value))
        letter = reader.column_letter(idx)
        if col is None:
            left_aside.append((letter, _text_of(value)))
        elif col in positions.values():
            problems.append(
                Problem(header_row, col.key, "imports.error.duplicate_header", {"col": letter})
            )
        else:
            positions[idx] = col
    present = set(positions.values())
    for col in spec.columns:
        if col.required and col not in present:
            problems.append(
                Problem(header_row, col.key, "imports.error.missing_header", {"name": col.zh})
            )
    return problems


def _convert(col: ColumnSpec, value: Any, row: int, problems: list[Problem]) -> Any:
    """A cell's typed value, or None after adding a problem."""
    if _blank(value):
        return None
    try:
        if col.kind == "text":
            return _text(col, value)
        if col.kind == "name":
            return person_name(value, max_len=col.max_len)
        if col.kind == "phone":
            return phone_value(value)
        if col.kind == "int":
            return int_value(value)
        if col.kind == "bool":
            return bool_value(value)
        if col.kind == "date":
            return date_value(value)
        if col.kind == "choice":
            return _choice(col, value)
        if col.kind == "choices":
            return _choices(col, value)
    except CellError as exc:
        problems.append(Problem(row, col.key, exc.key, exc.params))
        return None
    raise AssertionError(f"unknown column kind {col.kind}")


def _text(col: ColumnSpec, value: Any) -> str:
    return clean_text(value, max_len=col.max_len)


def _choice(col: ColumnSpec, value: Any) -> str:
    text = _norm_header(value)
    for ch in col.choices:
        names = (ch.code, ch.zh, ch.en, *ch.aliases)
        if text in {_norm_header(n) for n in names}:
            return ch.code
    allowed = "、".join(ch.zh for ch in col.choices)
    raise CellError("imports.error.choice", allowed=allowed)


LIST_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


def _choices(col: ColumnSpec, value: Any) -> tuple[str, ...]:
    """Several allowed values in one cell ("乡级、区级"), as codes in the order of the column's
    choices, each named once."""
    codes = {_choice(col, part) for part in LIST_SEPARATORS.split(str(value)) if part.strip()}
    if not codes:
        raise CellError("imports.error.choice", allowed="、".join(ch.zh for ch in col.choices))
    return tuple(ch.code for ch in col.choices if ch.code in codes)


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
