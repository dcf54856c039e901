"""Rosters as township offices keep them: a title above the header, a constituency merged down
its deputies' rows, 序号 and other columns, Chinese numerals, a deputy of two congresses,
namesakes; an old .xls, a GBK CSV; a preview before writing, a marked-up copy of a refused
file, an export that imports back unchanged, and hostile files refused before they are read.

The fixture (``town``, from ``test_roster_io``) is a town with 第1选区 (deputies 张三, 赵五, no
phones) and 第2选区 (李四). Every file is built here.
"""

import csv
import io
import zipfile
from datetime import date

import pytest
import xlwt
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from models import AuditLog, Constituency, Deputy, Voter
from services import import_cells, imports, roster, roster_io, roster_sheets
from services.imports import ImportRejected
from services.roster_matching import closest, constituency_key
from services.spreadsheets import reader
from tests.factories import ADMIN, count_where
from tests.unit import test_roster_io

town = test_roster_io.town  # the fixture, shared

TITLE = "宿豫区测试镇第十九届人大代表花名册"
OFFICE_HEAD = [
    "序号",
    "代表姓名",
    "性别",
    "民族",
    "出生年月",
    "政治面貌",
    "文化程度",
    "工作单位及职务",
    "所在选区",
    "层级",
    "是否主席团成员",
    "手机号码",
]


