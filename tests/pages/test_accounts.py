"""Sign-in safety in the app: a session ended elsewhere ends the open tab, a temporary password
must be changed before anything else, the admin manages accounts, and a missing database shows
a message instead of a traceback (and is not created)."""

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import User
from models.db import session_scope
from models.enums import Role
from services import sessions, users
from services.permissions import SYSTEM
from tests.pages.apptest import APP, no_exceptions, page_as, signed_in, visible_text
from ui.i18n import t


def _make_user(username: str, *, must_change: bool = False) -> None:
    with session_scope() as session:
        if users.get_actor(session, username) is None:
            users.create_user(
                session,
                SYSTEM,
                username=username,
                display_name="测试领导",
                password="Start@2026x",
                role=Role.district_leader,
            )
        user = session.exec(select(User).where(User.username == username)).one()
        user.must_change_password = must_change
        session.add(user)
        session.commit()


def test_a_logout_elsewhere_ends_the_open_tab(app_env):
    _make_user("leader_tab")
    at = signed_in("leader_tab").run()
    no_exceptions(at)
    assert at.title[0].value == t("overview.title", "zh")
    with session_scope() as session:
        sessions.sign_out(session, users.get_actor(session, "leader_tab"))
    at.run()
    no_exceptions(at)
    assert t("auth.session_ended", "zh") in [w.value for w in at.warning]
    assert [i.label for i in at.text_input] == ["用户名", "密码"]


def test_a_temporary_password_is_changed_before_anything_else(app_env):
    _make_user("leader_new", must_change=True)
    at = signed_in("leader_new").run()
    no_exceptions(at)
    assert at.title[0].value == t("account.must_change_title", "zh")
    assert t("overview.title", "zh") not in visible_text(at)
    at.text_input(key="pw_current").input("Start@2026x")
    at.text_input(key="pw_new").input("Mine@2026x")
    at.text_input(key="pw_again").input("Mine@2027x")
    at.button[0].click().run()
    assert t("account.passwords_differ", "zh") in [e.value for e in at.error]
    at.text_input(key="pw_current").input("Start@2026x")
    at.text_input(key="pw_new").input("Mine@2026x")
    at.text_input(key="pw_again").input("Mine@2026x")
    at.button[0].click().run()
    no_exceptions(at)
    assert at.title[0].value == t("overview.title", "zh")
    with session_scope() as session:
        assert sessions.attempt_login(session, "leader_new", "Mine@2026x").ok


def test_the_admin_creates_an_account_on_the_accounts_screen(app_env):
    at = signed_in("admin", "en").run()
    at.switch_page("pages/admin_users.py").run()
    no_exceptions(at)
    assert at.title[0].value == "Accounts"
    at.text_input(key="new_username").input("wangxm")
    at.text_input(key="new_display_name").input("王小明")
    at.selectbox(key="new_role").set_value(Role.district_leader)
    at.text_input(key="new_password").input("short")
    at.button(key="FormSubmitter:add_user-Create").click().run()
    assert "The password needs at least 8 characters." in [e.value for e in at.error]
    # A refusal keeps what was typed.
    assert at.text_input(key="new_username").value == "wangxm"
    assert at.text_input(key="new_display_name").value == "王小明"
    at.text_input(key="new_password").input("Temp@2026x")
    at.button(key="FormSubmitter:add_user-Create").click().run()
    no_exceptions(at)
    assert "Account created." in [s.value for s in at.success]
    # The saved form is empty: a second click creates nothing and refuses in words.
    assert at.text_input(key="new_username").value == ""
    with session_scope() as session:
        assert users.get_actor(session, "wangxm").display_name == "王小明"


def test_every_role_opens_its_own_account(app_env):
    for username in ("admin", "leader", "clerk05"):
        at = signed_in(username).run()
        at.switch_page("pages/account.py").run()
        no_exceptions(at)
        assert at.title[0].value == t("account.title", "zh")


def test_a_missing_database_shows_a_message_and_is_not_created(app_env, monkeypatch, tmp_path):
    missing = tmp_path / "gone" / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["_session_token"] = "any"
    at.run()
    assert not at.exception
    assert any("暂时无法连接数据库" in e.value for e in at.error)
    assert not missing.exists()


def test_the_admin_closes_a_year_and_every_screen_says_so(private_db):
    at = page_as("admin_years.py", "admin", "en").run()
    no_exceptions(at)
    assert at.title[0].value == "Closed years"
    at.button(key="FormSubmitter:years_close_form-Close 2026").click().run()
    no_exceptions(at)
    assert "2026 is closed." in [s.value for s in at.success]
    at = signed_in("admin", "en").run()
    no_exceptions(at)
    assert any("2026 was closed on" in i.value for i in at.info)


def test_a_unit_edit_is_confirmed_after_the_screen_refreshes_and_a_refusal_stays(app_env):
    """Saving the edit form of a unit (names unchanged: the shared demo data stay as they are)
    shows the saved message on the refreshed screen; an empty Chinese name is refused in place."""
    at = signed_in("admin").run()
    at.switch_page("pages/admin_units.py").run()
    no_exceptions(at)
    chosen = at.selectbox(key="edit_unit_choice").value
    save = f"FormSubmitter:edit_unit_{chosen}-{t('common.save', 'zh')}"

    def name_zh_field():
        return [w for w in at.text_input if w.label == t("units.col.name_zh", "zh")][-1]

    at.button(key=save).click().run()
    no_exceptions(at)
    assert [s.value for s in at.success] == [t("common.saved", "zh")]

    at.run()  # the message is shown once
    assert not at.success
    name_zh_field().input("")
    at.button(key=save).click().run()
    assert not at.success
    assert len(at.error) == 1


def test_each_run_checks_the_session_once_and_reads_the_data_version_once(app_env):
    """The frame checks the tab's session against the database and reads the data version; the
    screen it draws in the same run uses both instead of asking again. A screen run by itself
    (outside the frame) still checks the session on its own."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def statement(_conn, _cursor, sql, *_args) -> None:
        seen.append(sql)

    def counts() -> tuple[int, int]:
        sessions_checked = sum("FROM user_session" in s for s in seen)
        versions = sum("max(auditlog.id)" in s for s in seen)
        return sessions_checked, versions

    for username in ("leader", "clerk01"):
        at = signed_in(username)
        event.listen(Engine, "before_cursor_execute", statement)
        try:
            seen.clear()
            at.run()  # the frame, and the landing screen drawn in it
            no_exceptions(at)
            assert counts() == (1, 1), username
        finally:
            event.remove(Engine, "before_cursor_execute", statement)

    # The account screen's file run by itself: its own check of the session.
    alone = page_as("account.py", "leader")
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        seen.clear()
        alone.run()
        no_exceptions(alone)
        assert counts()[0] == 1
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
