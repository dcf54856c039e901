"""Correcting and withdrawing guarantees records on the entry screen, in AppTest, in both
languages: a saved record is picked, edited prefilled and saved with a reason, or withdrawn with
a reason; a form starts empty after a save, so the same form submitted twice makes one record.

A production database of its own: the units of seed/units.toml, a clerk of 来龙镇 and three
deputies of its roster.
"""

import contextlib
from datetime import timedelta

import pytest
from sqlmodel import select

from manage import migrate
from models import AuditLog, Deputy, IntegratedActivity, Township
from models.db import session_scope
from models.enums import DeputyLevel, Role
from seed.demo import load_units
from services import activities, clock, commendations, deployment, org, platforms, rules, users
from services.errors import NotFound
from services.permissions import SYSTEM
from tests.conftest import PG_URL, fresh_pg_database
from tests.pages.apptest import DEMO_AS_OF, no_exceptions, signed_in, visible_text

PASSWORD = "Tudou-2026-xyz"
TODAY = DEMO_AS_OF  # the app's clock is pinned to this day (APP_TODAY)
YEAR = TODAY.year
WITHDRAW = {"zh": "撤回这条记录", "en": "Withdraw this record"}
NO_REASON = {
    "zh": "原因：请说明更正或撤回的原因。",
    "en": "Reason: Please give the reason for the correction or withdrawal.",
}


@pytest.fixture(scope="module")
def production_url(tmp_path_factory) -> str:
    if PG_URL:
        url = fresh_pg_database("guarantees_fix")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('fix') / 'prod.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        deployment.settle_kind(session, deployment.DatabaseKind.production)
        load_units(session)
        unit = session.exec(select(Township).where(Township.code == "lailong")).one()
        for username, role, tid in (
            ("chen", Role.district_admin, None),
            ("wang", Role.township_staff, unit.id),
        ):
            users.create_user(
                session,
                SYSTEM,
                username=username,
                display_name=username,
                password=PASSWORD,
                role=role,
                township_id=tid,
            )
        for name, level in (
            ("张乡代表", DeputyLevel.township),
            ("李区代表", DeputyLevel.county),
            ("赵市代表", DeputyLevel.city),
        ):
            session.add(Deputy(township_id=unit.id, name=name, level=level))
        session.commit()
    return url


