"""Users, roles and the login-throttle counters."""
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models_base import TimestampMixin, UTCDateTime, VersionMixin, utcnow
from app.units.models import Unit

LIBRARIAN, TRAINER, PROVINCE_STAFF, ADMIN = "librarian", "trainer", "province", "admin"
ROLES = {
    LIBRARIAN: _l("Commune librarian"),
    TRAINER: _l("Trainer"),
    PROVINCE_STAFF: _l("Province staff"),
    ADMIN: _l("Administrator"),
}
# Which kind of unit each role is scoped to (None: everything).
ROLE_UNIT_KIND = {LIBRARIAN: "commune", TRAINER: "province", PROVINCE_STAFF: "province", ADMIN: None}

# A hash to compare against when the username is unknown, so a login for a
# missing account takes as long as one for a real account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class RoleScope:
    """What a user's role means, shared by User and SessionUser."""

    role: str
    unit_id: int | None

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    @property
    def commune_id(self) -> int | None:
        return self.unit_id if self.role == LIBRARIAN else None


class User(RoleScope, UserMixin, TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('librarian', 'trainer', 'province', 'admin')", name="role"),
        CheckConstraint("role = 'admin' OR unit_id IS NOT NULL", name="unit_by_role"),
        CheckConstraint("language IN ('vi', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()

    # Flask-Login: the id kept in the cookie is the server-side session's token.
    session_id = None  # not a column: set when the session is loaded or started
    session_started_at = None  # not a column: when the loaded session began

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_id

    def set_password(self, password: str, *, must_change: bool = False) -> None:
        """A new password ends every session of the user (see UserSession)."""
        self.password_hash = generate_password_hash(password)
        self.must_change_password = must_change
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def start_session(self, source_address: str = "") -> "UserSession":
        session = UserSession(id=new_session_token(), user=self, source_address=source_address[:64],
                              created_at=utcnow())
        db.session.add(session)
        self.session_id, self.session_started_at = session.id, session.created_at
        return session

    def end_sessions(self, keep: str | None = None) -> int:
        """End every session of this user (but `keep`), on every app server;
        returns how many ended."""
        if self.id is None:
            return 0
        query = delete(UserSession).where(UserSession.user_id == self.id)
        if keep:
            query = query.where(UserSession.id != keep)
        return db.session.execute(query).rowcount

    @property
    def province_id(self) -> int | None:
        return self.unit.province_id if self.unit else None

    def __str__(self) -> str:
        return self.full_name or self.username


class SessionUser(RoleScope, UserMixin):
    """The logged-in user of a request, as the one row that loading the
    session gives (app.users.auth.load_user): plain attributes, no ORM object
    to build on every request. Its unit's name and province come in the same
    row; the Unit itself is loaded only when a page asks for more. A route
    that changes the user loads it: `db.session.get(User, current_user.id)`."""

    __tablename__ = User.__tablename__  # an audit event names it as it names a User

    def __init__(self, session_id: str, session_started_at, id: int, username: str, full_name: str, role: str,
                 unit_id: int | None, active: bool, must_change_password: bool, language: str,
                 unit_name: str | None, province_id: int | None, data_generation: int | None = None):
        self.session_id, self.session_started_at = session_id, session_started_at
        self.id, self.username, self.full_name, self.role, self.unit_id = id, username, full_name, role, unit_id
        self.active, self.must_change_password, self.language = active, must_change_password, language
        self.unit_name, self.province_id = unit_name, province_id
        self.data_generation = data_generation  # the data's version as the request began (app.pagecache)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_id

    @property
    def unit(self) -> Unit | None:
        return db.session.get(Unit, self.unit_id) if self.unit_id is not None else None

    def __str__(self) -> str:
        return self.full_name or self.username


def check_dummy_password(password: str) -> None:
    check_password_hash(_DUMMY_HASH, password)


class UserSession(db.Model):
    """One logged-in session. The cookie holds only its random id; logging out
    deletes the row, so a copied cookie is worthless afterwards."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed-login counter per key: 'device:NAME|NONCE' (a known browser of
    one account), 'pair:NAME|IP', 'account:NAME' or 'address:IP' (see
    app.users.auth). `locked_until` stays after a lock has ended: the next
    lock of the same key is then twice as long (`locks` counts them)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locks: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def subject(self) -> str:
        """The account, address or account|address the key counts."""
        return self.key.split(":", 1)[1] if ":" in self.key else self.key
