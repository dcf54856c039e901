"""The floor of a page: the same Streamlit calls with the same arguments, from precomputed data.

``record`` runs a page once while every public ``DeltaGenerator`` method (``st.metric``,
``st.altair_chart``, ``col.dataframe``, ``with st.sidebar:`` …) logs its target, its arguments
(deep-copied before the call) and the containers it returns. ``floor_app.py`` replays that log
through Streamlit: it draws what the page drew — marshalling the same frames to Arrow and the same
Altair charts to Vega-Lite, registering the same widgets — without touching the database or a
service. Its time is what Streamlit itself costs for that page.

``st.set_page_config``, ``st.navigation`` (the menu is drawn, the page it returns is not run
again) and custom components (the login cookie of streamlit-authenticator) are logged too. Only
calls made by the app (depth 0) are logged: what Streamlit does inside ``st.write`` or
``st.altair_chart`` is part of replaying that call.
"""

import copy
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.components.v1.custom_component import CustomComponent
from streamlit.delta_generator import DeltaGenerator


@dataclass
class Call:
    # "st", "component" (args[0] is the component), a root ("main", "sidebar", …) or the
    # index of a container made earlier
    target: str | int
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    result: Any = None  # a container index, a list of them, or None


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    unknown_targets: int = 0  # calls on containers the log never saw made (not replayed)


def _roots() -> dict[str, DeltaGenerator]:
    return {"main": st._main, "sidebar": st.sidebar, "event": st._event}


def _copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:
        return value  # callbacks and the like are replayed by reference


class _Recorder:
    def __init__(self) -> None:
        self.recording = Recording()
        self.depth = 0
        self.refs: dict[int, str | int] = {id(dg): name for name, dg in _roots().items()}
        self.alive: list[Any] = []  # keeps recorded containers alive, so their ids stay unique
        self.made = 0

    def ref(self, dg: Any) -> str | int | None:
        return self.refs.get(id(dg))

    def register(self, result: Any) -> Any:
        if isinstance(result, DeltaGenerator):
            index = self.made
            self.made += 1
            self.refs[id(result)] = index
            self.alive.append(result)
            return index
        if isinstance(result, list | tuple) and any(isinstance(r, DeltaGenerator) for r in result):
            return [self.register(r) for r in result]
        return None


_ACTIVE: _Recorder | None = None


def _wrap(name: str, method):
    @functools.wraps(method)
    def logged(self, *args, **kwargs):
        recorder = _ACTIVE
        if recorder is None or recorder.depth:
            return method(self, *args, **kwargs)
        target = recorder.ref(self)
        call = Call(target, name, _copy(args), _copy(kwargs)) if target is not None else None
        recorder.depth += 1
        try:
            result = method(self, *args, **kwargs)
        finally:
            recorder.depth -= 1
        if call is None:
            recorder.recording.unknown_targets += 1
        else:
            call.result = recorder.register(result)
            recorder.recording.calls.append(call)
        return result

    return logged


def _enter_exit(name: str, method):
    @functools.wraps(method)
    def logged(self, *args):
        recorder = _ACTIVE
        if recorder is not None and not recorder.depth:
            target = recorder.ref(self)
            if target is None:
                recorder.recording.unknown_targets += 1
            else:
                recorder.recording.calls.append(Call(target, name))
        return method(self, *args)

    return logged


# Module-level commands that draw and are not DeltaGenerator methods.
_COMMANDS = ("set_page_config", "navigation")


def _command(name: str, function):
    @functools.wraps(function)
    def logged(*args, **kwargs):
        recorder = _ACTIVE
        if recorder is None or recorder.depth:
            return function(*args, **kwargs)
        call = Call("st", name, _copy(args), _copy(kwargs))
        recorder.depth += 1
        try:
            result = function(*args, **kwargs)
        finally:
            recorder.depth -= 1
        recorder.recording.calls.append(call)
        return result

    return logged


def _component(method):
    @functools.wraps(method)
    def logged(self, *args, **kwargs):
        recorder = _ACTIVE
        if recorder is None or recorder.depth:
            return method(self, *args, **kwargs)
        call = Call("component", "create_instance", (self, *_copy(args)), _copy(kwargs))
        recorder.depth += 1
        try:
            result = method(self, *args, **kwargs)
        finally:
            recorder.depth -= 1
        recorder.recording.calls.append(call)
        return result

    return logged


def _public_methods() -> list[str]:
    return [
        n
        for n in dir(DeltaGenerator)
        if not n.startswith("_") and inspect.isfunction(inspect.getattr_static(DeltaGenerator, n))
    ]


def record(run) -> Recording:
    """Call ``run()`` (which runs an app) while logging its Streamlit calls."""
    global _ACTIVE
    saved_class = {n: inspect.getattr_static(DeltaGenerator, n) for n in _public_methods()}
    saved_class["__enter__"] = DeltaGenerator.__enter__
    saved_class["__exit__"] = DeltaGenerator.__exit__
    # ``st.metric`` and friends are methods bound to the main container at import time.
    saved_module = {
        n: getattr(st, n)
        for n in dir(st)
        if inspect.ismethod(getattr(st, n, None))
        and isinstance(getattr(st, n).__self__, DeltaGenerator)
    }
    saved_commands = {n: getattr(st, n) for n in _COMMANDS}
    saved_component = CustomComponent.create_instance
    for n, method in saved_class.items():
        wrapper = _enter_exit if n in ("__enter__", "__exit__") else _wrap
        setattr(DeltaGenerator, n, wrapper(n, method))
    for n, bound in saved_module.items():
        setattr(st, n, getattr(bound.__self__, n))
    for n, function in saved_commands.items():
        setattr(st, n, _command(n, function))
    CustomComponent.create_instance = _component(saved_component)
    _ACTIVE = _Recorder()
    try:
        run()
        return _ACTIVE.recording
    finally:
        _ACTIVE = None
        for n, method in saved_class.items():
            setattr(DeltaGenerator, n, method)
        for n, bound in saved_module.items():
            setattr(st, n, bound)
        for n, function in saved_commands.items():
            setattr(st, n, function)
        CustomComponent.create_instance = saved_component


# The recording ``floor_app.py`` replays; set by the benchmark before it runs the floor app in
# this same process (AppTest runs the script in a thread of the calling process).
CURRENT: Recording | None = None


def replay(recording: Recording | None = None) -> None:
    """Make the recorded calls again, in order, on the same kinds of containers."""
    recording = recording or CURRENT
    if recording is None:
        raise RuntimeError("no recording to replay")
    made: dict[str | int, Any] = dict(_roots())

    def bind(ref: Any, value: Any) -> None:
        if isinstance(ref, int):
            made[ref] = value
        elif isinstance(ref, list):
            for r, v in zip(ref, value, strict=True):
                bind(r, v)

    for call in recording.calls:
        if call.target == "st":
            getattr(st, call.name)(*call.args, **call.kwargs)
            continue
        if call.target == "component":
            component, *args = call.args
            component.create_instance(*args, **call.kwargs)
            continue
        dg = made[call.target]
        if call.name == "__enter__":
            dg.__enter__()
        elif call.name == "__exit__":
            dg.__exit__(None, None, None)
        else:
            bind(call.result, getattr(dg, call.name)(*call.args, **call.kwargs))
