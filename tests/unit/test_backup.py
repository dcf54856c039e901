"""Backups: a round trip through `manage.py backup` and `restore` gives back every table as it
was, on SQLite and on PostgreSQL (TEST_DB=postgres); a bad backup file is refused."""

from datetime import date

import pytest
from sqlmodel import select

from manage import main
from models import Township, Visit
from models.enums import Role, UnitType, VisitKind
from services import backup, contact_days, users
from services.permissions import SYSTEM


@pytest.fixture
def filled(session, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    unit = Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town)
    session.add(unit)
    session.commit()
    users.create_user(
        session,
        SYSTEM,
        username="clerk01",
        display_name="甲镇人大干事",
        password="Demo@2026",
        role=Role.township_staff,
        township_id=unit.id,
    )
    clerk = users.get_actor(session, "clerk01")
    for n in range(3):
        contact_days.add_visit(
            session,
            clerk,
            township_id=unit.id,
            kind=VisitKind.voter,
            held_on=date(2026, 3, 20),
            people_visited=n + 1,
            note=f"走访 {n}",
            today=date(2026, 3, 20),
        )
    return unit.id


def test_a_round_trip_gives_back_every_table(filled, session, engine, db_url, tmp_path, capsys):
    before = backup.fingerprint(engine)
    out = tmp_path / "app.backup"
    main(["backup", "--out", str(out)])
    assert out.stat().st_size > 0
    # Work goes on after the backup: a visit withdrawn, a unit added.
    session.delete(session.exec(select(Visit)).first())
    session.add(Township(code="b", name_zh="乙镇", name_en="B", unit_type=UnitType.town))
    session.commit()
    assert backup.fingerprint(engine) != before
    with pytest.raises(SystemExit, match="--yes"):
        main(["restore", str(out)])
    main(["restore", str(out), "--yes"])
    engine.dispose()
    after = backup.fingerprint(engine)
    assert {t: after[t] for t in before} == before
    assert after["visit"][0] == 3 and after["township"][0] == 1
    assert "restored" in capsys.readouterr().out


def test_a_file_that_is_no_backup_is_refused(filled, tmp_path, engine):
    before = backup.fingerprint(engine)
    bad = tmp_path / "not-a-backup.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SystemExit):
        main(["restore", str(bad), "--yes"])
    with pytest.raises(SystemExit, match="not found"):
        main(["restore", str(tmp_path / "missing.db"), "--yes"])
    assert backup.fingerprint(engine) == before
