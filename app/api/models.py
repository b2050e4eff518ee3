"""API tokens: one per system that reads a province's figures.

A token is `stv_<public id>_<secret>`. Only the public id (shown as the
token's prefix) and the sha256 of the whole token are kept; the token itself
is shown once, when it is made. A token acts with its creator's scope, within
its province, and stops working when revoked or when its creator is
deactivated. Its calls are counted per fixed window (window_start,
window_count) by one UPDATE per call, which also records when it was last used.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.units.models import Unit
from app.users.models import User

TOKEN_START = "stv_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """(public id, whole token): the public id names the token in lists and logs."""
    public_id = secrets.token_hex(5)
    return public_id, f"{TOKEN_START}{public_id}_{secrets.token_urlsafe(32)}"


def public_id_of(token: str) -> str | None:
    """The public id a presented token names, or None when it is not shaped like one of ours."""
    if not token.startswith(TOKEN_START):
        return None
    public_id, sep, secret = token[len(TOKEN_START):].partition("_")
    if not sep or len(public_id) != 10 or not secret:
        return None
    return public_id


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_province", "province_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    public_id: Mapped[str] = mapped_column(String(10), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fixed rate-limit window: its start (whole seconds since the epoch) and the calls made in it.
    window_start: Mapped[int] = mapped_column(default=0)
    window_count: Mapped[int] = mapped_column(default=0)

    province: Mapped[Unit] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def access_parent(self):
        return self.province

    @property
    def prefix(self) -> str:
        return f"{TOKEN_START}{self.public_id}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.secret_hash, digest(token))
