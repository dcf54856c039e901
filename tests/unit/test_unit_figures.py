"""Per-unit figures kept between reads: a read after a write computes again the units written
to and only those, anything unaudited or shared by every unit computes them all, and what is
read from the kept figures equals a fresh computation."""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, delete, select

from models import AuditLog, Deputy, Expense, UnitFigure
from models.enums import AuditAction, DeputyLevel, MeetingKind
from models.figures import EVERY_UNIT, raised_units
from services import audit, checklist, clock, fund_reports, meetings, rules, unit_figures
from services.fund_reports import fund_violations
from services.refresh import refresh_figures, refresh_saved
from tests.factories import ADMIN, LEADER, YEAR, add_meeting, add_unit, clerk_of, setup_rules
from tests.unit.test_funds import Y, spend, world  # noqa: F401  (a fixture, read by ``units``)

# The kinds of kept figures the dashboards read.
KINDS = {
    "checklist",
    "funds",
    "fund_sums",
    "scoring",
    "participation",
    "coverage",
    "reporting",
    "late",
    "stays",
}


@pytest.fixture
def units(request):
    """The town and the sub-district of the fund rule tests, every category budgeted."""
    return request.getfixturevalue("world")


@pytest.fixture
def computed(monkeypatch):
    """The units each fund computation was asked for, in order."""
    calls: list[list[int]] = []
    original = fund_reports._unit_subjects

    def spy(session, year, ids, rules):
        calls.append(sorted(ids))
        return original(session, year, ids, rules)

    monkeypatch.setattr(fund_reports, "_unit_subjects", spy)
    return calls


def test_a_second_read_computes_nothing_and_reads_the_same(session, units, computed):
    spend(session, units["clerk"], units["town"], "50.00")
    first = fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]
    again = fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]
    assert again == first
    kept = session.exec(select(UnitFigure).where(UnitFigure.kind == "funds")).all()
    assert sorted(r.township_id for r in kept) == sorted([units["town"], units["sub"]])


def test_an_audited_write_computes_its_unit_again_and_no_other(session, units, computed):
    fund_violations(session, LEADER, year=Y)
    before = fund_violations(session, LEADER, year=Y)
    computed.clear()
    spend(session, units["clerk"], units["town"], "80.00")
    after = fund_violations(session, LEADER, year=Y)
    assert computed == [[units["town"]]]
    sub_before = [v for v in before if v.township_id == units["sub"]]
    assert [v for v in after if v.township_id == units["sub"]] == sub_before


def test_a_number_reused_by_another_unit_reaches_the_unit_whose_figures_were_kept(
    session, units, computed
):
    spend(session, units["clerk"], units["town"], "10.00", receipt_no="FP-9")
    assert not [v for v in fund_violations(session, LEADER, year=Y) if v.code == "F03"]
    computed.clear()
    spend(
        session,
        units["clerk2"],
        units["sub"],
        "10.00",
        receipt_no="FP-9",
        exception_reason="同一张发票分摊两个单位的会议",
    )
    found = fund_violations(session, LEADER, year=Y)
    # Only the sub-district wrote, so only it is computed again; the town's F03 comes from the
    # receipt count taken at every read.
    assert computed == [[units["sub"]]]
    f03 = {v.township_id: v.params for v in found if v.code == "F03"}
    assert f03 == {
        units["town"]: {"receipt": "FP-9", "uses": 2, "units": 2},
        units["sub"]: {"receipt": "FP-9", "uses": 2, "units": 2},
    }


def test_a_change_without_an_audit_row_computes_every_unit_again(session, units, computed):
    fund_violations(session, LEADER, year=Y)
    computed.clear()
    session.add(
        Expense(
            township_id=units["town"],
            occurred_on=date(Y, 7, 1),
            budget_year=Y,
            category="meetings",
            amount_fen=1_000,
            payee="文印部",
            purpose="宴请",
            receipt_no="X-1",
        )
    )
    session.commit()
    found = fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]
    assert any(v.code == "F04" and v.township_id == units["town"] for v in found)


def test_a_rule_change_or_a_deputy_computes_every_unit_again(session, units, computed):
    fund_violations(session, LEADER, year=Y)
    computed.clear()
    data = rules.to_content(rules.get_rules(session, Y))
    rules.save_rules(session, ADMIN, data, note="t")
    fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]

    computed.clear()
    deputy = Deputy(township_id=units["sub"], name="新代表", level=DeputyLevel.county)
    session.add(deputy)
    session.flush()
    audit.record(
        session,
        clerk_of(units["sub"]),
        action=AuditAction.create,
        entity="deputy",
        entity_id=deputy.id,
        township_id=units["sub"],
    )
    session.commit()
    fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]


