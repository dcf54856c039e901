"""The supervision board and the items screen: every role and language renders; a clerk moves
an item from opening to closed and the board follows. Writes go only to clerk11's unit."""

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from models import SupervisionItem, SupervisionStageEvent, User
from models.db import session_scope
from models.enums import Rating
from services import evidence
from services import supervision as sv
from services import supervision_reads as reads
from services.errors import ValidationError
from services.permissions import Actor
from tests.pages.apptest import DEMO_AS_OF, DEMO_YEAR, no_exceptions, signed_in, visible_text
from ui.i18n import error_text, t

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


def _adv(at, kind: str, name: str, item_id: int):
    """The advance form's widget ``name`` for the item's current stage (keys carry the stage)."""
    return next(w for w in at.get(kind) if str(w.key).startswith(f"sv_adv_{name}_{item_id}_"))


def test_a_clerk_opens_an_item_moves_it_to_closed_and_the_board_follows(app_env):
    before = _board_counts()
    at = _open_page(CLERK, ITEMS)
    # A sub-district has no presidium: it opens items from activities and voters' opinions.
    assert at.radio(key="sv_source_kind_zh").options == ["监督活动", "选民意见"]
    open_form_title = next(ti for ti in at.text_input if ti.key.startswith("sv_open_title_"))
    title = open_form_title.value
    assert title
    # The opening date is today, whatever the date of the source.
    opened_on = next(d for d in at.date_input if d.key.startswith("sv_open_on_"))
    assert opened_on.value == DEMO_AS_OF
    # The responsible unit is required: refused with its message, nothing written.
    _button(at, "supervision.form.submit_open").click().run()
    no_exceptions(at)
    assert [e.value for e in at.error] == ["请填写责任单位。"]
    with session_scope() as session:
        newest = session.exec(select(func.max(SupervisionItem.id))).one()
    next(ti for ti in at.text_input if ti.key.startswith("sv_open_unit_")).input("街道城市管理科")
    _button(at, "supervision.form.submit_open").click().run()
    no_exceptions(at)
    assert "已立项，事项进入“调查研究”环节。" in [s.value for s in at.success]
    with session_scope() as session:
        item_id = session.exec(select(func.max(SupervisionItem.id))).one()
        assert item_id != newest
        item = session.get(SupervisionItem, item_id)
        assert (item.title, item.opened_on) == (title, DEMO_AS_OF)
        assert item.responsible_unit == "街道城市管理科"
    assert at.selectbox(key="sv_pick_zh").value == item_id  # the new item is ready to move

    # Without evidence the move is refused and nothing is written.
    _adv(at, "date_input", "on", item_id).set_value(DEMO_AS_OF)
    _button(at, "supervision.form.submit_advance").click().run()
    assert [e.value for e in at.error] == ["完成本环节须提交佐证材料（文字或文件）。"]
    assert _events(item_id) == 1

    for n, stage in enumerate(["审议审查", "交办督办", "跟踪问效", "反馈评价"], start=2):
        # Each stage's form starts empty: no text of the stage before.
        assert _adv(at, "text_area", "evidence", item_id).value == ""
        _adv(at, "date_input", "on", item_id).set_value(DEMO_AS_OF)
        _adv(at, "text_area", "evidence", item_id).input(f"第{n}步材料")
        _button(at, "supervision.form.submit_advance").click().run()
        no_exceptions(at)
        assert f"已保存，事项现处于“{stage}”。" in [s.value for s in at.success], at.error
        assert _events(item_id) == n
    # A repeat click on the next form does not move the item again with old evidence.
    _button(at, "supervision.form.submit_feedback").click().run()
    no_exceptions(at)
    assert _events(item_id) == 5

    _adv(at, "date_input", "on", item_id).set_value(DEMO_AS_OF)
    _adv(at, "text_area", "evidence", item_id).input("满意度测评表")
    _adv(at, "radio", "rating", item_id).set_value(Rating.satisfied)
    _adv(at, "number_input", "raters", item_id).set_value(24)
    answer = [ta for ta in at.text_area if ta.key.startswith(f"sv_adv_answer_{item_id}_")]
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


# --- refusals, in both languages ---------------------------------------------------------------

FUTURE = DEMO_AS_OF + timedelta(days=1)


def _future(field: str, lang: str) -> str:
    return error_text(
        ValidationError("error.date_future", field=field, today=DEMO_AS_OF.isoformat()), lang
    )


def _clerk_item(username: str) -> int:
    """An open item of the clerk's unit, opened before the demo's day (so a correction has room)."""
    with session_scope() as session:
        tid = session.exec(select(User.township_id).where(User.username == username)).one()
        return session.exec(
            select(SupervisionItem.id)
            .where(SupervisionItem.township_id == tid, SupervisionItem.stage != "closed")
            .order_by(SupervisionItem.id)
        ).first()


