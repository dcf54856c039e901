"""Documents from the records: each file is opened and its figures checked, on a unit built by
hand (figures worked out below) and on the demo district (figures from the services)."""

import io
import re
from datetime import date

import docx
import pypdfium2
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from models import IssuedDocument, Township
from models.enums import (
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    Rating,
    Role,
    SupervisionKind,
    UnitType,
)
from services import (
    contact_days,
    evidence,
    meetings,
    roster,
    roster_reads,
    rules,
    scoring,
    supervision,
    supervision_reads,
)
from services.documents import issue
from services.documents.periods import Period, default_period, parse_period
from services.errors import PermissionDenied, ValidationError
from services.permissions import Actor
from ui import documents
from ui.documents import Kind

TODAY = date(2026, 11, 27)
H2 = Period(2026, "half", 2)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _text(docx_bytes: bytes) -> tuple[docx.document.Document, str]:
    doc = docx.Document(io.BytesIO(docx_bytes))
    return doc, "\n".join(p.text for p in doc.paragraphs)


def _table(doc, header: str):
    """The table whose first header cell is ``header``, as lists of cell texts."""
    for table in doc.tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        if rows[0][0] == header:
            return rows
    raise AssertionError(f"no table starting with {header}")


# ---------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026h1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_period_is_read_from_its_code(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert parse_period(period.code) == period


@pytest.mark.parametrize("text", ["2026H3", "2026Q0", "2026Q5", "26H1", "H2", "", "2026-H2"])
def test_a_bad_period_is_refused_by_name(text):
    with pytest.raises(ValidationError) as err:
        parse_period(text)
    assert err.value.key == "documents.error.period"


def test_the_default_period_is_the_current_half_year():
    assert default_period(date(2026, 6, 30)) == Period(2026, "half", 1)
    assert default_period(TODAY) == H2


# ---------------------------------------------------------------------------------------------
# A unit built by hand