def test_signing_in_raises_no_stamp(session, units):
    before = unit_figures.stamps(session)
    audit.record(session, LEADER, action=AuditAction.login, entity="user", entity_id=1)
    session.commit()
    assert unit_figures.stamps(session) == before
    assert session.exec(select(AuditLog).where(AuditLog.entity == "user")).first() is not None


def test_a_session_holding_uncommitted_changes_keeps_nothing(session, units, computed):
    session.add(Deputy(township_id=units["town"], name="未提交", level=DeputyLevel.township))
    session.flush()
    fund_violations(session, LEADER, year=Y)
    assert session.exec(select(UnitFigure)).all() == []
    session.rollback()
    fund_violations(session, LEADER, year=Y)
    assert len(session.exec(select(UnitFigure)).all()) == 2


def test_a_new_release_computes_every_unit_again(session, units, computed, monkeypatch):
    fund_violations(session, LEADER, year=Y)
    computed.clear()
    monkeypatch.setattr(unit_figures, "CODE", "another-release")
    fund_violations(session, LEADER, year=Y)
    assert computed == [sorted([units["town"], units["sub"]])]


def test_the_kept_task_list_equals_a_fresh_computation(session):
    setup_rules(session)
    a, b = add_unit(session, "ka", order=1), add_unit(session, "kb", order=2)
    add_meeting(session, a, MeetingKind.presidium, date(YEAR, 2, 10), topics=1)
    as_of = date(YEAR, 6, 30)
    first = checklist.checklist_status(session, YEAR, as_of)
    kept = checklist.checklist_status(session, YEAR, as_of)
    assert kept == first
    # A clerk's audited meeting in unit b: b's T02 goes up, a's figures are those kept.
    meetings.record_meeting(
        session,
        clerk_of(b),
        township_id=b,
        kind=MeetingKind.presidium,
        held_on=date(YEAR, 3, 2),
        title="主席团会议",
        year=YEAR,
        today=as_of,
    )
    after = checklist.checklist_status(session, YEAR, as_of)
    assert after.unit(b).task("T02").value == first.unit(b).task("T02").value + 1
    assert after.unit(a) == first.unit(a)
    fresh = checklist._unit_checklists(
        session, YEAR, as_of, [checklist.Unit(*u) for u in _units(session, a, b)]
    )
    assert list(after.units) == fresh
    stamps = unit_figures.stamps(session)
    assert stamps.get(b, 0) > stamps.get(a, 0)
    assert EVERY_UNIT in stamps


def _units(session, *ids):
    from models import Township
    from models.enums import UnitType

    rows = {t.id: t for t in session.exec(select(Township)).all()}
    return [
        (i, rows[i].code, rows[i].name_zh, rows[i].name_en, UnitType(rows[i].unit_type))
        for i in ids
    ]


def test_the_nightly_refresh_leaves_nothing_to_compute_for_the_day(session, units, computed):
    taken = refresh_figures(session, year=Y, as_of=date(Y, 12, 31))
    assert set(taken) == KINDS
    assert computed == [sorted([units["town"], units["sub"]])]
    fund_violations(session, LEADER, year=Y)
    checklist.checklist_status(session, Y, date(Y, 12, 31))
    assert computed == [sorted([units["town"], units["sub"]])]
    kinds = {r.kind for r in session.exec(select(UnitFigure)).all()}
    assert kinds == set(taken)


def test_a_saves_refresh_keeps_its_units_figures_so_the_next_viewer_computes_nothing(
    session, units, computed, monkeypatch
):
    monkeypatch.setenv(clock.ENV, f"{Y}-12-31")  # the save's year is the year under test
    refresh_figures(session, year=Y, as_of=date(Y, 12, 31))
    computed.clear()
    with Session(session.get_bind()) as saved_in:  # a save's own session, as on a screen
        spend(saved_in, units["clerk"], units["town"], "80.00")
    assert raised_units(saved_in) == {units["town"]}

    with Session(session.get_bind()) as fresh:
        refresh_saved(fresh, raised_units(saved_in))
    # The town's figures were computed at the save, the sub-district's were left as kept.
    assert computed == [[units["town"]]]
    now = unit_figures.stamps(session)
    town = session.exec(
        select(UnitFigure).where(
            UnitFigure.township_id == units["town"], UnitFigure.unit_stamp == now[units["town"]]
        )
    ).all()
    assert {r.kind for r in town} == KINDS
    found = fund_violations(session, LEADER, year=Y)
    checklist.checklist_status(session, Y, date(Y, 12, 31))
    assert computed == [[units["town"]]]
    # What the viewer reads kept is what a fresh judgement of the records finds.
    afresh = fund_violations(session, LEADER, year=Y, rules=rules.get_rules(session, Y))
    assert found == afresh


