"""The generic spreadsheet reader and writer: typed cells, every bad cell reported, plain tables.

Test files are built with openpyxl (``tests.factories.xlsx``); none is committed. The roster's
own sheets are tested through its imports in ``test_roster_io``.
"""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from services import import_cells, imports
from services.imports import ColumnSpec, SheetSpec
from tests.factories import xlsx

SPEC = SheetSpec(
    code="demo",
    zh="示例",
    en="Demo",
    columns=(
        ColumnSpec("name", "名称", "Name", required=True, max_len=5),
        ColumnSpec("n", "数量", "Count", kind="int"),
        ColumnSpec("ok", "是否", "OK", kind="bool"),
        ColumnSpec("day", "日期", "Day", kind="date"),
    ),
)


def test_the_reader_converts_cells_and_reports_each_bad_one():
    rows = [
        ["名称", "数量", "是否", "日期", None],
        ["甲", 3, "是", date(2026, 1, 20), None],
        ["乙", "4", "no", "2026年2月3日", None],
        ["太长的名字了", -1, "x", "2026-02-30", "extra"],
    ]
    sheet = imports.read_rows(xlsx(rows, title="示例"), SPEC)
    assert [r.values for r in sheet.rows[:2]] == [
        {"name": "甲", "n": 3, "ok": True, "day": date(2026, 1, 20)},
        {"name": "乙", "n": 4, "ok": False, "day": date(2026, 2, 3)},
    ]
    assert {(p.row, p.column, p.key) for p in sheet.problems} == {
        (4, "name", "imports.error.too_long"),
        (4, "n", "imports.error.negative"),
        (4, "ok", "imports.error.yes_no"),
        (4, "day", "imports.error.date"),
    }
    # "extra" in column E has no header: the column is left aside, not read.
    assert sheet.layout.left_aside == (("E", ""),)


def test_the_reader_caps_the_number_of_rows(monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_ROWS", "4")
    rows = [["名称"], *[[f"n{i}"] for i in range(4)]]
    sheet = imports.read_rows(xlsx(rows, title="示例"), SPEC)
    assert [(p.key, p.params) for p in sheet.problems] == [
        ("imports.error.too_many_rows", {"n": 4})
    ]


def test_table_workbook_writes_a_readable_sheet():
    import pandas as pd

    data = imports.table_workbook(pd.DataFrame({"单位": ["甲镇"], "人数": [3]}), "缺口名单")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "缺口名单"
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["单位", "人数"], ["甲镇", 3]]


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0527-84123456", "0527-84123456"),
    ],
)
def test_phone_values(value, phone):
    assert import_cells.phone_value(value) == phone


@pytest.mark.parametrize("value", ["1381234567", "23812345678", "abc", "138123456789", True])
def test_not_phones(value):
    assert not import_cells.is_phone(value)