def _widget(at, kind: str, prefix: str):
    return next(w for w in at.get(kind) if str(w.key).startswith(prefix))


def _button_of(at, form_prefix: str, label_key: str, lang: str):
    label = t(label_key, lang)
    forms = [b for b in at.button if b.label == label]
    return next(b for b in forms if form_prefix in str(b.proto.form_id))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_supervision_form_refuses_with_its_message(app_env, lang):
    item_id = _clerk_item(CLERK)
    before = _events(item_id)
    at = _open_page(CLERK, ITEMS, lang)
    at.selectbox(key=f"sv_pick_{lang}").set_value(item_id).run()

    # Opening: the unit is required; a date after today is refused; nothing is written.
    with session_scope() as session:
        items_before = session.exec(select(func.count(SupervisionItem.id))).one()
    _button_of(at, "sv_open_", "supervision.form.submit_open", lang).click().run()
    no_exceptions(at)
    assert [e.value for e in at.error] == [t("supervision.error.unit_missing", lang)]
    _widget(at, "text_input", "sv_open_unit_").input("街道城市管理科")
    _widget(at, "date_input", "sv_open_on_").set_value(FUTURE)
    _button_of(at, "sv_open_", "supervision.form.submit_open", lang).click().run()
    assert [e.value for e in at.error] == [_future("opened_on", lang)]
    # What was typed stays in the form.
    assert _widget(at, "text_input", "sv_open_unit_").value == "街道城市管理科"
    with session_scope() as session:
        assert session.exec(select(func.count(SupervisionItem.id))).one() == items_before

    # Moving on: a date after today.
    _widget(at, "date_input", f"sv_adv_on_{item_id}_").set_value(FUTURE)
    _widget(at, "text_area", f"sv_adv_evidence_{item_id}_").input("材料")
    submit = "supervision.form.submit_advance"
    stage = session_stage(item_id)
    if stage == "feedback":
        submit = "supervision.form.submit_feedback"
    _button_of(at, "sv_advance_", submit, lang).click().run()
    assert _future("on", lang) in [e.value for e in at.error]
    assert _widget(at, "text_area", f"sv_adv_evidence_{item_id}_").value == "材料"

    # Sending back (not from the first stage): the reason is required, the date not after today.
    if stage != "investigation":
        _button_of(at, "sv_back_", "supervision.form.submit_back", lang).click().run()
        required = error_text(ValidationError("error.required", field="note"), lang)
        assert required in [e.value for e in at.error]
        _widget(at, "date_input", f"sv_back_on_{item_id}_").set_value(FUTURE)
        _widget(at, "text_area", f"sv_back_reason_{item_id}_").input("材料不全")
        _button_of(at, "sv_back_", "supervision.form.submit_back", lang).click().run()
        assert _future("on", lang) in [e.value for e in at.error]

    # Correcting the item: a reason is required; the opening date not after today.
    at.selectbox(key=f"sv_fix_pick_{lang}").set_value(item_id).run()
    _button_of(at, "sv_fix_item_", "correct.edit", lang).click().run()
    reason = error_text(ValidationError("error.reason_required", field="reason"), lang)
    assert reason in [e.value for e in at.error]
    _widget(at, "text_input", "sv_fix_why_").input("录入有误")
    _widget(at, "date_input", "sv_fix_on_").set_value(FUTURE)
    _button_of(at, "sv_fix_item_", "correct.edit", lang).click().run()
    assert _future("opened_on", lang) in [e.value for e in at.error]
    _widget(at, "text_input", "sv_fix_unit_").input("")
    _widget(at, "date_input", "sv_fix_on_").set_value(DEMO_AS_OF - timedelta(days=400))
    _button_of(at, "sv_fix_item_", "correct.edit", lang).click().run()
    assert t("supervision.error.unit_missing", lang) in [e.value for e in at.error]

    # Correcting the latest stage entry: the date not after today.
    if before > 1:
        _widget(at, "text_input", "sv_fix_entry_why_").input("日期录错")
        _widget(at, "date_input", "sv_fix_entry_on_").set_value(FUTURE)
        _button_of(at, "sv_fix_entry_", "correct.edit", lang).click().run()
        assert _future("on", lang) in [e.value for e in at.error]
        # Withdrawing the item that has stage entries says what depends on it.
        _widget(at, "text_input", "sv_withdraw_item_").input("重复立项")
        _button_of(at, "sv_withdraw_item_", "correct.withdraw", lang).click().run()
        assert any(t("dependent.stage_entry", lang, n=before - 1) in e.value for e in at.error)
    no_exceptions(at)
    assert _events(item_id) == before


def session_stage(item_id: int) -> str:
    with session_scope() as session:
        return session.get(SupervisionItem, item_id).stage