@pytest.fixture
def town(session: Session) -> dict:
    """甲镇 with three deputies, meetings, activities, contact days and one item in 2026.

    H1 records (excluded from an H2 notice): a presidium meeting on 10 Mar, an inspection on
    1 May, a contact day on 20 Jun. H2: presidium meetings on 5 Aug (two topics) and 12 Oct (one
    topic), a session on 1 Sep, a survey on 15 Jul, contact days on 20 Jul (A, B, C; 30 voters,
    4 opinions, two written) and 20 Aug (A; 10 voters, 1 opinion); the opinion "路灯不亮" is
    followed by an item closed on 30 Oct with the voters satisfied (20 raters).
    """
    rules.install_defaults(session)
    unit = Township(code="jia", name_zh="甲镇", name_en="Jia", unit_type=UnitType.town)
    session.add(unit)
    session.commit()
    tid = unit.id
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=tid)
    con = roster.add_constituency(session, clerk, township_id=tid, name="一选区")
    ids = {}
    for name, member in (("张一", True), ("李二", False), ("王三", False)):
        ids[name] = roster.add_deputy(
            session,
            clerk,
            township_id=tid,
            name=name,
            level=DeputyLevel.township,
            constituency_id=con,
            is_presidium_member=member,
            phone="13800000000",
        )
    voters = [
        roster.add_voter(session, clerk, township_id=tid, constituency_id=con, name=f"选民{i}")
        for i in range(3)
    ]
    roster.set_voter_links(session, clerk, deputy_id=ids["张一"], voter_ids=voters)
    roster.set_voter_links(session, clerk, deputy_id=ids["李二"], voter_ids=voters[:1])

    def meeting(kind, on, title, topics=()):
        meetings.record_meeting(
            session,
            clerk,
            township_id=tid,
            kind=kind,
            held_on=on,
            title=title,
            attendance=9,
            research="调研",
            deliberation="审议",
            follow_up="督办",
            topics=list(topics),
            year=2026,
            today=TODAY,
        )

    meeting(MeetingKind.presidium, date(2026, 3, 10), "第一次主席团会议", ["上半年议题"])
    meeting(MeetingKind.presidium, date(2026, 8, 5), "第二次主席团会议", ["议题一", "议题二"])
    meeting(MeetingKind.congress_session, date(2026, 9, 1), "镇人代会第二次会议")
    meeting(MeetingKind.presidium, date(2026, 10, 12), "第三次主席团会议", ["议题三"])
    for kind, on, subject in (
        (SupervisionKind.inspection, date(2026, 5, 1), "上半年视察"),
        (SupervisionKind.survey, date(2026, 7, 15), "农村道路调研"),
    ):
        meetings.record_supervision_activity(
            session,
            clerk,
            township_id=tid,
            kind=kind,
            held_on=on,
            subject=subject,
            participants=12,
            year=2026,
            today=TODAY,
        )
    contact_days.record_contact_day(
        session,
        clerk,
        township_id=tid,
        held_on=date(2026, 6, 20),
        deputy_ids=[ids["张一"], ids["李二"]],
        voters_met=50,
        opinions_count=6,
        today=TODAY,
    )
    july = contact_days.record_contact_day(
        session,
        clerk,
        township_id=tid,
        held_on=date(2026, 7, 20),
        deputy_ids=list(ids.values()),
        voters_met=30,
        opinions_count=4,
        opinions=["路灯不亮", "河道清理"],
        today=TODAY,
    )
    contact_days.record_contact_day(
        session,
        clerk,
        township_id=tid,
        held_on=date(2026, 8, 20),
        deputy_ids=[ids["张一"]],
        voters_met=10,
        opinions_count=1,
        today=TODAY,
    )
    opinion = next(
        s
        for s in supervision_reads.list_sources(session, clerk, township_id=tid, year=2026)
        if s.kind == "opinion" and s.title == "路灯不亮"
    )
    item = supervision.open_item(
        session,
        clerk,
        township_id=tid,
        title="修复村道路灯",
        opened_on=date(2026, 7, 25),
        opinion_id=opinion.id,
        responsible_unit="镇建设办",
        today=TODAY,
    )
    for on, note in (
        (date(2026, 8, 1), "审议通过"),
        (date(2026, 8, 10), "交镇建设办办理"),
        (date(2026, 9, 1), "跟踪检查"),
        (date(2026, 10, 1), "组织评议"),
    ):
        supervision.advance_stage(
            session, clerk, item, on=on, note=note, evidence="记录在案", today=TODAY
        )
    supervision.advance_stage(
        session,
        clerk,
        item,
        on=date(2026, 10, 30),
        note="群众满意，销号",
        evidence="评议记录",
        rating=Rating.satisfied,
        raters=20,
        answer="路灯已修复",
        today=TODAY,
    )
    return {"id": tid, "clerk": clerk, "deputies": ids, "july": july}


