"""Double-linkage screens on the demo database: every role and language, masking, and forms.

Writes go only into 关庙镇 (clerk04) and are checked as before/after differences.
"""

import re
from datetime import date

import pytest
from sqlmodel import func, select

from models import AuditLog, ContactDay, Notification, Visit
from models.db import session_scope
from models.enums import NotificationKind
from services import linkage
from services.users import get_actor
from tests.pages.apptest import DEMO_YEAR, no_exceptions, signed_in, visible_text
from ui.format import percent
from ui.i18n import t
from ui.layout import as_of_for

COVERAGE = "pages/linkage_coverage.py"
ROSTERS = "pages/linkage_rosters.py"
CONTACT = "pages/contact_days.py"
CASES = [
    (user, page, lang)
    for user, page in [
        ("admin", COVERAGE),
        ("leader", COVERAGE),
        ("clerk04", COVERAGE),
        ("clerk10", COVERAGE),
        ("admin", ROSTERS),
        ("clerk04", ROSTERS),
        ("clerk10", ROSTERS),
        ("admin", CONTACT),
        ("clerk10", CONTACT),
    ]
    for lang in ("zh", "en")
]
MASKED = re.compile(r"^\d{3}\*{4}\d{4}$")
FULL = re.compile(r"^\d{11}$")


def _open(username: str, page: str, lang: str = "zh"):
    at = signed_in(username, lang)
    at.run()
    at.switch_page(page)
    at.run()
    no_exceptions(at)
    return at


def _gap_table(at, lang="zh"):
    """The gap list: the table with a gap column (AppTest does not expose a table's key)."""
    return next(el.value for el in at.dataframe if t("linkage.col.gap", lang) in el.value.columns)


@pytest.mark.parametrize(("username", "screen", "lang"), CASES)
def test_page_renders(app_env, username, screen, lang):
    at = _open(username, screen, lang)
    title = at.title[0].value
    assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), title
    text = visible_text(at)
    assert not re.search(r"\[(linkage|imports)\.[a-z_.]+\]", text), text
    for frame in at.dataframe:
        assert not any(str(c).startswith("[") for c in frame.value.columns), frame.value.columns


def test_the_district_sees_every_unit_with_masked_phones(app_env):
    at = _open("leader", COVERAGE)
    # Two coverage charts, the month × unit heatmap and the trend line.
    assert len(at.get("vega_lite_chart")) == 4
    gaps = _gap_table(at)
    units = set(gaps[t("linkage.col.township", "zh")])
    assert len(units) > 3
    phones = [p for p in gaps[t("linkage.col.phone", "zh")] if p]
    assert phones and all(MASKED.match(p) for p in phones), phones[:5]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("linkage.metric.deputies", "zh", n=10)].endswith("%")
    # The year's participation: everyone who took part over everyone expected, in every month
    # due, a month without a contact day counting with nobody.
    with session_scope() as session:
        leader = get_actor(session, "leader")
        part = linkage.contact_participation(
            session, leader, year=DEMO_YEAR, as_of=as_of_for(DEMO_YEAR)
        )
    missed = part[~part["held"]]
    assert not missed.empty and (missed["participants"] == 0).all()
    share = part["participants"].sum() / part["expected"].sum()
    label = t("linkage.metric.participation", "zh", year=DEMO_YEAR)
    assert metrics[label] == percent(share, "zh")


def test_a_clerk_sees_their_unit_with_full_phones(app_env):
    at = _open("clerk04", COVERAGE)
    gaps = _gap_table(at)
    assert set(gaps[t("linkage.col.township", "zh")]) == {"关庙镇"}
    phones = [p for p in gaps[t("linkage.col.phone", "zh")] if p]
    assert phones and all(FULL.match(p) for p in phones)
    assert len(at.get("vega_lite_chart")) == 4


def test_a_sub_district_has_no_presidium_half(app_env):
    at = _open("clerk10", COVERAGE, "en")
    assert len(at.get("vega_lite_chart")) == 3
    assert t("linkage.coverage.presidium_na", "en") in [i.value for i in at.info]
    assert t("linkage.metric.presidium", "en", n=5) not in [m.label for m in at.metric]


@pytest.mark.parametrize("screen", [ROSTERS, CONTACT])
def test_leaders_have_no_entry_screens(app_env, screen):
    at = signed_in("leader")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(screen)


