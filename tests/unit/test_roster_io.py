"""Roster spreadsheets: each bad file gives its message and writes nothing; good files import whole.

The fixture is one town with constituencies 第1选区 (deputies 张三, 赵五) and 第2选区 (李四),
and a sub-district with 第1选区 of its own (county deputy 钱六). Test files are built here with
openpyxl (``xlsx``, shared with the reader's own tests); none is committed.
"""

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from models import AuditLog, Constituency, Deputy, Township, Voter, VoterLink
from models.enums import DeputyLevel, Role, UnitType
from services import linkage, roster_io, roster_sheets, rules
from services.errors import PermissionDenied
from services.imports import ImportRejected
from services.permissions import Actor
from tests.factories import ADMIN, LEADER, count_where, xlsx

HEAD = ["姓名", "选区", "村（社区）", "联系电话", "联系代表"]


@pytest.fixture
def town(session):
    rules.install_defaults(session)
    unit = Township(code="t", name_zh="测试镇", name_en="Test Town", unit_type=UnitType.town)
    sub = Township(code="s", name_zh="测试街道", name_en="Test Sub", unit_type=UnitType.subdistrict)
    session.add_all([unit, sub])
    session.flush()
    c1 = Constituency(township_id=unit.id, name="第1选区")
    c2 = Constituency(township_id=unit.id, name="第2选区")
    s1 = Constituency(township_id=sub.id, name="第1选区")
    session.add_all([c1, c2, s1])
    session.flush()
    people = {}
    for name, con, unit_row, level in (
        ("张三", c1, unit, DeputyLevel.township),
        ("赵五", c1, unit, DeputyLevel.township),
        ("李四", c2, unit, DeputyLevel.township),
        ("钱六", s1, sub, DeputyLevel.county),
    ):
        people[name] = Deputy(
            township_id=unit_row.id, name=name, level=level, constituency_id=con.id
        )
        session.add(people[name])
    session.commit()
    return {"id": unit.id, "sub": sub.id, "c1": c1.id, "c2": c2.id, "people": people}


def _rejected(session, town, data, *, kind="voters"):
    importer = roster_io.import_voters if kind == "voters" else roster_io.import_deputies
    before = (
        count_where(session, Voter),
        count_where(session, Deputy),
        count_where(session, AuditLog),
    )
    with pytest.raises(ImportRejected) as info:
        importer(session, ADMIN, town["id"], data, filename="x.xlsx")
    after = (
        count_where(session, Voter),
        count_where(session, Deputy),
        count_where(session, AuditLog),
    )
    assert after == before, "a refused file must write nothing"
    return {(p.row, p.column, p.key) for p in info.value.problems}, info.value.problems


GOOD = [
    HEAD,
    ["王一", "第1选区", "张庄村", "13812345678", "张三"],
    ["王二", "第1选区", "张庄村", 13912345678, "张三、赵五"],  # Excel keeps a phone as a number
    ["王三", "第2选区", "李庄村", None, "李四"],
]


def test_a_good_file_imports_whole_with_one_audit_row(session, town):
    result = roster_io.import_voters(session, ADMIN, town["id"], xlsx(GOOD), filename="good.xlsx")
    assert result.rows == 3
    assert result.counts == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "links_added": 4,
        "links_removed": 0,
    }
    assert count_where(session, Voter, township_id=town["id"]) == 3
    assert count_where(session, VoterLink, township_id=town["id"]) == 4
    phones = set(session.exec(select(Voter.phone)).all())
    assert phones == {"13812345678", "13912345678", ""}
    audits = session.exec(select(AuditLog).where(AuditLog.entity == "voter_import")).all()
    assert len(audits) == 1
    assert audits[0].after["created"] == 3 and audits[0].after["file"] == "good.xlsx"
    assert audits[0].township_id == town["id"]