def test_the_presidium_notice_counts_the_half_year_only(session, town):
    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_presidium,
        period=H2,
        township_id=town["id"],
        as_of=TODAY,
    )
    assert out.file_name == "notification-presidium-jia-2026H2.docx"
    doc, text = _text(out.data)
    assert "甲镇人民代表大会主席团" in text
    assert "甲人大〔2026〕" in text
    assert "关于2026年下半年主席团工作情况的通报" in text
    for heading in ("一、会议召开情况", "二、监督工作情况", "三、监督事项办理情况"):
        assert heading in [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    # H2: one session, two presidium meetings, three topics; the March meeting is left out.
    assert "召开人民代表大会会议1次、主席团会议2次，主席团会议审议监督议题3项。" in text
    held = _table(doc, "日期")
    assert [r[2] for r in held[1:]] == [
        "第二次主席团会议",
        "镇人代会第二次会议",
        "第三次主席团会议",
    ]
    assert held[1][4] == "议题一、议题二"
    assert "开展视察、调研、执法检查、专题询问、工作评议等监督活动1次。" in text
    # Two contact days in H2: 40 voters met, 5 opinions.
    assert "组织代表联系选民日活动2次，接待选民40人次，收集意见建议5条" in text
    contact = _contact_rows(doc)
    assert [r[1] for r in contact] == ["3 / 3", "1 / 3"]
    # The item: what was done in the period and what the people said.
    items = _table(doc, "监督事项")
    assert items[1][0] == "修复村道路灯"
    assert items[1][1] == "已办结"
    assert "交镇建设办办理" in items[1][2]
    assert "选民意见：路灯不亮" in items[1][3]
    assert "群众评价：满意（20人参评）" in items[1][3]
    assert "答复：路灯已修复" in items[1][3]
    assert "13800000000" not in text + str([c.text for t in doc.tables for c in t._cells])


def _contact_rows(doc):
    for table in doc.tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        if rows[0][1] == "参加代表 / 应参加":
            return rows[1:]
    raise AssertionError("no contact-day table")


def test_the_deputies_notice_lists_each_deputy_with_the_units_totals(session, town):
    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_deputies,
        period=H2,
        township_id=town["id"],
        as_of=TODAY,
    )
    doc, text = _text(out.data)
    assert "关于2026年下半年代表履职情况的通报" in text
    rows = _table(doc, "序号")
    by_name = {r[1]: r for r in rows[1:-1]}
    # Attended in H2: 张一 July and August, 李二 and 王三 July only (June is H1).
    assert {n: r[5] for n, r in by_name.items()} == {"张一": "2", "李二": "1", "王三": "1"}
    assert {n: r[6] for n, r in by_name.items()} == {"张一": "3", "李二": "1", "王三": "0"}
    assert by_name["张一"][4] == "是"
    assert rows[-1][1] == "合计" and rows[-1][5] == "4" and rows[-1][6] == "4"
    assert "组织联系选民日2次，代表参加4人次" in text
    # Five opinions collected, two recorded, one followed by an item, which is closed.
    assert "收集选民意见建议5条，登记在册2条，其中1条转为监督事项跟踪办理，已办结1条。" in text
    opinions = _table(doc, "选民意见")
    assert opinions[1][:3] == ["路灯不亮", "修复村道路灯", "已办结"]
    assert "13800000000" not in str([c.text for t in doc.tables for c in t._cells])


def test_names_are_hidden_on_request(session, town):
    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_deputies,
        period=H2,
        township_id=town["id"],
        hide_names=True,
        as_of=TODAY,
    )
    doc, _ = _text(out.data)
    names = [r[1] for r in _table(doc, "序号")[1:-1]]
    assert names == ["代表1", "代表2", "代表3"]
    cells = str([c.text for t in doc.tables for c in t._cells])
    assert not any(n in cells for n in town["deputies"])


def test_the_english_notice_speaks_english(session, town):
    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_presidium,
        period=parse_period("2026Q3"),
        township_id=town["id"],
        lang="en",
        as_of=TODAY,
    )
    _, text = _text(out.data)
    assert "Notice on the presidium's work in Q3 2026" in text
    # Q3: the August meeting and the September session; October's meeting is Q4.
    assert "1 congress sessions and 1 presidium meetings" in text


def test_a_clerk_makes_only_their_own_units_notices(session, town):
    other = Actor(id=None, username="o", role=Role.township_staff, township_id=town["id"] + 1)
    with pytest.raises(PermissionDenied):
        documents.build(
            session,
            other,
            kind=Kind.notification_deputies,
            period=H2,
            township_id=town["id"],
            as_of=TODAY,
        )
    for kind in (Kind.appraisal, Kind.briefing):
        with pytest.raises(PermissionDenied):
            documents.build(session, town["clerk"], kind=kind, period=H2, as_of=TODAY)


def test_a_period_not_yet_begun_is_refused(session, town):
    with pytest.raises(ValidationError) as err:
        documents.build(
            session,
            town["clerk"],
            kind=Kind.notification_presidium,
            period=parse_period("2027H1"),
            township_id=town["id"],
            as_of=TODAY,
        )
    assert err.value.key == "documents.error.future_period"


