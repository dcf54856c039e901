"""A Document's tables as an .xlsx workbook, one sheet per table, headers bold and frozen."""

import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from services.documents.model import Document

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LIMIT = 31


def safe_cell(value):
    """Numbers and dates stay typed; a text a spreadsheet would run as a formula (it starts
    with = + - @) gets a leading apostrophe and is shown, never evaluated."""
    if value is None or isinstance(value, (int, float, Decimal, date)):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", name).strip()[:SHEET_NAME_LIMIT] or "Sheet"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def xlsx_bytes(document: Document) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for table in document.tables:
        ws = wb.create_sheet(sheet_name(table.name, taken))
        ws.append(table.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            ws.append([safe_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for i, name in enumerate(table.columns, start=1):
            longest = max([len(str(name))] + [len(str(r[i - 1] or "")) for r in table.rows])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest * 1.6 + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