def test_importing_the_same_file_again_changes_nothing(session, town):
    roster_io.import_voters(session, ADMIN, town["id"], xlsx(GOOD))
    audits = count_where(session, AuditLog)
    again = roster_io.import_voters(session, ADMIN, town["id"], xlsx(GOOD))
    assert not again.changed
    assert again.counts["unchanged"] == 3 and again.counts["created"] == 0
    assert count_where(session, Voter) == 3 and count_where(session, VoterLink) == 4
    assert count_where(session, AuditLog) == audits  # no write, so no audit row either


def test_a_changed_file_updates_villages_and_replaces_links(session, town):
    roster_io.import_voters(session, ADMIN, town["id"], xlsx(GOOD))
    changed = [
        HEAD,
        ["王一", "第1选区", "新村", "13812345678", "张三"],  # village changed
        ["王二", "第1选区", None, 13912345678, "赵五"],  # 张三 dropped, blank village kept
        ["王三", "第2选区", "李庄村", None, None],  # blank: links kept
    ]
    result = roster_io.import_voters(session, ADMIN, town["id"], xlsx(changed))
    assert result.counts == {
        "created": 0,
        "updated": 2,
        "unchanged": 1,
        "links_added": 0,
        "links_removed": 1,
    }
    villages = dict(session.exec(select(Voter.name, Voter.village)).all())
    assert villages == {"王一": "新村", "王二": "张庄村", "王三": "李庄村"}
    assert count_where(session, VoterLink) == 3


def test_every_row_problem_is_listed_and_nothing_is_written(session, town):
    rows = [
        HEAD,
        [None, "第1选区", "张庄村", None, None],  # 2: no name
        ["王五", "第9选区", None, None, None],  # 3: unknown constituency
        ["王六", "第1选区", None, None, "李四"],  # 4: 李四 is of 第2选区
        ["王七", "第1选区", None, "1381234567", None],  # 5: ten digits
        ["王八", "第1选区", None, "13800000000", None],  # 6
        ["王八", "第1选区", None, "13800000000", None],  # 7: same person as row 6
        ["王九", "第1选区", None, None, "孙悟空"],  # 8: no such deputy
        ["<b>王十</b>", "第1选区", None, None, None],  # 9: markup
        ["王十一", "第1选区", None, None, "张三"],  # 10: fine on its own
    ]
    found, problems = _rejected(session, town, xlsx(rows))
    assert found == {
        (2, "name", "imports.error.required"),
        (3, "constituency", "linkage.import.unknown_constituency"),
        (4, "deputies", "linkage.import.other_constituency"),
        (5, "phone", "imports.error.phone"),
        (7, "name", "linkage.import.duplicate_person"),
        (8, "deputies", "linkage.import.unknown_deputy"),
        (9, "name", "imports.error.markup"),
    }
    by_row = {p.row: p for p in problems}
    assert by_row[7].params == {"first": 6}
    # The message lists what would be accepted (no one of the two is nearer than the other).
    assert by_row[3].params == {"name": "第9选区", "known": "第1选区、第2选区"}
    assert by_row[4].params == {
        "name": "李四",
        "deputy_constituency": "第2选区",
        "constituency": "第1选区",
    }
    assert [p.row for p in problems] == sorted(p.row for p in problems)


def test_a_header_without_a_required_column_is_refused(session, town):
    found, problems = _rejected(session, town, xlsx([["名字", "选区"], ["王一", "第1选区"]]))
    assert found == {(1, "name", "imports.error.missing_header")}
    assert problems[0].params == {"name": "姓名"}


def test_english_headers_and_a_header_below_blank_rows_are_read(session, town):
    rows = [[], ["Name*", "Constituency*", "Phone"], ["王一", "第1选区", "0527-84123456"]]
    result = roster_io.import_voters(session, ADMIN, town["id"], xlsx(rows, title="Voters"))
    assert result.counts["created"] == 1
    assert session.exec(select(Voter.phone)).one() == "0527-84123456"