def test_a_refresh_that_fails_after_a_save_leaves_the_figures_to_the_next_viewer(
    session, units, monkeypatch, caplog
):
    from services import refresh

    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(refresh, "refresh_figures", broken)
    with Session(session.get_bind()) as saved_in:
        spend(saved_in, units["clerk"], units["town"], "80.00")
    with Session(session.get_bind()) as fresh:
        refresh_saved(fresh, raised_units(saved_in))  # does not raise: the save stands
    assert f"figures of unit {units['town']} not kept after a save" in caplog.text
    assert session.exec(select(Expense).where(Expense.amount_fen == 8000)).all()


def test_a_change_to_every_unit_leaves_the_refresh_to_the_first_viewer(session, units):
    with Session(session.get_bind()) as saved_in:
        spend(saved_in, units["clerk"], units["town"], "80.00")
        data = rules.to_content(rules.get_rules(saved_in, Y))
        rules.save_rules(saved_in, ADMIN, data, note="t")
    assert raised_units(saved_in) == set()


def test_the_refresh_command_keeps_every_kind_for_every_unit(tmp_path, monkeypatch, capsys):
    from manage import main
    from models.db import session_scope
    from services import clock

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv(clock.ENV, "2026-11-27")
    main(["init-db"])
    main(["load-units"])
    main(["refresh-figures"])
    printed = capsys.readouterr().out
    assert "checklist" in printed and "late" in printed
    with session_scope(url) as s:
        kept = s.exec(select(UnitFigure)).all()
    assert {r.as_of for r in kept if r.kind == "checklist"} == {date(2026, 11, 27)}
    # The 14 units of seed/units.toml, nine kinds each.
    assert len(kept) == 14 * 9


def test_the_receipt_count_takes_one_statement_and_two_with_numbers_used_twice(
    session, units, engine, monkeypatch
):
    from sqlalchemy import event

    def statements() -> tuple[int, list]:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            found = fund_reports._receipt_subjects(session, Y, [units["town"], units["sub"]])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen), found

    spend(session, units["clerk"], units["town"], "10.00", receipt_no="FP-7")
    assert statements() == (1, [])
    for receipt in ("FP-7", "FP-8", "FP-8"):
        spend(
            session,
            units["clerk2"],
            units["sub"],
            "10.00",
            receipt_no=receipt,
            exception_reason="同一张发票分摊两个单位的会议",
        )
    expected = sorted(
        [(units["town"], "FP-7", 2, 2), (units["sub"], "FP-7", 2, 2), (units["sub"], "FP-8", 2, 1)]
    )
    n, found = statements()
    assert n == 2  # however many numbers are used twice
    assert sorted((r.township_id, r.receipt, r.uses, r.units) for r in found) == expected
    # Past the numbers a statement may list, the same answer from the subquery.
    monkeypatch.setattr(fund_reports, "_MAX_LISTED", 1)
    n, found = statements()
    assert n == 2
    assert sorted((r.township_id, r.receipt, r.uses, r.units) for r in found) == expected


def test_the_kept_fund_sums_follow_a_clerks_save_and_equal_a_fresh_sum(session, units, monkeypatch):
    sums_for: list[list[int]] = []
    original = fund_reports._unit_sums

    def spy(session, year, ids):
        sums_for.append(sorted(ids))
        return original(session, year, ids)

    monkeypatch.setattr(fund_reports, "_unit_sums", spy)
    spend(session, units["clerk"], units["town"], "50.00")  # meetings, 1 June
    table = fund_reports.budget_vs_actual(session, LEADER, year=Y)
    month = fund_reports.monthly_execution(session, LEADER, year=Y)
    assert sums_for == [sorted([units["town"], units["sub"]])]  # the second read keeps both

    spend(session, units["clerk"], units["town"], "30.25", occurred_on=date(Y, 3, 5))
    after = fund_reports.budget_vs_actual(session, LEADER, year=Y)
    after_month = fund_reports.monthly_execution(session, LEADER, year=Y)
    assert sums_for[1:] == [[units["town"]]]

    def spent(frame, tid, category):
        row = frame[(frame["township_id"] == tid) & (frame["category"] == category)]
        return row["spent"].iloc[0]

    assert spent(after, units["town"], "meetings") == spent(table, units["town"], "meetings") + (
        Decimal("30.25")
    )
    assert spent(after, units["sub"], "meetings") == spent(table, units["sub"], "meetings")
    march = after_month.set_index("month")["spent"]
    assert march[3] == month.set_index("month")["spent"][3] + Decimal("30.25")
    assert after_month["budget"].iloc[0] == month["budget"].iloc[0]
    # What is read from the kept sums is what a computation from the records gives.
    session.exec(delete(UnitFigure))
    session.commit()
    assert fund_reports.budget_vs_actual(session, LEADER, year=Y).equals(after)
    assert fund_reports.monthly_execution(session, LEADER, year=Y).equals(after_month)
