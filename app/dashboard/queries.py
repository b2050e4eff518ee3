"""Counts for the home pages, one aggregate query each, scoped by app.access."""
from sqlalchemy import func, select

from app.access import visible_units
from app.extensions import db
from app.units.models import CHECKLIST, LibraryPoint, Unit
from app.users.models import User


def unit_counts(user) -> dict:
    """Communes in scope, active library points, and points with each checklist step."""
    communes = db.session.scalar(select(func.count()).select_from(visible_units(user).subquery()))
    row = db.session.execute(
        select(
            func.count(LibraryPoint.id),
            func.count(func.distinct(LibraryPoint.commune_id)),
            *[func.count(getattr(LibraryPoint, key)) for key in CHECKLIST],
        ).where(LibraryPoint.active.is_(True), LibraryPoint.commune_id.in_(visible_units(user)))
    ).one()
    return {
        "communes": communes,
        "points": row[0],
        "communes_with_points": row[1],
        "checklist": [(str(label), row[2 + i]) for i, label in enumerate(CHECKLIST.values())],
    }


def users_by_role(user) -> dict[str, int]:
    """Active users per role within the user's province (everyone for an admin)."""
    query = select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
    if user.role != "admin":
        in_province = select(Unit.id).where((Unit.id == user.province_id) | (Unit.parent_id == user.province_id))
        query = query.where(User.unit_id.in_(in_province))
    return dict(db.session.execute(query).all())
