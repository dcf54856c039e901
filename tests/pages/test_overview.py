"""Overview, scorecard, presentation and the appraisal rules in AppTest."""

from datetime import date

import pytest
import streamlit as st
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from models import RuleSet, SupervisionActivity, Township
from models.db import session_scope
from models.enums import Role
from services import clock, overview, rules, supervision
from services.permissions import Actor
from services.settings import refresh_seconds
from tests.pages.apptest import APP, DEMO_AS_OF, DEMO_YEAR, no_exceptions, page_as, signed_in
from ui.format import points_delta
from ui.i18n import t

PAGES = APP.parent / "pages"


def _leader() -> Actor:
    return Actor(id=None, username="leader", role=Role.district_leader)


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_leader_lands_on_the_overview(app_env, lang):
    at = signed_in("leader", lang)
    at.run()
    no_exceptions(at)
    assert at.title[0].value == {"zh": "全区工作总览", "en": "District overview"}[lang]
    assert len(at.metric) == 6
    assert len(at.get("vega_lite_chart")) == 2  # the ranking and the heatmap
    alerts = [a.value for a in at.warning] + [a.value for a in at.info]
    assert any(("联系选民日" if lang == "zh" else "contact day") in a for a in alerts), alerts


def _open_item(title: str) -> None:
    """A clerk of 井头乡 opens a supervision item, as if from another browser."""
    with session_scope() as session:
        tid = session.exec(select(Township.id).where(Township.code == "jingtou")).one()
        activity = session.exec(
            select(SupervisionActivity.id).where(SupervisionActivity.township_id == tid)
        ).first()
        clerk = Actor(id=None, username="clerk14", role=Role.township_staff, township_id=tid)
        supervision.open_item(
            session,
            clerk,
            township_id=tid,
            title=title,
            opened_on=date(DEMO_YEAR, 11, 1),
            activity_id=activity,
            responsible_unit="镇建设办",
            today=date(DEMO_YEAR, 11, 27),
        )


def test_the_live_refresh_shows_a_record_entered_between_two_refreshes(app_env, monkeypatch):
    # The overview's figures sit in a fragment that Streamlit reruns on a timer of the configured
    # number of seconds; AppTest has no clock, so the test records the timer and then does what
    # it does: run the page again.
    timers = []
    real_fragment = st.fragment

    def recording_fragment(func=None, *, run_every=None):
        timers.append(run_every)
        return real_fragment(func, run_every=run_every)

    monkeypatch.setattr(st, "fragment", recording_fragment)
    at = signed_in("leader")
    at.run()
    assert timers == [refresh_seconds()]
    before = int(_metric(at, "在办监督事项"))
    _open_item("实时刷新检验：背街小巷路灯维修")
    at.run()  # what the fragment's timer does on a wall screen
    no_exceptions(at)
    assert int(_metric(at, "在办监督事项")) == before + 1


def test_the_scorecard_explains_every_point(app_env):
    at = signed_in("clerk05")  # 新庄镇, a lagging town
    at.run()
    at.switch_page("pages/scorecard.py")
    at.run()
    no_exceptions(at)
    assert len(at.metric) == 4
    lines = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any(line.startswith("- T02") and "→" in line for line in lines), lines
    assert len(at.get("vega_lite_chart")) == 1


def _slide(at: AppTest) -> str:
    """The slide on screen: the SVG markup of the presentation's one markdown element."""
    return next(m.value for m in at.markdown if 'class="deck-slide"' in m.value)


def test_presentation_mode_starts_frozen_and_hides_names(app_env):
    at = signed_in("leader")
    at.run()
    at.switch_page("pages/present.py")
    at.run()
    no_exceptions(at)
    at.date_input(key="present_as_of").set_value(date(DEMO_YEAR, 11, 27))
    at.multiselect[0].set_value(["headline"])  # one view, so the clock cannot move past it
    at.button(key="present_start").click()
    at.run()
    no_exceptions(at)
    state = at.session_state["presenting"]
    assert state["as_of"] == date(DEMO_YEAR, 11, 27) and state["hide_names"] is True
    slide = _slide(at)
    assert "2026年" in slide and "11月27日" in slide and "在办监督事项" in slide
    shown = state["held"]["figures"].headline.open_items
    assert f">{shown}<" in slide
    # An entry made during the meeting does not move what is on the screen.
    _open_item("会中录入检验：农贸市场秩序整治")
    at.run()
    no_exceptions(at)
    assert _slide(at) == slide
    with session_scope() as session:
        now = overview.headline(session, _leader(), year=DEMO_YEAR, as_of=date(DEMO_YEAR, 11, 27))
    assert now.open_items == shown + 1


def _rules_page() -> AppTest:
    return page_as("appraisal_rules.py", "admin").run()


def test_the_admin_changes_a_weight_and_the_task_weights_follow(private_db):
    at = _rules_page()
    no_exceptions(at)
    at.number_input(key="appraisal_weight_checklist").set_value(50.0)
    at.number_input(key="appraisal_weight_platforms").set_value(20.0)
    at.button[0].click()
    at.run()
    no_exceptions(at)
    with session_scope() as session:
        saved = rules.get_rules(session, DEMO_YEAR)
    assert saved.appraisal.weights.checklist == 50 and saved.appraisal.weights.platforms == 20
    assert [t.weight for t in saved.checklist.tasks] == [5.0] * 10


def test_a_bad_threshold_is_refused_by_field_and_nothing_is_saved(private_db):
    at = _rules_page()
    at.number_input(key="appraisal_grade_good").set_value(95.0)  # above "excellent" (90)
    at.button[0].click()
    at.run()
    no_exceptions(at)
    assert at.error[0].value == "规则未保存，请修改以下问题："
    table = at.dataframe[-1].value  # the problems, below the adjustments editor
    assert t("appraisal_rules.grades", "zh") in list(table.iloc[:, 0])
    with session_scope() as session:
        assert (
            session.exec(select(func.count(RuleSet.id)).where(RuleSet.year == DEMO_YEAR)).one() == 1
        )


def test_an_equal_score_shows_no_arrow(private_db, monkeypatch):
    # A new district's database: its units, no record yet, so every unit scores the median.
    from manage import main

    monkeypatch.setenv(clock.ENV, DEMO_AS_OF.isoformat())
    main(["load-units"])
    at = page_as("scorecard.py", "admin", "zh", private_db).run()
    no_exceptions(at)
    total = at.metric[0]
    assert (total.value, total.delta) == ("0.0", "±0.0")
    assert total.proto.direction == total.proto.MetricDirection.NONE
    assert total.proto.color == total.proto.MetricColor.GRAY


def test_a_score_above_the_median_points_up():
    assert points_delta(2.349) == {"delta": "+2.3"}
    assert points_delta(-0.04) == {"delta": "±0.0", "delta_color": "off", "delta_arrow": "off"}
    assert points_delta(-0.06) == {"delta": "-0.1"}
