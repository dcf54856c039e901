"""Demo data only where asked: a database is a demo or a production one for good, and demo
accounts and data never reach a production database, whatever APP_ENV says."""

import pytest
from sqlmodel import select

from manage import main
from models import AppMeta, Township, User
from models.db import session_scope
from models.enums import Role, UnitType
from seed.demo_users import create_demo_users
from services import deployment, users
from services.deployment import DatabaseKind, DemoRefused
from services.permissions import SYSTEM


def _real_account(session) -> None:
    users.create_user(
        session,
        SYSTEM,
        username="chen",
        display_name="陈主任",
        password="Lead@2026x",
        role=Role.district_admin,
    )


def test_a_new_database_takes_the_kind_asked_for_or_demo(session):
    assert deployment.database_kind(session) is None
    assert deployment.settle_kind(session, None) == DatabaseKind.demo
    assert session.get(AppMeta, deployment.KIND_KEY).value == "demo"


def test_the_kind_is_kept_and_the_other_kind_refused(session):
    deployment.settle_kind(session, DatabaseKind.production)
    assert deployment.settle_kind(session, None) == DatabaseKind.production
    with pytest.raises(DemoRefused):
        deployment.settle_kind(session, DatabaseKind.demo)


def test_an_unmarked_database_with_a_real_account_is_production(session):
    session.add(Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town))
    session.commit()
    _real_account(session)
    assert deployment.database_kind(session) == DatabaseKind.production
    with pytest.raises(DemoRefused):
        create_demo_users(session)
    assert session.exec(select(User.username)).all() == ["chen"]


def test_demo_accounts_go_only_into_a_demo_database(session):
    session.add(Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town))
    session.commit()
    deployment.mark(session, DatabaseKind.demo)
    assert set(create_demo_users(session)) == {"admin", "leader", "clerk01"}


@pytest.fixture
def fresh_file(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_init_db_in_production_adds_no_demo(fresh_file, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    main(["init-db"])
    with session_scope(fresh_file) as session:
        assert session.exec(select(User)).all() == []
        assert session.exec(select(Township)).all() == []
        _real_account(session)
    # `make run` later, without APP_ENV, keeps the database as it is: no demo accounts.
    monkeypatch.delenv("APP_ENV")
    main(["init-db"])
    with session_scope(fresh_file) as session:
        assert session.exec(select(User.username)).all() == ["chen"]
    monkeypatch.setenv("APP_ENV", "demo")
    with pytest.raises(SystemExit, match="production database"):
        main(["init-db"])
    with pytest.raises(SystemExit):
        main(["seed-demo"])
    with session_scope(fresh_file) as session:
        assert session.exec(select(User.username)).all() == ["chen"]


def test_load_units_fills_a_production_database_with_the_units_only(fresh_file, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    main(["init-db"])
    main(["load-units"])
    with session_scope(fresh_file) as session:
        assert len(session.exec(select(Township)).all()) == 14
        assert session.exec(select(User)).all() == []
