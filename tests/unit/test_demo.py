"""The demo-data generator: deterministic, faithful to the domain rules, and telling its story."""

import statistics
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from models import (
    Budget,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Expense,
    Meeting,
    PresidiumLink,
    SupervisionItem,
    SupervisionStageEvent,
    Township,
    Voter,
    VoterLink,
)
from models.db import make_engine
from models.enums import DeputyLevel, Rating, SupervisionStage, UnitType
from seed.demo import EXEMPLARY, LAGGING, UNDERFUNDED, generate_demo, load_units
from tests.conftest import PG_URL, fresh_pg_database

YEAR = 2026
SEED = 133
# Mid-month and mid-quarter, so the current year is partly done.
AS_OF = date(2026, 9, 15)

DOMAIN_UNITS = [
    ("lailong", "来龙镇", UnitType.town),
    ("yanghua", "仰化镇", UnitType.town),
    ("daxing", "大兴镇", UnitType.town),
    ("guanmiao", "关庙镇", UnitType.town),
    ("xinzhuang", "新庄镇", UnitType.town),
    ("zaohe", "皂河镇", UnitType.town),
    ("shiling", "侍岭镇", UnitType.town),
    ("caoji", "曹集乡", UnitType.township),
    ("shunhe", "顺河街道", UnitType.subdistrict),
    ("yuxin", "豫新街道", UnitType.subdistrict),
    ("xiaxiang", "下相街道", UnitType.subdistrict),
    ("luji", "陆集街道", UnitType.subdistrict),
    ("xiaodian", "晓店街道", UnitType.subdistrict),
    ("jingtou", "井头街道", UnitType.subdistrict),
]
BANNED = ("宴请", "礼品", "旅游", "购物卡")
DEADLINES = {
    SupervisionStage.investigation: 30,
    SupervisionStage.deliberation: 15,
    SupervisionStage.assignment: 15,
    SupervisionStage.follow_up: 60,
    SupervisionStage.feedback: 30,
}


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory):
    """The demo data, generated once for the module in a database of its own (the tests only
    read it); yields the session over it and the generator's summary."""
    if PG_URL:
        url = fresh_pg_database("demo")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session, generate_demo(session, year=YEAR, seed=SEED, as_of=AS_OF)
    engine.dispose()


def _codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Township.id, Township.code)).all())


def _sqlite_session(path) -> Session:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    return Session(engine, expire_on_commit=False)


