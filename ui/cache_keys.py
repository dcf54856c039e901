"""How the screens' cached reads are kept: one answer per arguments for the whole process, the
data version among the arguments, so a write anywhere makes the next read fresh.

``shared`` keeps the answer itself, read by every viewer and never changed (the large tables of
a province: a copy per viewer would cost more than drawing them); ``copied`` gives each caller
a copy of its own (kept pickled, as ``st.cache_data`` does), for answers a screen may change.
Both look the arguments up by Python's own hash, a microsecond: Streamlit's caches inspect the
function's signature and digest every argument on every call, about a tenth of a millisecond
each, and a screen makes ten to twenty such calls per run. The arguments are plain values (the
data version, an ``Actor``, a year, a day, a language, a choice on the screen).
"""

import functools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


# Every cache of the screens, so that all can be forgotten at once (``forget_all``).
_ALL: list["Answers"] = []


class Answers:
    """Up to ``size`` answers by key, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        # Computed outside the lock: two viewers asking at once may both compute, and keep one.
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer

    def cache_clear(self) -> None:
        with self._lock:
            self._answers.clear()


class Kept(Generic[P, R]):
    """``function`` with up to ``size`` answers kept (``Answers``), shared or ``copy``-ed."""

    def __init__(self, function: Callable[P, R], size: int, *, copy: bool) -> None:
        functools.update_wrapper(self, function)
        self._function = function
        self._copy = copy
        self._answers = Answers(size)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        # With each argument's type: 1, 1.0 and True are equal to Python, not to the screens.
        key = (
            tuple((type(a), a) for a in args),
            tuple((name, type(a), a) for name, a in sorted(kwargs.items())),
        )
        if not self._copy:
            return self._answers.get(key, lambda: self._function(*args, **kwargs))
        fresh: list[R] = []

        def compute() -> bytes:
            fresh.append(self._function(*args, **kwargs))
            return pickle.dumps(fresh[0], protocol=pickle.HIGHEST_PROTOCOL)

        kept = self._answers.get(key, compute)
        # The caller that computed the answer takes it as it is; every other caller a copy.
        return fresh[0] if fresh else pickle.loads(kept)

    def cache_clear(self) -> None:
        self._answers.cache_clear()


def shared(max_entries: int) -> Callable[[Callable[P, R]], Kept[P, R]]:
    """Keep up to ``max_entries`` answers, each shared by every caller (read, never changed)."""
    return lambda function: Kept(function, max_entries, copy=False)


def copied(max_entries: int) -> Callable[[Callable[P, R]], Kept[P, R]]:
    """Keep up to ``max_entries`` answers, each caller getting a copy of its own."""
    return lambda function: Kept(function, max_entries, copy=True)


def forget_all() -> None:
    """Forget every kept answer of the screens: the next read of each is fresh."""
    for cache in _ALL:
        cache.cache_clear()
