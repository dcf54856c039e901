"""A save and a click that reaches the server while it runs, in a real Streamlit runner."""

from streamlit.testing.v1 import AppTest


def _screen():
    import threading

    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    from ui import forms

    forms.show_saved()
    st.session_state.setdefault("saves", 0)
    if st.button("保存"):
        with forms.saving("已保存。"):
            st.session_state["saves"] += 1  # the service's commit
            # A click from the browser reaches the server (another thread) during the save.
            requests = get_script_run_ctx().script_requests
            click = threading.Thread(target=requests.request_rerun, args=(RerunData(),))
            click.start()
            click.join()
            # Reading the session state is a step at which Streamlit takes that click.
            st.session_state["told"] = st.session_state["saves"]
    st.write(f"已保存 {st.session_state['saves']} 次")


def test_a_click_during_a_save_waits_until_the_save_has_said_what_it_saved():
    at = AppTest.from_function(_screen, default_timeout=30)
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["saves"] == 1
    # The save's own bookkeeping ran after the click had arrived, and its message shows.
    assert at.session_state["told"] == 1
    assert [s.value for s in at.success] == ["已保存。"]
    assert "已保存 1 次" in [m.value for m in at.markdown]