def test_issuing_records_the_notification_with_its_file(session, town, tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "uploads"))
    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_presidium,
        period=H2,
        township_id=town["id"],
        as_of=TODAY,
    )
    nid = issue.record_issued(
        session,
        town["clerk"],
        township_id=town["id"],
        kind=NotificationKind.presidium_work,
        period=H2,
        issued_on=date(2026, 11, 20),
        title="关于2026年下半年主席团工作情况的通报",
        file_name=out.file_name,
        data=out.data,
        today=TODAY,
    )
    notes = contact_days.notifications_frame(session, town["clerk"], town["id"], 2026)
    assert notes.to_dict("records") == [
        {
            "id": nid,
            "issued_on": date(2026, 11, 20),
            "kind": "presidium_work",
            "title": "关于2026年下半年主席团工作情况的通报",
        }
    ]
    issued = issue.issued_documents(session, town["clerk"], town["id"], 2026)
    assert issued["period"].tolist() == ["2026H2"]
    stored = evidence.open_file(issued["evidence"].iloc[0])
    assert stored is not None and stored.data == out.data


def test_a_refused_file_records_nothing(session, town, tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "uploads"))
    with pytest.raises(ValidationError):
        issue.record_issued(
            session,
            town["clerk"],
            township_id=town["id"],
            kind=NotificationKind.deputy_performance,
            period=H2,
            issued_on=date(2026, 11, 20),
            title="通报",
            file_name="notice.exe",
            data=b"MZ...",
            today=TODAY,
        )
    assert contact_days.notifications_frame(session, town["clerk"], town["id"], 2026).empty
    assert session.exec(select(IssuedDocument)).all() == []
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


