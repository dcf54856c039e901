"""The real login form in AppTest: success, a wrong password, the lockout after five, and one
message for every refusal so a stranger cannot tell which user names exist."""

from streamlit.testing.v1 import AppTest

from models.db import session_scope
from services import users
from tests.pages.apptest import APP, no_exceptions

PASSWORD = "Demo@2026"


def _form(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def _fresh() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    return at.run()


def test_the_form_signs_a_clerk_in(app_env):
    at = _fresh()
    no_exceptions(at)
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    _form(at, "clerk13", PASSWORD)
    at.run()  # the library reruns once after a login
    no_exceptions(at)
    assert len(at.text_input) == 0
    assert at.title[0].value == "本乡镇人大工作概况"


def test_a_wrong_password_is_refused_in_the_users_language(app_env):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["lang"] = "en"
    at.run()
    _form(at, "clerk13", "not-the-password-1")
    assert [e.value for e in at.error] == [
        "Wrong username or password. After 5 wrong tries in a row, wait 15 minutes before "
        "trying again."
    ]
    assert not at.title or at.title[0].value != "Our township at a glance"


REFUSED = "用户名或密码不正确。连续输错 5 次后须等 15 分钟才能再试。"


def test_five_failures_lock_even_the_right_password_out(app_env):
    at = _fresh()
    for _ in range(5):
        _form(at, "clerk14", "wrong-password-1")
        assert [e.value for e in at.error] == [REFUSED]
    at = _fresh()
    _form(at, "clerk14", PASSWORD)
    # Locked: the right password is refused with the same message.
    assert [e.value for e in at.error] == [REFUSED]
    assert len(at.text_input) == 2  # still on the login form


def test_an_unknown_name_and_a_locked_account_read_the_same(app_env):
    """What a stranger reads for a name that does not exist, try after try, is what they read
    for a real account that gets locked: the messages tell no names apart."""

    def messages(username: str, password: str) -> list[list[str]]:
        at = _fresh()
        seen = []
        for _ in range(6):
            _form(at, username, password)
            seen.append([e.value for e in at.error])
        return seen

    with session_scope(app_env) as session:
        assert users.get_actor(session, "clerk12") is not None
        assert users.get_actor(session, "no-such-clerk") is None
    unknown = messages("no-such-clerk", "wrong-password-1")
    real = messages("clerk12", "wrong-password-1")
    assert unknown == real == [[REFUSED]] * 6
    # And the real account is locked: its right password no longer signs in.
    at = _fresh()
    _form(at, "clerk12", PASSWORD)
    assert [e.value for e in at.error] == [REFUSED]
    assert len(at.text_input) == 2
