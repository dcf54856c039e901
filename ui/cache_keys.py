"""How the cached reads' arguments are hashed: Streamlit hashes a dataclass field by field
through ``dataclasses.asdict`` and a date through pickle, about a third of a millisecond per
cached call with an ``Actor``; a screen makes a dozen such calls per run. These give the same
answer (every field of the actor, the day of the date) in one step."""

import dataclasses
from datetime import date
from typing import Any

from services.permissions import Actor

_ACTOR_FIELDS = tuple(f.name for f in dataclasses.fields(Actor))


def _actor(actor: Actor) -> tuple:
    return tuple(getattr(actor, name) for name in _ACTOR_FIELDS)


HASH_FUNCS: dict[Any, Any] = {Actor: _actor, date: date.toordinal}