def _fingerprint(session: Session) -> dict[str, list[tuple]]:
    """Key columns of the main tables, with ids replaced by natural keys."""
    code = _codes(session)

    def rows(*columns) -> list[tuple]:
        return [tuple(r) for r in session.exec(select(*columns)).all()]

    deputy_rows = rows(
        Deputy.id,
        Deputy.township_id,
        Deputy.name,
        Deputy.phone,
        Deputy.level,
        Deputy.is_presidium_member,
        Deputy.has_fixed_income,
        Deputy.gender,
        Deputy.term_start,
        Deputy.entered_at,
    )
    deputy = {r[0]: (code[r[1]], r[2], r[3]) for r in deputy_rows}
    voter_rows = rows(Voter.id, Voter.township_id, Voter.name, Voter.phone, Voter.village)
    voter = {r[0]: (code[r[1]], r[2], r[3]) for r in voter_rows}
    return {
        "deputies": sorted((*deputy[r[0]], *r[4:]) for r in deputy_rows),
        "voters": sorted((*voter[r[0]], r[4]) for r in voter_rows),
        "voter_links": sorted(
            (deputy[d], voter[v], since)
            for d, v, since in rows(VoterLink.deputy_id, VoterLink.voter_id, VoterLink.since)
        ),
        "presidium_links": sorted(
            (deputy[m], deputy[d])
            for m, d in rows(PresidiumLink.member_id, PresidiumLink.deputy_id)
        ),
        "meetings": sorted(
            (code[r[0]], *r[1:])
            for r in rows(
                Meeting.township_id,
                Meeting.kind,
                Meeting.held_on,
                Meeting.title,
                Meeting.attendance,
                Meeting.research,
                Meeting.deliberation,
                Meeting.follow_up,
                Meeting.entered_at,
            )
        ),
        "contact_days": sorted(
            (code[r[0]], *r[1:])
            for r in rows(
                ContactDay.township_id,
                ContactDay.held_on,
                ContactDay.voters_met,
                ContactDay.opinions_count,
                ContactDay.summary,
            )
        ),
        "participants": sorted(
            (held, code[tid], deputy[d])
            for held, tid, d in session.exec(
                select(
                    ContactDay.held_on, ContactDay.township_id, ContactDayParticipant.deputy_id
                ).join(ContactDayParticipant, ContactDayParticipant.contact_day_id == ContactDay.id)
            ).all()
        ),
        # None sorts against nothing, so the optional columns are compared as text.
        "items": sorted(
            (code[r[0]], *r[1:5], str(r[5]), str(r[6]))
            for r in rows(
                SupervisionItem.township_id,
                SupervisionItem.title,
                SupervisionItem.opened_on,
                SupervisionItem.stage,
                SupervisionItem.stage_entered_on,
                SupervisionItem.closed_on,
                SupervisionItem.rating,
            )
        ),
        "expenses": sorted(
            (code[r[0]], *r[1:])
            for r in rows(
                Expense.township_id,
                Expense.occurred_on,
                Expense.budget_year,
                Expense.category,
                Expense.amount_fen,
                Expense.payee,
                Expense.purpose,
                Expense.receipt_no,
                Expense.presidium_approved,
                Expense.entered_at,
            )
        ),
    }


def test_units_in_domain_order_and_loaded_once(session):
    first = load_units(session)
    again = load_units(session)

    assert [u.id for u in again] == [u.id for u in first]
    rows = session.exec(select(Township).order_by(Township.sort_order, Township.id)).all()
    assert [(t.code, t.name_zh, t.unit_type) for t in rows] == DOMAIN_UNITS
    assert all(t.population and t.name_en for t in rows)
    shunhe_area = sum(t.population for t in rows if t.code in ("shunhe", "yuxin", "xiaxiang"))
    assert 80_000 <= shunhe_area <= 90_000


@pytest.mark.slow
def test_same_arguments_give_the_same_data(session, tmp_path):
    summary = generate_demo(session, year=YEAR, seed=SEED, as_of=AS_OF)
    with _sqlite_session(tmp_path / "twin.db") as twin:
        twin_summary = generate_demo(twin, year=YEAR, seed=SEED, as_of=AS_OF)
        twin_print = _fingerprint(twin)
    with _sqlite_session(tmp_path / "other.db") as other:
        generate_demo(other, year=YEAR, seed=SEED + 1, as_of=AS_OF)
        other_print = _fingerprint(other)

    assert twin_summary == summary
    own_print = _fingerprint(session)
    for table, rows in own_print.items():
        assert rows == twin_print[table], table
    assert own_print["deputies"] != other_print["deputies"]
    assert own_print["expenses"] != other_print["expenses"]
    with pytest.raises(ValueError, match="empty"):
        generate_demo(session, year=YEAR, seed=SEED, as_of=AS_OF)


def test_as_of_outside_the_year_is_refused(session):
    with pytest.raises(ValueError):
        generate_demo(session, year=YEAR, seed=SEED, as_of=date(YEAR + 1, 1, 1))


def test_nothing_is_dated_after_as_of(demo_world):
    session, demo = demo_world
    latest = [
        session.exec(select(func.max(Meeting.held_on))).one(),
        session.exec(select(func.max(ContactDay.held_on))).one(),
        session.exec(select(func.max(Expense.occurred_on))).one(),
        session.exec(select(func.max(SupervisionStageEvent.happened_on))).one(),
    ]
    assert max(latest) <= AS_OF
    assert min(session.exec(select(Meeting.held_on)).all()) >= date(YEAR - 1, 1, 1)
    assert demo["contact_days"] == session.exec(select(func.count(ContactDay.id))).one()


