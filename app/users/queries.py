"""Users looked up by other domains (role names stay in app.users and app.access)."""
from sqlalchemy import delete, func, or_, select, update

from app.extensions import db
from app.models_base import utcnow
from app.units.models import Unit
from app.users.models import PROVINCE_STAFF, TRAINER, User, UserSession


def possible_trainers(province_id: int | None) -> list[User]:
    """Active trainers and province staff of a province (of every province for None), by name."""
    query = select(User).where(User.active.is_(True), User.role.in_((TRAINER, PROVINCE_STAFF))).order_by(User.full_name)
    if province_id is not None:
        query = query.where(User.unit_id == province_id)
    return db.session.scalars(query).all()


def users_by_id(ids) -> list[User]:
    return db.session.scalars(select(User).where(User.id.in_(list(ids or [])))).all() if ids else []


def by_username(username: str) -> User | None:
    """The account of a username, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def record_login(user: User) -> None:
    """A plain UPDATE, outside the version check: two phones logging in to the
    same account at once must not see a conflict."""
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))


def other_sessions(user: User) -> int:
    """How many sessions of `user` there are besides the current one."""
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.id != user.session_id))


def end_session(session_id) -> None:
    db.session.execute(delete(UserSession).where(UserSession.id == session_id))


def all_units() -> list[Unit]:
    """Provinces first, then communes, each by name."""
    return db.session.scalars(select(Unit).order_by(Unit.kind.desc(), Unit.name)).all()


def user_list(text: str | None = None, role: str | None = None, show_inactive: bool = False, limit: int = 500):
    """Users by username, matching `text` in the username or full name."""
    query = select(User).order_by(User.username)
    if text:
        like = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(like), func.lower(User.full_name).like(like)))
    if role:
        query = query.where(User.role == role)
    if not show_inactive:
        query = query.where(User.active.is_(True))
    return db.session.scalars(query.limit(limit)).all()
