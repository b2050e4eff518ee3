"""Queries over units and library points, always scoped by app.access."""
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.access import scope_points, visible_units
from app.extensions import db
from app.units.models import LibraryPoint, Unit


def communes_for(user):
    """The communes `user` may see, by name."""
    return db.session.scalars(
        select(Unit).where(Unit.id.in_(visible_units(user))).order_by(Unit.name)
    ).all()


def points_for(user, commune_id=None, q=None, include_inactive=False, limit=500):
    query = scope_points(select(LibraryPoint).join(LibraryPoint.commune).options(contains_eager(LibraryPoint.commune)), user)
    if commune_id:
        query = query.where(LibraryPoint.commune_id == commune_id)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(func.lower(LibraryPoint.name).like(like) | func.lower(Unit.name).like(like))
    if not include_inactive:
        query = query.where(LibraryPoint.active.is_(True))
    return db.session.scalars(query.order_by(Unit.name, LibraryPoint.name).limit(limit)).all()