def test_the_admin_picks_a_unit_for_the_rosters(app_env):
    at = _open("admin", ROSTERS)
    with session_scope(app_env) as session:
        yuxin = get_actor(session, "clerk10").township_id
    at.selectbox(key="linkage_roster_unit_zh").set_value(yuxin).run()
    no_exceptions(at)
    text = visible_text(at)
    assert "豫新" in " ".join(str(o) for o in at.selectbox(key="linkage_roster_unit_zh").options)
    assert t("linkage.rosters.title", "zh") in text


def test_saving_roster_tables_without_edits_says_nothing_changed(app_env):
    with session_scope(app_env) as session:
        audits = session.exec(select(func.count(AuditLog.id))).one()
    at = _open("clerk04", ROSTERS)
    for key in ("linkage_dep_save", "linkage_voter_save"):
        at.button(key=key).click().run()
        no_exceptions(at)
        assert [s.value for s in at.success] == [t("linkage.rosters.saved_none", "zh")]
    with session_scope(app_env) as session:
        assert session.exec(select(func.count(AuditLog.id))).one() == audits


def _count(url, model, township_id) -> int:
    with session_scope(url) as session:
        return session.exec(
            select(func.count(model.id)).where(model.township_id == township_id)
        ).one()


def _submit(at, form_id: str):
    button = next(b for b in at.button if b.form_id == form_id)
    button.click().run()
    no_exceptions(at)


def test_a_clerk_records_a_contact_day_and_a_duplicate_is_refused(app_env):
    with session_scope(app_env) as session:
        unit = get_actor(session, "clerk04").township_id
    before = _count(app_env, ContactDay, unit)

    at = _open("clerk04", CONTACT)
    at.date_input(key="linkage_contact_date").set_value(date(2026, 11, 3))
    at.checkbox(key="linkage_contact_everyone").check()
    at.number_input(key="linkage_contact_voters").set_value(40)
    at.number_input(key="linkage_contact_opinions_count").set_value(2)
    at.text_area(key="linkage_contact_opinions").input("路灯损坏\n<b>不是标记</b>")
    _submit(at, "linkage_contact_form")
    # The markup in an opinion is refused with a message and nothing is written.
    assert [e.value for e in at.error] == ["选民意见：" + t("error.markup", "zh")]
    assert _count(app_env, ContactDay, unit) == before

    at.text_area(key="linkage_contact_opinions").input("路灯损坏\n河道淤塞")
    _submit(at, "linkage_contact_form")
    # 3 Nov is not the contact day: the form says so before saving, and the clerk decides.
    assert _count(app_env, ContactDay, unit) == before
    assert any("不是规则允许的联系选民日" in w.value for w in at.warning)
    at.checkbox(key="linkage_contact_form_confirm").check()
    _submit(at, "linkage_contact_form")
    assert _count(app_env, ContactDay, unit) == before + 1
    assert any("11月3日" in s.value for s in at.success), [s.value for s in at.success]

    # The form is empty after the save; the same day typed again is refused.
    assert at.checkbox(key="linkage_contact_everyone").value is False
    at.date_input(key="linkage_contact_date").set_value(date(2026, 11, 3))
    at.checkbox(key="linkage_contact_everyone").check()
    _submit(at, "linkage_contact_form")
    assert [e.value for e in at.error] == [
        t("linkage.error.contact_day_exists", "zh", day=date(2026, 11, 3))
    ]
    assert _count(app_env, ContactDay, unit) == before + 1


def test_a_clerk_records_a_visit_and_a_notification(app_env):
    with session_scope(app_env) as session:
        unit = get_actor(session, "clerk04").township_id
    visits, notes = _count(app_env, Visit, unit), _count(app_env, Notification, unit)

    at = _open("clerk04", CONTACT)
    at.number_input(key="linkage_visit_people").set_value(6)
    at.text_input(key="linkage_visit_note").input("走访困难群众")
    _submit(at, "linkage_visit_form")
    assert _count(app_env, Visit, unit) == visits + 1

    _submit(at, "linkage_notice_form")  # no title
    assert [e.value for e in at.error] == ["名称：" + t("error.required", "zh")]
    at.text_input(key="linkage_notice_title").input("代表履职情况通报")
    at.radio(key="linkage_notice_kind_zh").set_value(NotificationKind.deputy_performance)
    _submit(at, "linkage_notice_form")
    assert _count(app_env, Notification, unit) == notes + 1
