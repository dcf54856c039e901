"""The supervision board and the items screen: every role and language renders; a clerk moves
an item from opening to closed and the board follows. Writes go only to clerk11's unit."""

import re

import pytest
from sqlmodel import func, select

from models import SupervisionItem, SupervisionStageEvent, User
from models.db import session_scope
from models.enums import Rating
from services import evidence
from services import supervision as sv
from services import supervision_reads as reads
from services.permissions import Actor
from tests.pages.apptest import DEMO_AS_OF, DEMO_YEAR, no_exceptions, signed_in, visible_text
from ui.i18n import t

BOARD = "pages/supervision_board.py"
ITEMS = "pages/supervision_items.py"
CLERK = "clerk11"  # 下相街道, the 11th unit of seed/units.toml
CASES = [
    (user, page, lang)
    for user, pages in {
        "admin": [BOARD, ITEMS],
        "leader": [BOARD],
        "clerk05": [BOARD, ITEMS],
    }.items()
    for page in pages
    for lang in ("zh", "en")
]


def _open_page(username: str, page: str, lang: str = "zh"):
    at = signed_in(username, lang)
    at.run()
    at.switch_page(page)
    at.run()
    no_exceptions(at)
    return at


@pytest.mark.parametrize(("username", "screen", "lang"), CASES)
def test_supervision_pages_render(app_env, username, screen, lang):
    at = _open_page(username, screen, lang)
    title = at.title[0].value
    assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), title
    text = visible_text(at)
    assert not re.search(r"\[[a-z_]+(\.[a-z_0-9]+)+\]", text), text
    if lang == "en":
        assert not re.search(r"[\u4e00-\u9fff]", title)


def test_the_district_board_shows_stages_charts_and_a_timeline(app_env):
    at = _open_page("leader", BOARD, "en")
    metrics = {m.label: m.value for m in at.metric}
    stages = ["Investigation", "Deliberation", "Assignment", "Follow-up", "Feedback", "Closed"]
    # The stage columns add up to the items of the year.
    assert sum(int(metrics[s]) for s in stages) == int(metrics["Items"]) > 0
    assert len(at.get("vega_lite_chart")) == 3  # stage days, closure, satisfaction
    assert "One item, end to end" in [h.value for h in at.subheader]
    assert any("Opened into Investigation" in m.value for m in at.markdown)


def test_the_items_screen_is_not_in_a_leaders_navigation(app_env):
    at = signed_in("leader")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ITEMS)


def test_a_clerk_sees_only_their_own_unit(app_env):
    at = _open_page(CLERK, BOARD)
    table = next(d.value for d in at.dataframe if "T06 完成率" in d.value.columns)
    assert table.iloc[:, 0].tolist() == ["下相街道"]
    # No unit filter for a clerk, and every item offered for the drill-down is their unit's.
    assert [s.key for s in at.selectbox] == ["sv_board_item_zh"]
    options = at.selectbox(key="sv_board_item_zh").options
    assert options and all(" · 下相街道 · " in o for o in options)


def _board_counts(lang: str = "zh") -> dict[str, str]:
    at = _open_page(CLERK, BOARD, lang)
    return {m.label: m.value for m in at.metric}


def _button(at, key: str):
    label = t(key, "zh")
    return next(b for b in at.button if b.label == label)


def _events(item_id: int) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count(SupervisionStageEvent.id)).where(
                SupervisionStageEvent.item_id == item_id
            )
        ).one()


