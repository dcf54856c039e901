"""The documents screen: a clerk makes their unit's notices and records one as issued; district
roles make the district's reports; both languages."""

import pytest
from sqlmodel import select

from manage import migrate
from models import Township
from models.db import session_scope
from models.enums import Role, UnitType
from services import contact_days, evidence, rules, users
from services.documents import issue
from services.permissions import SYSTEM, Actor
from tests.conftest import PG_URL
from tests.pages.apptest import DEMO_YEAR, no_exceptions, signed_in, visible_text

PAGE = "pages/documents.py"


def _open(username: str, lang: str = "zh"):
    at = signed_in(username, lang)
    at.run()
    at.switch_page(PAGE)
    at.run()
    no_exceptions(at)
    return at


def _downloads(at) -> list:
    return at.get("download_button")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_clerk_is_offered_their_units_two_notices(app_env, lang):
    at = _open("clerk01", lang)
    kinds = at.radio(key=f"documents_kind_{lang}")
    assert [str(o) for o in kinds.options] == [
        "Notice on the presidium's work" if lang == "en" else "主席团工作情况通报",
        "Notice on the deputies' performance" if lang == "en" else "代表履职情况通报",
    ]
    at.button(key="documents_make").click().run()
    no_exceptions(at)
    assert len(_downloads(at)) == 1
    text = visible_text(at)
    assert ("Record as issued" if lang == "en" else "记录为已印发") in text


def test_a_leader_makes_the_briefing_and_cannot_record_notices(app_env):
    at = _open("leader")
    kinds = at.radio(key="documents_kind_zh")
    assert len(kinds.options) == 4
    kinds.set_value(kinds.options[3]).run()
    at.button(key="documents_make").click().run()
    no_exceptions(at)
    assert len(_downloads(at)) == 1
    assert "记录为已印发" not in visible_text(at)


@pytest.fixture
def small_env(tmp_path, monkeypatch):
    """A database of its own (the issued notice is a write): one town and its clerk."""
    if PG_URL:
        from tests.conftest import fresh_pg_database

        url = fresh_pg_database("documents_page")
    else:
        url = f"sqlite:///{tmp_path / 'small.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        unit = Township(code="jia", name_zh="甲镇", name_en="Jia", unit_type=UnitType.town)
        session.add(unit)
        session.commit()
        users.create_user(
            session,
            SYSTEM,
            username="jia_clerk",
            display_name="甲镇干事",
            password="Demo@2026-long",
            role=Role.township_staff,
            township_id=unit.id,
        )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "uploads"))
    return url


def test_a_clerk_records_a_notice_as_issued_in_one_step(small_env):
    at = _open("jia_clerk")
    at.button(key="documents_make").click().run()
    no_exceptions(at)
    made = at.session_state["documents_output"][3]
    at.button(key="FormSubmitter:documents_issue_form-记录印发").click().run()
    no_exceptions(at)
    assert "已记录" in visible_text(at)
    with session_scope(small_env) as session:
        unit = session.exec(select(Township)).one()
        clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=unit.id)
        notes = contact_days.notifications_frame(session, clerk, unit.id, DEMO_YEAR)
        issued = issue.issued_documents(session, clerk, unit.id, DEMO_YEAR)
    assert notes["kind"].tolist() == ["presidium_work"]
    assert notes["title"].tolist() == [made.document.title]
    # Without an upload, the file just made is the evidence kept.
    assert evidence.open_file(issued["evidence"].iloc[0]).data == made.data
    # The screen lists the notice recorded.
    (table,) = at.dataframe
    assert table.value["通报标题"].tolist() == [made.document.title]
