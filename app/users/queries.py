"""Users looked up by other domains (role names stay in app.users and app.access)."""
from sqlalchemy import select

from app.extensions import db
from app.users.models import PROVINCE_STAFF, TRAINER, User


def possible_trainers(province_id: int | None) -> list[User]:
    """Active trainers and province staff of a province (of every province for None), by name."""
    query = select(User).where(User.active.is_(True), User.role.in_((TRAINER, PROVINCE_STAFF))).order_by(User.full_name)
    if province_id is not None:
        query = query.where(User.unit_id == province_id)
    return db.session.scalars(query).all()


def users_by_id(ids) -> list[User]:
    return db.session.scalars(select(User).where(User.id.in_(list(ids or [])))).all() if ids else []
