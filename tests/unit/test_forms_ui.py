"""Saving from a form: the message of a save, and the late second click of a double click.

Streamlit's runs are played here in the order a server plays them when a clerk double-clicks a
save button on a slow screen: the first click saves and reruns the screen; the second click
reaches the server while that rerun shows the message, cuts it short, and runs the screen again
with the button pressed."""

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from services.errors import ValidationError
from ui import forms


class Screen:
    """The parts of Streamlit the save helpers use, and what they put on the screen."""

    def __init__(self) -> None:
        self.session_state: dict = {}
        self.shown: list[tuple[str, str]] = []

    def rerun(self):
        raise RerunException(None)

    def success(self, text: str) -> None:
        self.shown.append(("success", text))

    def error(self, text: str) -> None:
        self.shown.append(("error", text))


@pytest.fixture
def screen(monkeypatch) -> Screen:
    fake = Screen()
    monkeypatch.setattr(
        forms,
        "st",
        SimpleNamespace(
            **{
                "session_state": fake.session_state,
                "rerun": fake.rerun,
                "success": fake.success,
                "error": fake.error,
            }
        ),
    )

    @contextmanager
    def no_database():
        yield SimpleNamespace(info={})  # a session whose commits raised no unit's stamp

    monkeypatch.setattr(forms, "session_scope", no_database)
    monkeypatch.setattr(forms, "error_text", lambda exc: exc.key)
    return fake


def run(screen: Screen, *, click: bool, stored: list, cut_short: bool = False) -> list:
    """One run of a screen with one form: the saved message on top, then the form's save
    (``click``: its button was pressed). Returns what the run showed; a run cut short by a
    rerun (a click that arrived meanwhile, or the save's own rerun) ends with "rerun"."""
    screen.shown = []
    try:
        with forms.screen_run():
            forms.show_saved()
            if cut_short:
                raise RerunException(None)
            if click:
                with forms.saving("已保存。"):
                    stored.append("会议")
    except RerunException:
        return [*screen.shown, "rerun"]
    return screen.shown


def test_a_double_click_that_arrives_late_saves_once_and_keeps_the_message(screen):
    stored: list = []
    assert run(screen, click=False, stored=stored) == []
    # The first click saves and reruns the screen.
    assert run(screen, click=True, stored=stored) == ["rerun"]
    assert stored == ["会议"]
    # The rerun shows the message; the second click reaches the server and cuts it short.
    assert run(screen, click=False, stored=stored, cut_short=True) == [
        ("success", "已保存。"),
        "rerun",
    ]
    # The second click's run: nothing saved again, no error, and the screen runs once more.
    assert run(screen, click=True, stored=stored) == [("success", "已保存。"), "rerun"]
    assert stored == ["会议"]
    # That run ends and shows the message; the next run shows it no more.
    assert run(screen, click=False, stored=stored) == [("success", "已保存。")]
    assert run(screen, click=False, stored=stored) == []
    # Once the screen has shown the save, a new click saves again.
    assert run(screen, click=True, stored=stored) == ["rerun"]
    assert stored == ["会议", "会议"]


def test_a_screen_that_stops_early_has_ended_its_run(screen):
    stored: list = []
    run(screen, click=True, stored=stored)
    screen.shown = []
    with pytest.raises(StopException), forms.screen_run():
        forms.show_saved()
        raise StopException()  # st.stop(), e.g. "no unit to work on"
    assert screen.shown == [("success", "已保存。")]
    # The stopped run counted: the message is gone and a click saves.
    assert run(screen, click=True, stored=stored) == ["rerun"]
    assert stored == ["会议", "会议"]


def test_a_refused_save_shows_why_and_saves_nothing(screen):
    shown = []
    with forms.screen_run():
        with forms.saving("已保存。"):
            raise ValidationError("error.required")
        shown = screen.shown
    assert shown == [("error", "error.required")]
    assert screen.session_state.get("_forms_saved", {}) == {}


def test_a_screen_run_on_its_own_shows_the_message_once(screen):
    # Outside the app's frame (a page file run by itself) no run is counted: the message shows
    # in the next run only, and nothing is held back.
    stored: list = []
    with pytest.raises(RerunException), forms.saving("已保存。"):
        stored.append("会议")
    forms.show_saved()
    forms.show_saved()
    assert screen.shown == [("success", "已保存。")]
    with pytest.raises(RerunException), forms.saving("已保存。"):
        stored.append("会议")
    assert stored == ["会议", "会议"]