def test_a_clerk_opens_an_item_moves_it_to_closed_and_the_board_follows(app_env):
    before = _board_counts()
    at = _open_page(CLERK, ITEMS)
    # A sub-district has no presidium: it opens items from activities and voters' opinions.
    assert at.radio(key="sv_source_kind_zh").options == ["监督活动", "选民意见"]
    open_form_title = next(ti for ti in at.text_input if ti.key.startswith("sv_open_title_"))
    title = open_form_title.value
    assert title
    _button(at, "supervision.form.submit_open").click().run()
    no_exceptions(at)
    assert "已立项，事项进入“调查研究”环节。" in [s.value for s in at.success]
    with session_scope() as session:
        item_id = session.exec(select(func.max(SupervisionItem.id))).one()
        assert session.get(SupervisionItem, item_id).title == title
    assert at.selectbox(key="sv_pick_zh").value == item_id  # the new item is ready to move

    # Without evidence the move is refused and nothing is written.
    at.date_input(key=f"sv_adv_on_{item_id}").set_value(DEMO_AS_OF)
    _button(at, "supervision.form.submit_advance").click().run()
    assert [e.value for e in at.error] == ["完成本环节须提交佐证材料（文字或文件）。"]
    assert _events(item_id) == 1

    for n, stage in enumerate(["审议审查", "交办督办", "跟踪问效", "反馈评价"], start=2):
        at.date_input(key=f"sv_adv_on_{item_id}").set_value(DEMO_AS_OF)
        at.text_area(key=f"sv_adv_evidence_{item_id}").input(f"第{n}步材料")
        at.text_input(key=f"sv_adv_unit_{item_id}").input("街道城市管理科")
        _button(at, "supervision.form.submit_advance").click().run()
        no_exceptions(at)
        assert f"已保存，事项现处于“{stage}”。" in [s.value for s in at.success], at.error
        assert _events(item_id) == n

    at.date_input(key=f"sv_adv_on_{item_id}").set_value(DEMO_AS_OF)
    at.text_area(key=f"sv_adv_evidence_{item_id}").input("满意度测评表")
    at.radio(key=f"sv_adv_rating_{item_id}").set_value(Rating.satisfied)
    at.number_input(key=f"sv_adv_raters_{item_id}").set_value(24)
    answer = [ta for ta in at.text_area if ta.key == f"sv_adv_answer_{item_id}"]
    if answer:  # an item raised from a voter's opinion answers the voters at feedback
        answer[0].input("已答复选民")
    _button(at, "supervision.form.submit_feedback").click().run()
    no_exceptions(at)
    assert "已保存，事项现处于“已办结”。" in [s.value for s in at.success], at.error
    with session_scope() as session:
        item = session.get(SupervisionItem, item_id)
        assert (item.stage, item.rating, item.closed_on) == ("closed", Rating.satisfied, DEMO_AS_OF)

    after = _board_counts()
    assert int(after["事项总数"]) == int(before["事项总数"]) + 1
    assert int(after["已办结"]) == int(before["已办结"]) + 1
    for stage in ("调查研究", "审议审查", "交办督办", "跟踪问效", "反馈评价"):
        assert after[stage] == before[stage]
    assert int(after["在办"]) == int(before["在办"])


def test_an_evidence_file_downloads_from_the_timeline_until_it_is_gone(
    app_env, tmp_path, monkeypatch
):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path))
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == CLERK)).one()
        clerk = Actor(id=user.id, username=CLERK, role=user.role, township_id=user.township_id)
        activity = next(
            s
            for s in reads.list_sources(
                session, clerk, township_id=clerk.township_id, year=DEMO_YEAR
            )
            if s.kind == "activity" and s.held_on <= DEMO_AS_OF
        )
        item_id = sv.open_item(
            session,
            clerk,
            township_id=clerk.township_id,
            title="佐证文件下载",
            opened_on=DEMO_AS_OF,
            activity_id=activity.id,
            responsible_unit="镇建设办",
        )
        sv.advance_stage(
            session, clerk, item_id, on=DEMO_AS_OF, upload=evidence.Upload("调研报告.pdf", pdf)
        )
    at = _open_page(CLERK, ITEMS)
    at.selectbox(key="sv_pick_zh").set_value(item_id).run()
    no_exceptions(at)
    assert [b.proto.label for b in at.get("download_button")] == ["下载佐证文件（pdf）"]
    assert "佐证文件已不在存储位置。" not in [c.value for c in at.caption]

    for stored in tmp_path.iterdir():
        stored.unlink()
    at.run()
    no_exceptions(at)
    assert at.get("download_button") == []
    assert "佐证文件已不在存储位置。" in [c.value for c in at.caption]