def office_roster(rows, *, merges=(), title=TITLE) -> bytes:
    """A deputy roster the way an office makes one: a merged title on row 1, the header on
    row 2, data from row 3, and a footer line under the 序号 column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(OFFICE_HEAD))
    ws.append(OFFICE_HEAD)
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append(["填表人：王秘书    填表日期：2026年11月"])
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _office_row(n, name, gender, constituency, level, member, phone):
    """A roster line: the columns the import reads, and the ones it leaves aside filled too."""
    aside = ["汉", "1975.03", "中共党员", "大专", "村党支部书记"]
    return [n, name, gender, *aside, constituency, level, member, phone]


OFFICE_ROWS = [
    _office_row(1, "张三", "男", "第一选区", "乡级", "是", "13800000001"),
    _office_row(2, "赵  五", "女", None, "乡级、区级", "否", "13800000002"),
    _office_row(3, "王伟", "男", None, "乡级", "否", "13800000003"),
    _office_row(4, "王伟", "男", "第二选区", "乡级", "√", "13800000004"),
    _office_row(5, "李四", "男", "第 2 选区", "乡级", "N", None),
]
# 第一选区 is merged down rows 3 to 5 (张三, 赵五 and the first 王伟), as offices do.
OFFICE_MERGES = ("I3:I5",)


def test_an_office_deputy_roster_previews_then_imports(session, town):
    data = office_roster(OFFICE_ROWS, merges=OFFICE_MERGES)
    before = count_where(session, Deputy)
    preview = roster_io.import_deputies(session, ADMIN, town["id"], data, dry_run=True)
    assert count_where(session, Deputy) == before  # a preview writes nothing
    # 张三, 赵五 and 李四 are known (name and constituency): three updates, for their phones,
    # levels or presidium cells; the two 王伟 are two new people.
    assert preview.counts == {"created": 2, "updated": 3, "unchanged": 0}
    layout = preview.layout
    assert layout.header_row == 2
    assert [(key, letter) for key, letter, _ in layout.columns] == [
        ("name", "B"),
        ("gender", "C"),
        ("constituency", "I"),
        ("level", "J"),
        ("is_presidium_member", "K"),
        ("phone", "L"),
    ]
    assert layout.left_aside == (
        ("A", "序号"),
        ("D", "民族"),
        ("E", "出生年月"),
        ("F", "政治面貌"),
        ("G", "文化程度"),
        ("H", "工作单位及职务"),
    )

    result = roster_io.import_deputies(session, ADMIN, town["id"], data, filename="花名册.xlsx")
    assert result.counts == preview.counts
    rows = session.exec(select(Deputy).where(Deputy.township_id == town["id"])).all()
    assert len(rows) == 5
    by_phone = {d.phone: d for d in rows if d.phone}
    zhao = by_phone["13800000002"]
    assert (zhao.name, zhao.constituency_id) == ("赵五", town["c1"])
    assert (zhao.level, zhao.other_levels) == ("township", "county")
    wang_1, wang_2 = by_phone["13800000003"], by_phone["13800000004"]
    assert (wang_1.constituency_id, wang_2.constituency_id) == (town["c1"], town["c2"])
    assert wang_2.is_presidium_member and not wang_1.is_presidium_member
    assert by_phone["13800000001"].is_presidium_member  # 张三
    audits = session.exec(select(AuditLog).where(AuditLog.entity == "deputy_import")).all()
    assert len(audits) == 1

    again = roster_io.import_deputies(session, ADMIN, town["id"], data)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 5}


def test_a_move_needs_no_contradicting_phone(session, town):
    """A name in a constituency where no one has it: the one namesake elsewhere has moved,
    unless the phones say they are two people."""
    head = ["姓名", "代表层级", "选区", "联系电话"]
    rows = [head, ["张三", "乡镇", "第2选区", "13800000001"]]
    moved = roster_io.import_deputies(session, ADMIN, town["id"], _xlsx(rows))
    assert moved.counts == {"created": 0, "updated": 1, "unchanged": 0}
    rows = [head, ["张三", "乡镇", "第1选区", "13900000009"]]  # another 张三, other phone
    other = roster_io.import_deputies(session, ADMIN, town["id"], _xlsx(rows))
    assert other.counts == {"created": 1, "updated": 0, "unchanged": 0}
    assert len(session.exec(select(Deputy).where(Deputy.name == "张三")).all()) == 2


def _xlsx(rows, title="代表") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_every_problem_at_once_with_what_would_be_accepted(session, town):
    rows = [
        [1, "张三", "男", "汉", None, None, None, None, "第一选", "乡级", "是", "138000"],
        [2, "钱七", "男", "汉", None, None, None, None, "城南选区", "村级", "否", None],
    ]
    data = office_roster(rows)
    with pytest.raises(ImportRejected) as info:
        roster_io.import_deputies(session, ADMIN, town["id"], data)
    found = {(p.row, p.column, p.key): p.params for p in info.value.problems}
    assert found == {
        (3, "phone", "imports.error.phone"): {"value": "138000"},
        (3, "constituency", "linkage.import.unknown_constituency_near"): {
            "name": "第一选",
            "known": "第1选区、第2选区",
            "closest": "第1选区",
        },
        (4, "level", "imports.error.choice"): {
            "allowed": "乡镇人大代表、区人大代表、市人大代表、省人大代表、全国人大代表"
        },
        (4, "constituency", "linkage.import.unknown_constituency"): {
            "name": "城南选区",
            "known": "第1选区、第2选区",
        },
    }

    # The marked-up copy: the same workbook, each problem cell filled, its message commented.
    messages = [f"{p.key}" for p in info.value.problems]
    marked = imports.marked_copy(
        data, info.value.problems, info.value.layout, messages, note_title="file"
    )
    ws = load_workbook(io.BytesIO(marked)).active
    assert ws["A1"].value == TITLE  # the title and everything else kept
    commented = {
        cell.coordinate: cell.comment.text
        for row in ws.iter_rows()
        for cell in row
        if cell.comment is not None
    }
    assert commented == {
        "L3": "imports.error.phone",
        "I3": "linkage.import.unknown_constituency_near",
        "J4": "imports.error.choice",
        "I4": "linkage.import.unknown_constituency",
    }
    for ref in commented:
        assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["B3"].fill.fgColor.rgb != ws["L3"].fill.fgColor.rgb  # a good cell stays plain


def test_a_missing_constituency_is_created_when_the_clerk_confirms(session, town):
    rows = [["姓名", "所在选区", "手机"], ["孙一", "第三选区", None], ["孙二", "第3选区", None]]
    with pytest.raises(ImportRejected):
        roster_io.import_voters(session, ADMIN, town["id"], _xlsx(rows, "选民"))
    preview = roster_io.import_voters(
        session, ADMIN, town["id"], _xlsx(rows, "选民"), dry_run=True, create_constituencies=True
    )
    assert preview.new_constituencies == ("第三选区",)
    assert preview.counts["created"] == 2 and preview.counts["constituencies_created"] == 1
    assert count_where(session, Constituency, township_id=town["id"]) == 2
    roster_io.import_voters(
        session, ADMIN, town["id"], _xlsx(rows, "选民"), create_constituencies=True
    )
    new = session.exec(select(Constituency).where(Constituency.name == "第三选区")).one()
    assert new.township_id == town["id"]
    assert {v.constituency_id for v in session.exec(select(Voter)).all()} == {new.id}
    entities = set(session.exec(select(AuditLog.entity)).all())
    assert {"constituency", "voter_import"} <= entities


def test_a_gbk_csv_and_a_utf8_csv(session, town):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "选区", "村（社区）", "联系电话"])
    writer.writerow(["王一", "第一选区", "张庄村", "13812345678"])
    writer.writerow(["王二", "第二选区", "李庄村", ""])
    result = roster_io.import_voters(session, ADMIN, town["id"], text.getvalue().encode("gbk"))
    assert result.counts["created"] == 2
    assert result.layout.kind == "csv"
    again = roster_io.import_voters(session, ADMIN, town["id"], text.getvalue().encode("utf-8-sig"))
    assert again.counts["unchanged"] == 2 and not again.changed
    villages = dict(session.exec(select(Voter.name, Voter.village)).all())
    assert villages == {"王一": "张庄村", "王二": "李庄村"}


def test_an_old_xls_with_a_title_row(session, town):
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("选民")
    ws.write_merge(0, 0, 0, 3, "测试镇选民名册")
    for col, header in enumerate(["序号", "姓名", "所在选区", "手机号码"]):
        ws.write(1, col, header)
    ws.write(2, 0, 1)
    ws.write(2, 1, "王一")
    ws.write_merge(2, 3, 2, 2, "第1选区")  # one constituency over two voters
    ws.write(2, 3, "13812345678")
    ws.write(3, 0, 2)
    ws.write(3, 1, "王二")
    out = io.BytesIO()
    book.save(out)
    result = roster_io.import_voters(session, ADMIN, town["id"], out.getvalue())
    assert result.counts["created"] == 2 and result.layout.kind == "xls"
    assert result.layout.header_row == 2
    cons = set(session.exec(select(Voter.constituency_id)).all())
    assert cons == {town["c1"]}


def test_export_then_import_changes_nothing_and_formulas_stay_text(session, town):
    formula_name = "=cmd|' /C calc'!A0"
    roster.add_deputy(
        session,
        ADMIN,
        township_id=town["id"],
        name=formula_name,
        level="township",
        constituency_id=town["c1"],
    )
    roster_io.import_deputies(
        session, ADMIN, town["id"], office_roster(OFFICE_ROWS, merges=OFFICE_MERGES)
    )
    for lang in ("zh", "en"):
        exported = roster_sheets.deputy_workbook(session, ADMIN, town["id"], lang, filled=True)
        ws = load_workbook(io.BytesIO(exported)).worksheets[0]
        cell = next(c for row in ws.iter_rows() for c in row if c.value == formula_name)
        assert cell.data_type == "s" and cell.quotePrefix  # text to Excel, never evaluated
        levels = {r[1].value for r in ws.iter_rows(min_row=2)}
        assert ("乡镇人大代表、区人大代表" if lang == "zh" else "township, county") in levels
        again = roster_io.import_deputies(session, ADMIN, town["id"], exported)
        assert not again.changed and again.counts["unchanged"] == 6


def test_every_exported_table_is_saved_without_live_formulas():
    import pandas as pd

    frame = pd.DataFrame({"名称": ["=1+2", "+86 138", "-x", "@SUM(A1)", "普通"]})
    ws = load_workbook(io.BytesIO(imports.table_workbook(frame, "表"))).active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=1+2", "+86 138", "-x", "@SUM(A1)", "普通"]
    assert all(c.data_type == "s" for c in cells)
    assert [bool(c.quotePrefix) for c in cells] == [True, True, True, True, False]


# --- hostile files ------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def _bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet is ``unpacked_mb`` of one repeated row: a few hundred KB packed."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("xl/workbook.xml", b'<workbook><sheets><sheet name="a" r:id="r1"/></sheets>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = row * ((1 << 20) // len(row))
            for _ in range(unpacked_mb):
                fh.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory(session, town, monkeypatch):
    data = _bomb(220)
    assert len(data) < 2 << 20
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k)
    )
    with pytest.raises(ImportRejected) as info:
        roster_io.import_voters(session, ADMIN, town["id"], data)
    assert [(p.key, p.params) for p in info.value.problems] == [
        ("imports.error.unpacked_too_large", {"mb": 200})
    ]
    assert opened == []  # refused before a byte was unpacked


def test_an_entry_packed_too_tightly_is_refused(monkeypatch):
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (4 << 20)})
    with pytest.raises(reader.Refused) as info:
        reader.read_grid(data)
    assert info.value.key == "imports.error.unpacked_too_large"


def test_a_lying_directory_is_caught_while_unpacking(monkeypatch):
    """Entries that unpack to more than the limit in total are refused once the cap is hit,
    whatever the directory said."""
    monkeypatch.setenv("IMPORT_MAX_UNPACKED_MB", "1")
    data = _zip({"xl/workbook.xml": b"<workbook/>", "a.xml": bytes(range(256)) * 5000})
    with pytest.raises(reader.Refused) as info:
        reader.read_grid(data)
    assert (info.value.key, info.value.params) == ("imports.error.unpacked_too_large", {"mb": 1})


def test_a_sheet_too_tall_or_too_wide_is_refused_by_its_dimension(session, town):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "选区"])
    ws.cell(row=100_001, column=1, value="王一")
    tall = io.BytesIO()
    wb.save(tall)
    with pytest.raises(ImportRejected) as info:
        roster_io.import_voters(session, ADMIN, town["id"], tall.getvalue())
    assert [p.key for p in info.value.problems] == ["imports.error.too_many_rows"]
    wb = Workbook()
    wb.active.append(["姓名", "选区"])
    wb.active.cell(row=2, column=101, value="x")
    wide = io.BytesIO()
    wb.save(wide)
    with pytest.raises(ImportRejected) as info:
        roster_io.import_voters(session, ADMIN, town["id"], wide.getvalue())
    assert [(p.key, p.params) for p in info.value.problems] == [
        ("imports.error.too_many_columns", {"n": 100})
    ]


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (27454, date(1975, 3, 1)),  # an Excel serial: 27,454 days after 30 Dec 1899
        (27454.0, date(1975, 3, 1)),
        ("1975.03", date(1975, 3, 1)),
        ("1975年3月", date(1975, 3, 1)),
        ("1975-3", date(1975, 3, 1)),
        ("2026年1月20日", date(2026, 1, 20)),
    ],
)
def test_dates_as_offices_write_them(value, day):
    col = imports.ColumnSpec("d", "日期", "Day", kind="date")
    assert imports._convert(col, value, 1, []) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [("√", True), ("✓", True), ("Y", True), ("是", True), ("N", False), ("否", False)],
)
def test_yes_and_no_as_offices_write_them(value, expected):
    col = imports.ColumnSpec("b", "是否", "Flag", kind="bool")
    assert imports._convert(col, value, 1, []) is expected


def test_names_lose_the_spaces_that_line_them_up():
    assert import_cells.person_name(" 王  伟 ") == "王伟"
    assert import_cells.person_name("王\u3000伟") == "王伟"
    assert import_cells.person_name("ＡＢＣ") == "ABC"
    assert import_cells.person_name("Li   Wei") == "Li Wei"


@pytest.mark.parametrize(
    "name", ["第一选区", "第1选区", "第 01 选区", "第壹选区", "第１选区", "第一選區"]
)
def test_constituency_names_with_numerals_in_any_form_are_one(name):
    assert constituency_key(name) == constituency_key("第1选区")


def test_constituency_numbers_past_ten():
    assert constituency_key("第十二选区") == constituency_key("第12选区")
    assert constituency_key("第二十选区") == constituency_key("第20选区")
    assert constituency_key("第一百零五选区") == constituency_key("第105选区")
    assert constituency_key("第十二选区") != constituency_key("第2选区")


def test_the_closest_constituency_is_offered_only_when_one_is_nearest():
    assert closest("第1选", ["第1选区", "第2选区"]) == "第1选区"
    assert closest("第9选区", ["第1选区", "第2选区"]) is None  # both equally near
    assert closest("城南", ["第1选区", "第2选区"]) is None


def test_a_deputy_of_two_levels_counts_once_as_a_township_deputy(session, town):
    """T08's coverage counts the unit's township deputies: 赵五, of the township and the district
    congress, is one of them, once, and is covered by linking ten voters."""
    from services import linkage

    roster_io.import_deputies(
        session, ADMIN, town["id"], office_roster(OFFICE_ROWS, merges=OFFICE_MERGES)
    )
    voters = [["姓名", "选区", "联系代表"]] + [[f"民{i}", "第1选区", "赵五"] for i in range(10)]
    roster_io.import_voters(session, ADMIN, town["id"], _xlsx(voters, "选民"))
    covered = linkage.coverage_by_township(session, ADMIN, year=2026).set_index("township_id")
    # 张三, 赵五, the two 王伟 and 李四: five township deputies, one with ten voters.
    assert covered.loc[town["id"], "deputies"] == 5
    assert covered.loc[town["id"], "deputies_covered"] == 1


def test_a_hidden_sheet_in_front_is_passed_over(session, town):
    wb = Workbook()
    lists = wb.active
    lists.title = "下拉选项"
    lists.append(["乡级", "区级"])
    lists.sheet_state = "hidden"
    roster_sheet = wb.create_sheet("花名册")
    roster_sheet.append(["姓名", "选区"])
    roster_sheet.append(["王一", "第1选区"])
    out = io.BytesIO()
    wb.save(out)
    result = roster_io.import_voters(session, ADMIN, town["id"], out.getvalue())
    assert result.counts["created"] == 1 and result.layout.sheet == "花名册"


def test_one_line_per_level_is_one_deputy(session, town):
    rows = [
        ["姓名", "代表层级", "选区", "联系电话"],
        ["钱七", "区级", "第1选区", "13800000007"],
        ["钱七", "乡级", "第1选区", "13800000007"],
        ["钱七", "乡级", "第1选区", "13800000007"],  # the same line twice is still an error
    ]
    with pytest.raises(ImportRejected) as info:
        roster_io.import_deputies(session, ADMIN, town["id"], _xlsx(rows))
    assert [(p.row, p.key, p.params) for p in info.value.problems] == [
        (4, "linkage.import.duplicate_person", {"first": 2})
    ]
    result = roster_io.import_deputies(session, ADMIN, town["id"], _xlsx(rows[:3]))
    assert result.counts == {"created": 1, "updated": 0, "unchanged": 0}
    qian = session.exec(select(Deputy).where(Deputy.name == "钱七")).one()
    assert (qian.level, qian.other_levels) == ("township", "county")
