"""Property: whatever moves are attempted, by whomever, on whatever dates, every item stays in a
valid stage and its event history replays to that stage."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from models import SupervisionItem, SupervisionStageEvent
from models.enums import Rating
from models.enums import SupervisionStage as S
from services import supervision as sv
from services.errors import ServiceError
from tests.factories import build_world, install_rules

TODAY = date(2026, 12, 31)
OPENED = date(2026, 1, 10)  # the day of the fixture's sources
_titles = itertools.count()

# An attempt is an intended move, usually made properly, sometimes spoilt in one way; nothing
# looks at the item's stage first, so many attempts are wrong for the stage the item is in.
SPOILS = ["actor", "leader", "evidence", "early", "future", "rating", "raters", "unit"]
attempt = st.fixed_dictionaries(
    {
        "intent": st.sampled_from(
            ["advance", "advance", "advance", "close", "close", "unsatisfied", "back", "move"]
        ),
        "spoil": st.sampled_from([None] * 10 + SPOILS),
        "days": st.integers(min_value=0, max_value=20),
        "good": st.sampled_from([Rating.satisfied, Rating.basically_satisfied]),
        "to_stage": st.sampled_from(list(S)),
        "send_back": st.booleans(),
    }
)


def _try(session, w, item_id: int, last_day: date, a: dict) -> None:
    spoil = a["spoil"]
    actor = {"actor": w.clerk_b, "leader": w.leader}.get(spoil, w.clerk_a)
    on = last_day + timedelta(days=a["days"])
    if spoil == "early":
        on = last_day - timedelta(days=1)
    elif spoil == "future":
        on = TODAY + timedelta(days=1)
    kw = {
        "on": on,
        "today": TODAY,
        "evidence": "" if spoil == "evidence" else "佐证材料",
        "responsible_unit": "" if spoil == "unit" else "城建办",
    }
    rating = {"close": a["good"], "unsatisfied": Rating.unsatisfied}.get(a["intent"])
    raters = 7 if rating else None
    if spoil == "rating":
        rating = None if rating else Rating.satisfied
    elif spoil == "raters":
        raters = 0 if raters else 7
    try:
        if a["intent"] == "back":
            sv.send_back(session, actor, item_id, on=kw["on"], reason="原因", today=TODAY)
        elif a["intent"] == "move":
            sv.move_item(
                session,
                actor,
                item_id,
                to_stage=a["to_stage"],
                send_back=a["send_back"],
                note="原因",
                rating=rating,
                raters=raters,
                **kw,
            )
        else:
            sv.advance_stage(session, actor, item_id, rating=rating, raters=raters, **kw)
    except ServiceError:
        session.rollback()


def _check(session, item_id: int) -> tuple[date, int]:
    session.expire_all()
    item = session.get(SupervisionItem, item_id)
    events = session.exec(
        select(SupervisionStageEvent)
        .where(SupervisionStageEvent.item_id == item_id)
        .order_by(SupervisionStageEvent.id)
    ).all()
    assert item.stage in sv.ALL_STAGES
    assert sv.replay(events) == item.stage
    assert item.stage_entered_on == events[-1].happened_on <= TODAY
    assert (item.closed_on is not None) == (item.stage == S.closed)
    if item.stage == S.closed:
        assert events[-1].rating in sv.GOOD_RATINGS and item.rating == events[-1].rating
    return events[-1].happened_on, len(events)


@pytest.mark.slow
def test_any_sequence_of_moves_leaves_a_valid_replayable_item(session):
    install_rules(session, 2026)
    w = build_world(session)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(attempt, min_size=8, max_size=40))
    def run(attempts):
        item_id = sv.open_item(
            session,
            w.clerk_a,
            township_id=w.a,
            title=f"事项{next(_titles)}",
            opened_on=OPENED,
            responsible_unit="镇建设办",
            topic_id=w.topic_a,
            today=TODAY,
        )
        last_day, n_events = _check(session, item_id)
        for a in attempts:
            _try(session, w, item_id, last_day, a)
            new_day, new_n = _check(session, item_id)
            # A move adds exactly one event; a refusal adds none.
            assert new_n in (n_events, n_events + 1)
            if a["spoil"] in ("actor", "leader", "early", "future"):
                assert new_n == n_events
            last_day, n_events = new_day, new_n

    run()
