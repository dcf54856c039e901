"""Demo accounts: admin, leader and one clerk per unit (clerk01, clerk02, … in the units' order)."""

from sqlmodel import Session, select

from models import Township, User
from models.enums import Role
from services import deployment, users
from services.permissions import SYSTEM

DEMO_PASSWORD = "Demo@2026"


def create_demo_users(session: Session) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the usernames created.

    Refused (``deployment.DemoRefused``) unless the database is a demo database.
    """
    if not deployment.is_demo(session):
        raise deployment.DemoRefused("demo accounts go only into a demo database")
    existing = set(session.exec(select(User.username)).all())
    wanted: list[tuple[str, str, Role, int | None]] = [
        ("admin", "区人大管理员", Role.district_admin, None),
        ("leader", "区人大领导", Role.district_leader, None),
    ]
    units = session.exec(select(Township).order_by(Township.sort_order, Township.id)).all()
    for n, unit in enumerate(units, start=1):
        wanted.append((f"clerk{n:02d}", f"{unit.name_zh}人大干事", Role.township_staff, unit.id))
    created = []
    for username, name, role, township_id in wanted:
        if username in existing:
            continue
        users.create_user(
            session,
            SYSTEM,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            role=role,
            township_id=township_id,
        )
        created.append(username)
    return created
