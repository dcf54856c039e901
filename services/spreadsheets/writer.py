"""Every workbook the application hands out is saved here, so none carries a live formula.

Exported cells hold what people typed, and a name or a purpose can begin like a formula
("=cmd|' /C calc'!A0", "+86…", "@SUM(…)"): opened in Excel such a cell could run. ``save``
walks every cell before writing and stores any text that starts with =, +, -, @, a tab or a
carriage return as a *string* cell with Excel's quote prefix set, which is exactly what Excel
itself records when a person types a leading apostrophe: the cell shows the text as typed,
stays text when edited, and reads back unchanged (openpyxl and the importer see the same
string, so an export imports back without change). The text itself gets no added character.

``mark_problems`` writes the marked-up copy of an upload: the problem cells filled and each
message in a cell comment.
"""

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(workbook: Workbook) -> None:
    """Make every formula-looking cell of ``workbook`` inert text (see the module)."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or looks_like_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def save(workbook: Workbook) -> bytes:
    """The workbook's bytes, with formula-looking cells made inert first."""
    neutralise(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def grid_workbook(rows: Iterable[list[Any]], title: str) -> Workbook:
    """A one-sheet workbook of plain rows (an upload that was not an .xlsx, for marking)."""
    wb = Workbook()
    ws = wb.active
    ws.title = (title or "Sheet1")[:31]
    for row in rows:
        ws.append(list(row))
    return wb


def mark_problems(
    workbook: Workbook,
    sheet: str | None,
    marks: Iterable[tuple[int, int, str]],
    *,
    note_title: str,
    file_notes: Iterable[str] = (),
) -> bytes:
    """``workbook`` with each (row, column, message) mark (1-based) filled and commented on
    the sheet named ``sheet`` (else the first); messages about the file as a whole go in a
    comment on A1 under ``note_title``. Several messages on one cell share its comment."""
    ws = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
    texts: dict[tuple[int, int], list[str]] = {}
    for row, column, message in marks:
        texts.setdefault((row, column), []).append(message)
    notes = list(file_notes)
    if notes:
        texts.setdefault((1, 1), []).insert(0, note_title + "\n" + "\n".join(notes))
    for (row, column), messages in texts.items():
        cell = ws.cell(row=row, column=column)
        cell.fill = PROBLEM_FILL
        comment = Comment("\n".join(messages), "133")
        comment.width, comment.height = 320, 40 + 20 * len(messages)
        cell.comment = comment
    return save(workbook)


def open_for_marking(data: bytes) -> Workbook:
    """An uploaded .xlsx opened whole for marking (its size was checked when it was read)."""
    return load_workbook(io.BytesIO(data))
