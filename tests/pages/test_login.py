"""The real login form in AppTest: success, a wrong password, and the lockout after five."""

from streamlit.testing.v1 import AppTest

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
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert not at.title or at.title[0].value != "Our township at a glance"


def test_five_failures_lock_even_the_right_password_out(app_env):
    at = _fresh()
    for _ in range(4):
        _form(at, "clerk14", "wrong-password-1")
        assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    _form(at, "clerk14", "wrong-password-1")
    locked = "连续输错密码次数过多，该用户名已锁定，请 15 分钟后再试。"
    assert [e.value for e in at.error] == [locked]
    at = _fresh()
    _form(at, "clerk14", PASSWORD)
    assert [e.value for e in at.error] == [locked]
    assert len(at.text_input) == 2  # still on the login form