def test_a_village_merged_down_two_rows_is_read_on_both(session, town):
    rows = [list(r) for r in GOOD]
    rows[2][2] = None  # what Excel keeps under a merge: the value in the top cell only
    roster_io.import_voters(session, ADMIN, town["id"], xlsx(rows, merge="C2:C3"))
    villages = dict(session.exec(select(Voter.name, Voter.village)).all())
    assert villages == {"王一": "张庄村", "王二": "张庄村", "王三": "李庄村"}


def test_formulas_are_refused(session, town):
    rows = [*GOOD, ["=A2", "第1选区", None, None, None], ["王五", "=B2", None, None, None]]
    found, _ = _rejected(session, town, xlsx(rows))
    assert found == {
        (5, "name", "imports.error.formula"),
        (6, "constituency", "imports.error.formula"),
    }


def test_an_empty_sheet_and_a_header_only_sheet(session, town):
    found, _ = _rejected(session, town, xlsx([]))
    assert found == {(None, None, "imports.error.empty_sheet")}
    found, _ = _rejected(session, town, xlsx([HEAD]))
    assert found == {(None, None, "imports.error.no_rows")}


def test_files_that_are_not_spreadsheets(session, town):
    refused = {(None, None, "imports.error.not_spreadsheet")}
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("readme.txt", "hello")
    assert _rejected(session, town, other_zip.getvalue())[0] == refused
    assert _rejected(session, town, b"")[0] == {(None, None, "imports.error.empty_file")}
    # The OLE signature of an old .xls with nothing readable behind it.
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512
    assert _rejected(session, town, ole)[0] == refused
    # A PDF or a picture renamed to .csv.
    assert _rejected(session, town, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")[0] == refused
    assert _rejected(session, town, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")[0] == refused


def test_only_writers_of_the_unit_may_import(session, town):
    other_clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=town["sub"])
    for actor in (LEADER, other_clerk):
        with pytest.raises(PermissionDenied):
            roster_io.import_voters(session, actor, town["id"], xlsx(GOOD))
    assert count_where(session, Voter) == 0


def test_progress_is_reported_up_to_the_end(session, town):
    seen = []
    roster_io.import_voters(
        session, ADMIN, town["id"], xlsx(GOOD), progress=lambda f, phase: seen.append((f, phase))
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert {phase for _, phase in seen} <= {"read", "check", "write"}
    assert "write" in {phase for _, phase in seen}


def test_the_template_round_trip(session, town):
    """Download the template, fill it, import; then export and import back unchanged."""
    blank = roster_sheets.voter_workbook(session, ADMIN, town["id"], "zh")
    wb = load_workbook(io.BytesIO(blank))
    assert wb.sheetnames == ["选民", "选项"]
    ws = wb["选民"]
    assert [c.value for c in ws[1]] == ["姓名*", "选区*", "村（社区）", "联系电话", "联系代表"]
    assert ws.data_validations.dataValidation  # constituency drop-down
    for row in GOOD[1:]:
        ws.append(row)
    filled = io.BytesIO()
    wb.save(filled)
    assert (
        roster_io.import_voters(session, ADMIN, town["id"], filled.getvalue()).counts["created"]
        == 3
    )

    exported = roster_sheets.voter_workbook(session, ADMIN, town["id"], "en", filled=True)
    again = roster_io.import_voters(session, ADMIN, town["id"], exported)
    assert not again.changed and again.rows == 3


def test_the_sub_district_links_its_county_deputies(session, town):
    rows = [HEAD, ["孙一", "第1选区", "幸福社区", None, "钱六"]]
    result = roster_io.import_voters(session, ADMIN, town["sub"], xlsx(rows))
    assert result.counts["links_added"] == 1
    # The same constituency name in the town is another constituency.
    voter = session.exec(select(Voter)).one()
    assert voter.township_id == town["sub"]


@pytest.mark.slow
def test_fifty_thousand_voters_import_whole(session):
    """The scale of a large town; the benchmark (python -m bench.run) times the same import."""
    from bench.imports import VOTERS, seed_town, voter_file

    rules.install_defaults(session)
    town_id, names, deputies = seed_town(session)
    data = voter_file(VOTERS, names, deputies)
    result = roster_io.import_voters(session, ADMIN, town_id, data)
    assert result.counts["created"] == VOTERS == 50_000
    assert count_where(session, Voter) == VOTERS
    assert count_where(session, VoterLink) == VOTERS
    assert count_where(session, AuditLog) == 1


# --- deputies ---------------------------------------------------------------------------------

DEP_HEAD = ["姓名", "代表层级", "选区", "主席团成员", "性别", "联系电话", "有固定收入", "任期开始"]


def test_deputy_import_creates_and_moves_deputies(session, town):
    rows = [
        DEP_HEAD,
        ["周一", "乡镇", "第1选区", "是", "女", "13700000000", "否", "2024-01-10"],
        ["吴二", "市", None, None, "男", None, None, None],
    ]
    result = roster_io.import_deputies(session, ADMIN, town["id"], xlsx(rows, title="代表"))
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0}
    zhou = session.exec(select(Deputy).where(Deputy.name == "周一")).one()
    assert zhou.is_presidium_member and zhou.gender == "F" and not zhou.has_fixed_income
    assert zhou.term_start == date(2024, 1, 10)
    again = roster_io.import_deputies(session, ADMIN, town["id"], xlsx(rows, title="代表"))
    assert not again.changed

    # 张三 moves to 第2选区: their 10 voters of 第1选区 stop counting.
    voters = [HEAD] + [[f"民{i}", "第1选区", None, None, "张三"] for i in range(10)]
    roster_io.import_voters(session, ADMIN, town["id"], xlsx(voters))
    covered = linkage.coverage_by_township(session, ADMIN, year=2026)
    assert covered.set_index("township_id").loc[town["id"], "deputies_covered"] == 1
    move = roster_io.import_deputies(
        session, ADMIN, town["id"], xlsx([DEP_HEAD, ["张三", "乡镇人大代表", "第2选区"]])
    )
    assert move.counts == {"created": 0, "updated": 1, "unchanged": 0}
    covered = linkage.coverage_by_township(session, ADMIN, year=2026)
    assert covered.set_index("township_id").loc[town["id"], "deputies_covered"] == 0
    gaps = linkage.linkage_gaps(session, ADMIN, year=2026)
    zhang = gaps[gaps["deputy"] == "张三"].iloc[0]
    assert (zhang["have"], zhang["other_constituency"]) == (0, 10)


def test_deputy_import_problems(session, town):
    rows = [
        DEP_HEAD,
        ["周一", "乡镇", None, None, None, None, None, None],  # 2: township deputy without seat
        ["吴二", "县（区）", "第1选区", "是", None, None, None, None],  # 3: member at county level
        ["郑三", "村级", None, None, None, None, None, None],  # 4: unknown level
        ["王四", "乡镇", "第1选区", "也许", None, None, None, None],  # 5: not yes/no
        ["冯五", "乡镇", "第1选区", None, None, None, None, "2999-01-01"],  # 6: future
        ["陈六", "乡镇", "第1选区", None, None, None, None, "明年"],  # 7: not a date
        ["周一", "乡镇", "第2选区", "是", None, None, None, None],  # 8: fine
        ["周一", "乡镇", "第2选区", None, None, None, None, None],  # 9: same person as 8
    ]
    found, _ = _rejected(session, town, xlsx(rows, title="代表"), kind="deputies")
    assert found == {
        (2, "constituency", "imports.error.required"),
        (3, "is_presidium_member", "linkage.import.presidium_not_applicable"),
        (4, "level", "imports.error.choice"),
        (5, "is_presidium_member", "imports.error.yes_no"),
        (6, "term_start", "linkage.import.future_date"),
        (7, "term_start", "imports.error.date"),
        (9, "name", "linkage.import.duplicate_person"),
    }
