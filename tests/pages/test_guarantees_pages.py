"""The guarantees screens in AppTest, in both languages, on a PRODUCTION database that holds the
units and the accounts but no records: every screen shows nothing met, and what a clerk enters
in the forms is what the leader's screens and T10 read.

The database is made for this module: units of seed/units.toml, an admin, a leader, a clerk of
来龙镇 and a handful of deputies of its roster (a township, a district and a city deputy).
"""

import re
from datetime import date

import pytest
from sqlmodel import select

from manage import migrate
from models import Deputy, Township
from models.db import session_scope
from models.enums import DeputyLevel, Role
from seed.demo import load_units
from services import checklist, commendations, deployment, org, platforms, rules, users
from services.permissions import SYSTEM
from tests.conftest import PG_URL, fresh_pg_database
from tests.pages.apptest import no_exceptions, signed_in, visible_text

CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_KEY = re.compile(r"\[(?:guarantees|present|nav|score)\.[\w.]+\]")
PASSWORD = "Tudou-2026-xyz"
TODAY = date.today()
YEAR = TODAY.year  # forms date their entries up to today


@pytest.fixture(scope="module")
def production_url(tmp_path_factory) -> str:
    if PG_URL:
        url = fresh_pg_database("guarantees")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('prod') / 'prod.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        deployment.settle_kind(session, deployment.DatabaseKind.production)
        load_units(session)
        unit = session.exec(select(Township).where(Township.code == "lailong")).one()
        for username, role, tid in (
            ("chen", Role.district_admin, None),
            ("zhou", Role.district_leader, None),
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
def prod_env(production_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", production_url)
    monkeypatch.setenv("COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    return production_url


def _unit(url) -> int:
    with session_scope(url) as session:
        return session.exec(select(Township.id).where(Township.code == "lailong")).one()


def _open(username, page, lang="zh"):
    at = signed_in(username, lang)
    at.query_params["year"] = str(YEAR)
    at.run()
    at.switch_page(page)
    at.run()
    no_exceptions(at)
    return at


def _deputies(url, *names) -> list[int]:
    with session_scope(url) as session:
        found = dict(session.exec(select(Deputy.name, Deputy.id)).all())
    return [found[n] for n in names]


def _t10(url, tid):
    with session_scope(url) as session:
        as_of = min(TODAY, date(YEAR, 12, 31))
        return checklist.checklist_status(session, YEAR, as_of, [tid]).unit(tid).task("T10")


CASES = [
    ("zhou", "pages/guarantees.py"),
    ("chen", "pages/guarantees.py"),
    ("wang", "pages/guarantees_entry.py"),
    ("chen", "pages/guarantees_entry.py"),
    ("chen", "pages/guarantees_admin.py"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("username", "page"), CASES)
def test_guarantees_screens_render_in_both_languages(prod_env, username, page, lang):
    at = _open(username, page, lang)
    assert bool(CJK.search(at.title[0].value)) == (lang == "zh")
    text = visible_text(at)
    assert not RAW_KEY.search(text), RAW_KEY.findall(text)
    if lang == "en":
        labels = " ".join(
            w.label for w in [*at.selectbox, *at.text_input, *at.date_input, *at.text_area]
        )
        assert not CJK.search(labels), labels


def test_with_nothing_recorded_the_leader_sees_nothing_met(prod_env):
    at = _open("zhou", "pages/guarantees.py")
    text = visible_text(at)
    assert "“三个一”：0 / 14 个单位全部具备" in text
    assert "尚无登记的开放家站点。" in text
    assert "本年度尚无一体化活动。" in text
    assert "本年度尚无审核通过的表彰。" in text


def test_a_clerk_records_an_activity_of_three_levels_and_t10_counts_it(prod_env):
    tid = _unit(prod_env)
    before = _t10(prod_env, tid).value
    at = _open("wang", "pages/guarantees_entry.py")
    at.text_input(key="g_act_title_0").set_value("五级代表进网格")
    # The township and the district deputy of the roster, and one national deputy from outside.
    at.multiselect(key="g_act_deputies_0").set_value(_deputies(prod_env, "张乡代表", "李区代表"))
    at.number_input(key="g_act_outside_national_0").set_value(1)
    at.button(key="g_act_submit").click()
    at.run()
    no_exceptions(at)
    assert "一体化活动已保存。" in visible_text(at)
    assert _t10(prod_env, tid).value == before + 1
    assert "✓ 计入 T10（年度主题、两个以上层级）" in visible_text(at)


def test_an_item_cannot_be_ticked_without_evidence_in_the_form(prod_env):
    tid = _unit(prod_env)
    at = _open("wang", "pages/guarantees_entry.py")
    # The register's picker starts on "new platform".
    at.text_input(key="g_reg_name_0").set_value("来龙镇人大代表之家")
    at.text_input(key="g_reg_hours_0").set_value("工作日 9:00-17:00")
    at.button(key="g_reg_submit").click()
    at.run()
    no_exceptions(at)
    with session_scope(prod_env) as session:
        (home,) = platforms.list_platforms(session, SYSTEM, tid)
    assert home.opening_hours == "工作日 9:00-17:00"
    at.checkbox(key=f"g_check_ok_{home.id}_place").check()
    at.button(key="g_check_submit").click()
    at.run()
    assert [e.value for e in at.error] == ["“place”勾选为达标时须有佐证（说明或文件）。"]
    at.text_input(key=f"g_check_note_{home.id}_place").set_value("镇便民服务中心二楼")
    at.button(key="g_check_submit").click()
    at.run()
    no_exceptions(at)
    with session_scope(prod_env) as session:
        check = platforms.platform_check(session, SYSTEM, home.id, YEAR)
    assert check["place"].ok and check["place"].evidence.text == "镇便民服务中心二楼"
    assert sum(c.ok for c in check.values()) == 1


def test_three_ones_half_filled_from_the_form(prod_env):
    tid = _unit(prod_env)
    at = _open("wang", "pages/guarantees_entry.py", "en")
    at.text_input(key="g_ones_department").set_value("人大办公室")
    at.text_area(key="g_ones_department_note").set_value("党委发文")
    at.text_input(key="g_ones_staff").set_value("王敏")  # no date since when
    at.button(key="g_ones_submit").click()
    at.run()
    no_exceptions(at)
    assert "The three ones were saved." in visible_text(at)
    with session_scope(prod_env) as session:
        ones = org.three_ones(session, SYSTEM, tid, YEAR)
    assert (ones.has_department, ones.has_fulltime_staff, ones.had) == (True, False, 1)


def test_a_proposal_approved_by_the_admin_becomes_a_deputy_story(prod_env):
    at = _open("wang", "pages/guarantees_entry.py")
    at.selectbox(key="g_com_deputy_0").set_value(_deputies(prod_env, "赵市代表")[0])
    at.text_input(key="g_com_title_0").set_value("优秀人大代表")
    at.text_area(key="g_com_story_0").set_value("带头化解邻里纠纷十余起。")
    at.button(key="g_com_submit").click()
    at.run()
    no_exceptions(at)
    assert "推荐已提交，待区人大审核。" in visible_text(at)
    with session_scope(prod_env) as session:
        (proposal,) = commendations.list_commendations(
            session, SYSTEM, YEAR, status=commendations.PROPOSED
        )
    admin = _open("chen", "pages/guarantees_admin.py")
    admin.button(key=f"g_review_ok_{proposal.id}").click()
    admin.run()
    no_exceptions(admin)
    leader = _open("zhou", "pages/guarantees.py")
    assert "代表风采：1 位受表彰代表" in visible_text(leader)
    assert "带头化解邻里纠纷十余起。" in [t.value for t in leader.get("text")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_presentation_shows_the_deputy_stories(prod_env, lang):
    tid = _unit(prod_env)
    with session_scope(prod_env) as session:
        cid = commendations.propose(
            session,
            SYSTEM,
            township_id=tid,
            year=YEAR,
            deputy_id=_deputies(prod_env, "李区代表")[0],
            title="履职之星",
            story="走访群众三百余户。",
        )
        commendations.review(session, SYSTEM, cid, approve=True, on=date(YEAR, 1, 1))
    at = _open("zhou", "pages/present.py", lang)
    at.session_state["presenting"] = {
        "interval": 300,
        "as_of": min(TODAY, date(YEAR, 12, 31)),
        "hide_names": False,
        "views": ["stories"],
        "started": 0.0,
    }
    at.run()
    no_exceptions(at)
    shown = visible_text(at)
    assert "走访群众三百余户。" in shown
    assert ("代表风采" if lang == "zh" else "Deputy stories") in shown
    assert "李区代表 · 履职之星" in shown  # the story's heading on its slide


def test_the_admin_sets_the_years_themes_as_a_new_audited_version(prod_env):
    with session_scope(prod_env) as session:
        before = rules.get_rules(session, YEAR)
    at = _open("chen", "pages/guarantees_admin.py")
    at.text_area(key="g_admin_themes").set_value("聚力乡村振兴 代表在行动\n代表助力基层治理")
    at.text_area(key="g_admin_v2").set_value("functions\nmechanism\ndesign\n有宣传栏")
    at.button(key="g_admin_rules_submit").click()
    at.run()
    no_exceptions(at)
    try:
        with session_scope(prod_env) as session:
            after = rules.get_rules(session, YEAR)
        assert after.themes == ["聚力乡村振兴 代表在行动", "代表助力基层治理"]
        assert after.platforms.items[-1] == "有宣传栏"  # an item named by the admin
        assert any("已保存为第" in s.value for s in at.success)
        # A duplicated item is refused and said where.
        at.text_area(key="g_admin_v2").set_value("design\ndesign")
        at.button(key="g_admin_rules_submit").click()
        at.run()
        assert [e.value for e in at.error] == ["规则未保存："]
    finally:
        with session_scope(prod_env) as session:
            rules.save_rules(session, SYSTEM, rules.to_content(before), note="restored")