@pytest.fixture
def env(production_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", production_url)
    monkeypatch.setenv("COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    monkeypatch.setenv(clock.ENV, TODAY.isoformat())
    with session_scope(production_url) as session:
        tid = session.exec(select(Township.id).where(Township.code == "lailong")).one()
        deputies = dict(session.exec(select(Deputy.name, Deputy.id)).all())
    yield {"url": production_url, "tid": tid, "deputies": deputies}
    # Each test starts from the roster alone.
    with session_scope(production_url) as session:
        for a in activities.list_activities(session, SYSTEM, YEAR, township_id=tid):
            activities.withdraw_activity(session, SYSTEM, a.id, reason="清理")
        for c in commendations.list_commendations(session, SYSTEM, YEAR, township_id=tid):
            commendations.withdraw_commendation(session, SYSTEM, c.id, reason="清理")
        for p in platforms.list_platforms(session, SYSTEM, tid):
            with contextlib.suppress(NotFound):  # no check saved
                platforms.withdraw_check(session, SYSTEM, p.id, year=YEAR, reason="清理")
            platforms.withdraw_platform(session, SYSTEM, p.id, reason="清理")
        if org.three_ones(session, SYSTEM, tid, YEAR).department_name:
            org.withdraw_three_ones(session, SYSTEM, township_id=tid, year=YEAR, reason="清理")


def _open(lang="zh", username="wang"):
    at = signed_in(username, lang)
    at.query_params["year"] = str(YEAR)
    at.run()
    at.switch_page("pages/guarantees_entry.py")
    at.run()
    no_exceptions(at)
    return at


def _submit(at, key):
    at.button(key=key).click()
    at.run()
    no_exceptions(at)


def _withdraw(at, key, reason, lang="zh"):
    at.text_input(key=f"{key}_reason").set_value(reason)
    (button,) = [b for b in at.button if b.label == WITHDRAW[lang] and b.proto.form_id == key]
    button.click()
    at.run()
    no_exceptions(at)


def _activities(url) -> list[IntegratedActivity]:
    with session_scope(url) as session:
        return list(session.exec(select(IntegratedActivity)).all())


def _last_reason(url, entity):
    with session_scope(url) as session:
        return session.exec(
            select(AuditLog.action, AuditLog.reason)
            .where(AuditLog.entity == entity)
            .order_by(AuditLog.id.desc())
        ).first()


def test_the_same_activity_form_submitted_twice_makes_one_record(env):
    at = _open()
    at.text_input(key="g_act_title_0").set_value("五级代表进网格")
    at.multiselect(key="g_act_deputies_0").set_value([env["deputies"]["张乡代表"]])
    at.number_input(key="g_act_outside_city_0").set_value(1)
    _submit(at, "g_act_submit")
    assert "一体化活动已保存。" in visible_text(at)
    # The form is empty again: a second click of the same button saves nothing.
    assert at.text_input(key="g_act_title_0").value == ""
    assert at.multiselect(key="g_act_deputies_0").value == []
    _submit(at, "g_act_submit")
    assert len(_activities(env["url"])) == 1
    assert [e.value for e in at.error] == ["名称：此项为必填项。"]


def test_a_date_that_has_not_come_is_refused_and_the_entry_kept(env):
    at = _open()
    at.date_input(key="g_act_held_0").set_value(TODAY + timedelta(days=1))
    at.text_input(key="g_act_title_0").set_value("五级代表进网格")
    at.number_input(key="g_act_outside_city_0").set_value(1)
    _submit(at, "g_act_submit")
    assert [e.value for e in at.error] == [f"日期不能晚于今天（{TODAY.isoformat()}）。"]
    assert at.text_input(key="g_act_title_0").value == "五级代表进网格"  # kept to fix
    assert _activities(env["url"]) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_saved_activity_is_corrected_with_a_reason_then_withdrawn(env, lang):
    with session_scope(env["url"]) as session:
        aid = activities.record_activity(
            session,
            SYSTEM,
            township_id=env["tid"],
            held_on=TODAY,
            title="代表联合视察",
            theme=rules.get_rules(session, YEAR).themes[0],
            deputy_ids=[env["deputies"]["李区代表"]],
            outside_city=2,
        )
    at = _open(lang)
    at.selectbox(key="g_act_pick").set_value(aid)
    at.run()
    # The form is prefilled with what was saved.
    assert at.text_input(key=f"g_act_title_{aid}").value == "代表联合视察"
    assert at.number_input(key=f"g_act_outside_city_{aid}").value == 2
    assert at.multiselect(key=f"g_act_deputies_{aid}").value == [env["deputies"]["李区代表"]]
    at.text_input(key=f"g_act_title_{aid}").set_value("五级代表联合视察")
    _submit(at, "g_act_submit")
    assert [e.value for e in at.error] == [NO_REASON[lang]]
    at.text_input(key=f"g_act_reason_{aid}").set_value("名称录错")
    _submit(at, "g_act_submit")
    saved_text = {"zh": "一体化活动已保存。", "en": "The integrated activity was saved."}
    assert saved_text[lang] in visible_text(at)
    (saved,) = _activities(env["url"])
    assert saved.title == "五级代表联合视察"
    assert _last_reason(env["url"], "integrated_activity") == ("update", "名称录错")
    # Back to a new entry after the save; pick it again and withdraw it.
    assert at.selectbox(key="g_act_pick").value == 0
    at.selectbox(key="g_act_pick").set_value(aid)
    at.run()
    _withdraw(at, f"g_act_withdraw_{aid}", "重复录入", lang)
    assert _activities(env["url"]) == []
    assert _last_reason(env["url"], "integrated_activity") == ("delete", "重复录入")


def test_a_platform_with_a_check_names_it_and_is_retired_instead(env):
    with session_scope(env["url"]) as session:
        pid = platforms.add_platform(
            session, SYSTEM, township_id=env["tid"], kind="home", name="来龙镇人大代表之家"
        )
        platforms.check_platform(
            session,
            SYSTEM,
            pid,
            year=YEAR,
            entries={"place": platforms.ItemEntry(ok=True, note="便民服务中心二楼")},
        )
    at = _open()
    at.selectbox(key="g_reg_pick").set_value(pid)
    at.run()
    _withdraw(at, f"g_reg_withdraw_{pid}", "录重了")
    assert [e.value for e in at.error] == [
        "这条记录还有1 个年度的核查记录依赖它，不能撤回；请先处理这些记录。"
    ]
    # Corrected with a reason instead: the name changes, the check stays.
    at.text_input(key=f"g_reg_name_{pid}").set_value("来龙镇代表之家")
    at.text_input(key=f"g_reg_reason_{pid}").set_value("名称规范")
    _submit(at, "g_reg_submit")
    with session_scope(env["url"]) as session:
        info = platforms.get_platform(session, SYSTEM, pid)
        assert info.name == "来龙镇代表之家"
        assert platforms.platform_check(session, SYSTEM, pid, YEAR)["place"].ok
    assert _last_reason(env["url"], "platform") == ("update", "名称规范")


def test_unticking_a_saved_item_in_the_form_asks_for_a_reason_in_english(env):
    with session_scope(env["url"]) as session:
        pid = platforms.add_platform(
            session, SYSTEM, township_id=env["tid"], kind="home", name="代表之家"
        )
        platforms.check_platform(
            session,
            SYSTEM,
            pid,
            year=YEAR,
            entries={"place": platforms.ItemEntry(ok=True, note="二楼")},
        )
    at = _open("en")
    at.checkbox(key=f"g_check_ok_{pid}_place").uncheck()
    _submit(at, "g_check_submit")
    assert [e.value for e in at.error] == [NO_REASON["en"]]
    at.checkbox(key=f"g_check_ok_{pid}_place").uncheck()
    at.text_input(key=f"g_check_reason_{pid}").set_value("room given up")
    _submit(at, "g_check_submit")
    assert "The yearly check was saved." in visible_text(at)
    with session_scope(env["url"]) as session:
        assert not platforms.platform_check(session, SYSTEM, pid, YEAR)["place"].ok


def test_the_three_ones_are_corrected_with_a_reason_and_withdrawn_in_english(env):
    at = _open("en")
    at.text_input(key="g_ones_department").set_value("人大办公室")
    at.text_area(key="g_ones_department_note").set_value("党委发文")
    _submit(at, "g_ones_submit")
    assert "The three ones were saved." in visible_text(at)
    at.text_input(key="g_ones_department").set_value("人大工作办公室")
    _submit(at, "g_ones_submit")
    assert [e.value for e in at.error] == [NO_REASON["en"]]
    at.text_input(key="g_ones_reason_0").set_value("renamed by the party committee")
    _submit(at, "g_ones_submit")
    with session_scope(env["url"]) as session:
        assert org.three_ones(session, SYSTEM, env["tid"], YEAR).department_name == "人大工作办公室"
    _withdraw(at, "g_ones_withdraw_0", "entered for the wrong year", "en")
    with session_scope(env["url"]) as session:
        assert org.three_ones(session, SYSTEM, env["tid"], YEAR).had == 0
    assert _last_reason(env["url"], "org_guarantee") == ("delete", "entered for the wrong year")


def test_a_clerk_corrects_a_proposal_but_not_an_approved_commendation(env):
    with session_scope(env["url"]) as session:
        common = {"township_id": env["tid"], "year": YEAR, "story": "带头修路。"}
        open_id = commendations.propose(
            session, SYSTEM, deputy_id=env["deputies"]["张乡代表"], title="履职之星", **common
        )
        done_id = commendations.propose(
            session, SYSTEM, deputy_id=env["deputies"]["赵市代表"], title="优秀代表", **common
        )
        commendations.review(session, SYSTEM, done_id, approve=True, on=TODAY)
    at = _open()
    assert at.selectbox(key="g_com_pick").options == ["新的推荐", "张乡代表 · 履职之星（待审核）"]
    at.selectbox(key="g_com_pick").set_value(open_id)
    at.run()
    at.text_area(key=f"g_com_story_{open_id}").set_value("牵头修通三公里村道。")
    at.text_input(key=f"g_com_reason_{open_id}").set_value("补充事迹")
    _submit(at, "g_com_submit")
    with session_scope(env["url"]) as session:
        stories = {c.id: c.story for c in commendations.list_commendations(session, SYSTEM, YEAR)}
    assert stories == {open_id: "牵头修通三公里村道。", done_id: "带头修路。"}
    # The admin sees the approved one among the records to correct.
    admin = _open(username="chen")
    admin.selectbox(key="guarantees_entry_unit").set_value(env["tid"])
    admin.run()
    assert "赵市代表 · 优秀代表（已通过）" in admin.selectbox(key="g_com_pick").options