# ---------------------------------------------------------------------------------------------
# The demo district


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    """A database holding the demo district (one per module: it takes a while to make)."""
    from sqlmodel import SQLModel

    from models.db import make_engine
    from seed.demo import generate_demo
    from tests.conftest import PG_URL

    if PG_URL:
        from tests.conftest import fresh_pg_database

        url = fresh_pg_database("documents")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'demo.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        rules.install_defaults(session)
        generate_demo(session, year=2026, seed=1, as_of=TODAY)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def demo_session(demo_url):
    from models.db import make_engine

    engine = make_engine(demo_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


LEADER = Actor(id=None, username="leader", role=Role.district_leader)


def _unit_id(session, code: str) -> int:
    return session.exec(select(Township.id).where(Township.code == code)).one()


def test_demo_notices_carry_the_services_figures(demo_session):
    tid = _unit_id(demo_session, "lailong")
    clerk = Actor(id=None, username="clerk01", role=Role.township_staff, township_id=tid)
    out = documents.build(
        demo_session,
        clerk,
        kind=Kind.notification_presidium,
        period=H2,
        township_id=tid,
        as_of=TODAY,
    )
    doc, text = _text(out.data)
    held = meetings.list_meetings(demo_session, clerk, township_id=tid, year=2026, as_of=TODAY)
    in_h2 = held[held["held_on"] >= date(2026, 7, 1)]
    assert len(_table(doc, "日期")) - 1 == len(in_h2)
    presidium = int((in_h2["kind"] == "presidium").sum())
    assert f"主席团会议{presidium}次" in text

    out = documents.build(
        demo_session,
        clerk,
        kind=Kind.notification_deputies,
        period=H2,
        township_id=tid,
        as_of=TODAY,
    )
    doc, _ = _text(out.data)
    rows = _table(doc, "序号")[1:-1]
    expected = roster_reads.contact_deputies(demo_session, clerk, tid)
    assert [r[1] for r in rows] == [d.name for d in expected]
    frame = roster_reads.deputies_frame(demo_session, clerk, tid).set_index("id")
    assert [int(r[6]) for r in rows] == [int(frame.at[d.id, "voters"]) for d in expected]
    # Attendance: each deputy's count over H2 adds up to the contact days' participants.
    days = contact_days.contact_days_frame(demo_session, clerk, tid, 2026)
    h2_days = days[days["held_on"] >= date(2026, 7, 1)]
    assert sum(int(r[5]) for r in rows) == int(h2_days["participants"].sum())


def test_the_appraisal_report_as_word_and_workbook(demo_session):
    board = scoring.township_scores(demo_session, 2026, TODAY)
    out = documents.build(
        demo_session, LEADER, kind=Kind.appraisal, period=parse_period("2026"), as_of=TODAY
    )
    doc, text = _text(out.data)
    assert "2026年度乡镇人大工作绩效考评报告" in text
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for h in ("一、考评排名", "二、各单位得分明细", "三、经费使用情况", "四、违规情况"):
        assert h in headings
    ranking = _table(doc, "名次")
    assert [(r[1], r[-2]) for r in ranking[1:]] == [(u.name_zh, str(u.total)) for u in board.units]
    # Each unit's scorecard, with the reason of every point.
    top = board.units[0]
    card = next(
        [[c.text for c in r.cells] for r in t.rows]
        for t in doc.tables
        if t.rows[0].cells[0].text == "考评分项" and len(t.rows) == len(top.facts) + 1
    )
    assert [float(r[2]) for r in card[1:]] == [f.points for f in top.facts]
    # The ranking chart is embedded as a picture.
    assert len(doc.inline_shapes) == 1
    pictures = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(pictures) == 1 and pictures[0].blob.startswith(b"\x89PNG")

    book = documents.build(
        demo_session,
        LEADER,
        kind=Kind.appraisal,
        period=parse_period("2026"),
        fmt="xlsx",
        as_of=TODAY,
    )
    wb = load_workbook(io.BytesIO(book.data))
    assert len(wb.sheetnames) == len(book.document.tables)
    ws = wb["考评排名"]
    totals = [row[-2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert totals == [u.total for u in board.units]
    assert f"{top.name_zh}得分明细" in wb.sheetnames
    assert "奖补" in wb.sheetnames and "经费违规" in wb.sheetnames


def test_the_briefing_is_one_a4_page_with_chinese_text_and_two_charts(demo_session, tmp_path):
    from services import overview

    out = documents.build(demo_session, LEADER, kind=Kind.briefing, period=H2, as_of=TODAY)
    reader = PdfReader(io.BytesIO(out.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210
    assert round(float(page.mediabox.height) / 72 * 25.4) == 297
    # The text as a viewer extracts it (PDFium, Chrome's engine): there as text, not drawn as
    # pictures. pypdf misreads the embedded CID encoding fpdf2 writes, so PDFium reads it here.
    pdfium_page = pypdfium2.PdfDocument(out.data)[0]
    text = re.sub(r"\s+", "", pdfium_page.get_textpage().get_text_range())
    assert "2026年乡镇人大“133”工作简报" in text
    assert "需要关注的单位" in text
    head = overview.headline(demo_session, LEADER, year=2026, as_of=TODAY)
    assert f"{head.units_on_track}/{head.units}" in text
    assert "逾期监督事项" in text and str(head.overdue_items) in text
    assert len(CJK.findall(text)) > 50
    images = page.images
    assert len(images) == 2
    # The page as a picture, for a look by eye.
    pdfium_page.render(scale=1).to_pil().save(tmp_path / "briefing.png")
    assert (tmp_path / "briefing.png").stat().st_size > 10_000


# ---------------------------------------------------------------------------------------------
# The command line


def _report(monkeypatch, demo_url, *args: str) -> int:
    import manage

    monkeypatch.setenv("DATABASE_URL", demo_url)
    try:
        manage.main(["report", *args, "--as-of", TODAY.isoformat()])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize(
    ("args", "suffix", "expected"),
    [
        (["--kind", "notification-presidium", "--unit", "lailong"], "docx", "主席团工作情况的通报"),
        (["--kind", "notification-deputies", "--unit", "lailong"], "docx", "代表履职情况的通报"),
        (["--kind", "appraisal", "--district"], "docx", "绩效考评报告"),
        (["--kind", "appraisal", "--district", "--lang", "en"], "xlsx", "Ranking"),
        (["--kind", "briefing", "--district"], "pdf", "工作简报"),
    ],
)
def test_the_command_line_writes_each_kind(
    monkeypatch, demo_url, tmp_path, capsys, args, suffix, expected
):
    out = tmp_path / f"doc.{suffix}"
    status = _report(monkeypatch, demo_url, *args, "--period", "2026H2", "--out", str(out))
    assert status == 0, capsys.readouterr().err
    assert str(out) in capsys.readouterr().out
    if suffix == "docx":
        assert expected in _text(out.read_bytes())[1]
    elif suffix == "xlsx":
        assert expected in load_workbook(out).sheetnames
    else:
        page = pypdfium2.PdfDocument(out.read_bytes())[0]
        assert expected in page.get_textpage().get_text_range()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "appraisal", "--district", "--period", "2026H3"], "2026H3"),
        (["--kind", "notification-presidium", "--unit", "nowhere"], "nowhere"),
        (["--kind", "briefing", "--unit", "lailong"], "--district"),
        (["--kind", "notification-deputies", "--district"], "--unit"),
        (["--kind", "notification-deputies", "--unit", "lailong", "--period", "2027"], "2027"),
    ],
)
def test_the_command_line_refuses_bad_input_with_status_2(
    monkeypatch, demo_url, tmp_path, capsys, args, message
):
    out = tmp_path / ("doc.pdf" if "briefing" in args else "doc.docx")
    assert _report(monkeypatch, demo_url, *args, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not out.exists()


def test_the_command_line_refuses_a_file_type_the_kind_has_not(monkeypatch, demo_url, tmp_path):
    out = tmp_path / "briefing.docx"
    status = _report(monkeypatch, demo_url, "--kind", "briefing", "--district", "--out", str(out))
    assert status == 2
    assert not out.exists()


def test_a_missing_cjk_font_is_named_with_its_package(monkeypatch, tmp_path):
    from services.documents import fonts
    from ui.i18n import error_text

    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing) as err:
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()
    assert "fonts-noto-cjk" in str(err.value)
    assert "fonts-noto-cjk" in error_text(err.value, "zh")
    monkeypatch.undo()
    assert fonts.cjk_font().path.exists()  # found again where it is installed


def test_a_subdistricts_notice_says_it_holds_no_congress(demo_session):
    tid = _unit_id(demo_session, "shunhe")
    out = documents.build(
        demo_session,
        LEADER,
        kind=Kind.notification_presidium,
        period=H2,
        township_id=tid,
        as_of=TODAY,
    )
    _, text = _text(out.data)
    assert "区人大常委会顺河街道工作委员会" in text
    assert "街道不设人民代表大会" in text
    assert "人民代表大会会议0次" not in text


def test_district_documents_of_an_empty_district_open(session):
    """A production database before any unit is added: the reports still open."""
    rules.install_defaults(session)
    admin = Actor(id=None, username="admin", role=Role.district_admin)
    year = parse_period("2026")
    doc, text = _text(
        documents.build(session, admin, kind=Kind.appraisal, period=year, as_of=TODAY).data
    )
    assert "一、考评排名" in text
    assert all(len(t.columns) > 0 for t in doc.tables)
    book = documents.build(
        session, admin, kind=Kind.appraisal, period=year, fmt="xlsx", as_of=TODAY
    )
    assert "考评排名" in load_workbook(io.BytesIO(book.data)).sheetnames
    brief = documents.build(session, admin, kind=Kind.briefing, period=year, as_of=TODAY)
    assert len(PdfReader(io.BytesIO(brief.data)).pages) == 1


def test_word_names_a_chinese_face_for_every_run(session, town):
    from docx.oxml.ns import qn

    out = documents.build(
        session,
        town["clerk"],
        kind=Kind.notification_deputies,
        period=H2,
        township_id=town["id"],
        as_of=TODAY,
    )
    doc = docx.Document(io.BytesIO(out.data))
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    runs = [r for p in doc.paragraphs for r in p.runs] + [
        r for t in doc.tables for c in t._cells for p in c.paragraphs for r in p.runs
    ]
    faces = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs if CJK.search(r.text)}
    assert faces <= {"宋体", "黑体", "仿宋", "楷体"} and "黑体" in faces


def test_a_workbook_cell_never_runs_as_a_formula():
    from services.documents.model import Document as Doc
    from services.documents.model import Table as Tab
    from services.documents.workbook import xlsx_bytes

    book = xlsx_bytes(
        Doc("", "", "", [Tab("表", ["意见", "数"], [['=HYPERLINK("x")', 3]])], "", "")
    )
    ws = load_workbook(io.BytesIO(book))["表"]
    assert ws["A2"].value == '\'=HYPERLINK("x")' and ws["A2"].data_type == "s"
    assert ws["B2"].value == 3
