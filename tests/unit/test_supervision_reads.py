"""The board's reads: the items alive in a year with their deadlines, and one item's timeline,
on the hand-built loop of ``test_supervision_metrics`` (its docstring dates every move)."""

from datetime import date

import pytest

from models.enums import Rating
from models.enums import SupervisionStage as S
from services import supervision_reads as reads
from services.errors import PermissionDenied
from tests.factories import LOOP_AS_OF as AS_OF
from tests.factories import build_loop


@pytest.fixture
def loop(session):
    return build_loop(session)


def test_board_lists_and_timeline(session, loop):
    w, ids = loop
    items = reads.list_items(session, w.clerk_b, year=2026, as_of=AS_OF)
    assert items["id"].tolist() == [ids["b2"], ids["b4"], ids["b1"]]  # by opening date
    row = items.set_index("id").loc[ids["b1"]]
    assert (row["days_in_stage"], row["deadline"], bool(row["overdue"])) == (
        29,
        date(2026, 7, 1),
        False,
    )
    tl = reads.item_timeline(session, w.leader, ids["a2"], as_of=AS_OF)
    assert [e.to_stage for e in tl.events] == [
        S.investigation,
        S.deliberation,
        S.assignment,
        S.follow_up,
        S.feedback,
        S.assignment,
        S.follow_up,
        S.feedback,
        S.closed,
    ]
    assert [e.rating for e in tl.events if e.rating] == [
        Rating.unsatisfied,
        Rating.basically_satisfied,
    ]
    assert tl.source.kind == "topic" and tl.source.title == "农村道路建设"
    closed = reads.get_item(session, w.leader, ids["a1"], as_of=AS_OF)
    assert (closed.deadline, closed.overdue, closed.days_in_stage) == (None, False, 0)
    with pytest.raises(PermissionDenied):
        reads.item_timeline(session, w.clerk_b, ids["a1"], as_of=AS_OF)