def test_contact_day_participation_shows_contrast(demo_world):
    session, _ = demo_world
    code = _codes(session)
    rows = session.exec(
        select(ContactDay.township_id, func.count(ContactDayParticipant.id))
        .join(ContactDayParticipant, ContactDayParticipant.contact_day_id == ContactDay.id)
        .group_by(ContactDay.township_id)
    ).all()
    per_unit = {code[tid]: n for tid, n in rows}
    for c in code.values():
        per_unit.setdefault(c, 0)
    median = statistics.median(per_unit.values())

    assert max(per_unit.values()) >= 1.5 * median
    assert min(per_unit.values()) <= 0.5 * median
    assert per_unit["daxing"] >= 1.5 * median
    assert per_unit["jingtou"] <= 0.5 * median

    # Relative to their size, every lagging unit takes part less than every exemplary one.
    deputies = Counter(
        code[tid]
        for tid, cid in session.exec(select(Deputy.township_id, Deputy.constituency_id))
        if cid is not None
    )
    rate = {c: per_unit[c] / deputies[c] for c in per_unit}
    assert max(rate[c] for c in LAGGING) < min(rate[c] for c in EXEMPLARY)

    # Held on the 20th, or on the nearest working day when the 20th is a weekend.
    for held in session.exec(select(ContactDay.held_on)).all():
        if held.day != 20:
            twentieth = held.replace(day=20)
            assert twentieth.weekday() >= 5 or held.day > 21, held


def test_township_deputies_follow_the_quota(demo_world):
    session, demo = demo_world
    units = session.exec(select(Township)).all()
    counts = Counter(
        session.exec(select(Deputy.township_id, Deputy.level).where(Deputy.active)).all()
    )
    for unit in units:
        township_level = counts[(unit.id, DeputyLevel.township)]
        if not UnitType(unit.unit_type).has_congress:
            assert township_level == 0, unit.code
            assert 15 <= counts[(unit.id, DeputyLevel.county)] <= 25, unit.code
        else:
            assert township_level == min(160, 45 + unit.population // 1500), unit.code
    assert demo["township_deputies"] == sum(
        n for (_, level), n in counts.items() if level == DeputyLevel.township
    )
    higher = {DeputyLevel.national, DeputyLevel.provincial, DeputyLevel.city}
    assert any(level in higher for _, level in counts)
    subdistricts = [u.id for u in units if not UnitType(u.unit_type).has_congress]
    assert not session.exec(select(Meeting.id).where(Meeting.township_id.in_(subdistricts))).all()


def test_linkage_has_deliberate_gaps(demo_world):
    session, _ = demo_world
    links = Counter(session.exec(select(VoterLink.deputy_id)).all())
    base = session.exec(
        select(Deputy.id, Deputy.constituency_id).where(Deputy.constituency_id.is_not(None))
    ).all()
    per_deputy = Counter(links.get(dep_id, 0) for dep_id, _ in base)
    assert {0, 6, 9} <= set(per_deputy)
    assert sum(n for k, n in per_deputy.items() if k >= 10) > 0.8 * len(base)
    assert 6_000 <= sum(links.values()) <= 8_000

    # Every link stays inside the deputy's own constituency.
    constituency = dict(base)
    voter_constituency = dict(session.exec(select(Voter.id, Voter.constituency_id)).all())
    for dep_id, voter_id in session.exec(select(VoterLink.deputy_id, VoterLink.voter_id)):
        assert voter_constituency[voter_id] == constituency[dep_id]

    per_member = Counter(session.exec(select(PresidiumLink.member_id)).all())
    sizes = Counter(per_member.values())
    assert sizes[5] > sizes[3] + sizes[4] > 0
    assert sizes[6] == 1
    members = session.exec(select(Deputy.id).where(Deputy.is_presidium_member)).all()
    assert set(per_member) == set(members)


def test_rule_breaking_expenses_are_present(demo_world):
    session, _ = demo_world
    expenses = session.exec(select(Expense)).all()
    assert any(e.amount_fen > 500_000 and not e.presidium_approved for e in expenses)
    assert any(word in e.purpose for e in expenses for word in BANNED)
    assert any(e.occurred_on.year != e.budget_year for e in expenses)

    units_per_receipt = defaultdict(set)
    for e in expenses:
        units_per_receipt[e.receipt_no].add(e.township_id)
    uses = Counter(e.receipt_no for e in expenses)
    assert any(len(units) >= 2 for units in units_per_receipt.values())
    assert 2 <= sum(1 for n in uses.values() if n > 1) <= 5

    spent = Counter()
    for e in expenses:
        spent[(e.township_id, e.budget_year, e.category)] += e.amount_fen
    budgets = session.exec(select(Budget)).all()
    over = [b for b in budgets if spent[(b.township_id, b.year, b.category)] > b.amount_fen]
    assert over

    # The exemplary units break no rule at all.
    code = _codes(session)
    for e in expenses:
        if code[e.township_id] in EXEMPLARY:
            assert e.presidium_approved or e.amount_fen <= 500_000
            assert not any(word in e.purpose for word in BANNED)
            assert e.occurred_on.year == e.budget_year
            assert uses[e.receipt_no] == 1


def test_budgets_split_exactly(demo_world):
    session, _ = demo_world
    budgets = session.exec(select(Budget)).all()
    assert len(budgets) == 14 * 2 * 8
    for b in budgets:
        assert b.district_share_fen + b.township_share_fen == b.amount_fen
        assert b.district_share_fen * 5 == b.amount_fen * 2

    code = _codes(session)
    township_deputies = Counter(
        session.exec(select(Deputy.township_id).where(Deputy.level == DeputyLevel.township)).all()
    )
    below = {
        code[b.township_id]
        for b in budgets
        if b.category == "deputy_activities"
        and b.amount_fen < 1000_00 * township_deputies[b.township_id]
    }
    assert below == {UNDERFUNDED}


def test_supervision_history_replays_to_each_item(demo_world):
    session, _ = demo_world
    items = {i.id: i for i in session.exec(select(SupervisionItem)).all()}
    events = defaultdict(list)
    for e in session.exec(
        select(SupervisionStageEvent).order_by(
            SupervisionStageEvent.happened_on, SupervisionStageEvent.id
        )
    ):
        events[e.item_id].append(e)

    returns = 0
    overdue = 0
    for item_id, item in items.items():
        history = events[item_id]
        assert history[0].from_stage is None
        assert history[0].to_stage == SupervisionStage.investigation
        assert history[0].happened_on == item.opened_on
        stage = history[0].to_stage
        for e in history[1:]:
            assert e.from_stage == stage
            stage = e.to_stage
            if e.is_return:
                returns += 1
                assert (e.from_stage, e.to_stage) == (
                    SupervisionStage.feedback,
                    SupervisionStage.assignment,
                )
                assert e.rating == Rating.unsatisfied
        assert stage == item.stage
        assert history[-1].happened_on == item.stage_entered_on
        if item.stage == SupervisionStage.closed:
            assert item.closed_on == item.stage_entered_on
            assert item.rating is not None
        else:
            assert item.closed_on is None
            overdue += (AS_OF - item.stage_entered_on).days > DEADLINES[item.stage]

    assert {i.stage for i in items.values()} == set(SupervisionStage)
    assert returns >= 1
    assert overdue >= 1
    assert any(i.topic_id for i in items.values())
    assert any(i.activity_id for i in items.values())
    assert any(i.contact_day_id for i in items.values())
