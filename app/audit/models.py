"""Audit events: who did what to which object, when and from where.

Rows are only ever inserted; no route updates or deletes them.
"""
import json
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, Text, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_created_at", "created_at"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    username: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    source_address: Mapped[str] = mapped_column(String(64), default="")


def snapshot(obj, fields) -> dict:
    """The values of `fields` on `obj`, as JSON-safe values."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def record(action, obj=None, *, before=None, after=None, user=None, username=None, unit_id=None):
    """Write an audit event in the current transaction (committed with the
    change, rolled back with it). One INSERT, sent at once rather than through
    the ORM's unit of work: a tap writes one of these inside SQLite's write lock.
    Returns the event as written (not attached to the session)."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object gets its id before we name it
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    values = {
        "created_at": utcnow(),
        "action": action,
        "object_type": obj.__tablename__ if obj is not None else "",
        "object_id": getattr(obj, "id", None),
        "user_id": user.id if user is not None else None,
        "username": username or (user.username if user is not None else ""),
        "unit_id": unit_id,
        "before": json.dumps(before, ensure_ascii=False, default=str) if before else "",
        "after": json.dumps(after, ensure_ascii=False, default=str) if after else "",
        "source_address": (request.remote_addr or "") if has_request_context() else "cli",
    }
    db.session.execute(insert(AuditEvent.__table__), values)
    return AuditEvent(**values)


NOT_IN_HISTORY = ("tally", "tally_undo")  # one per tap: the visit summaries show those


def history_of(obj, limit: int = 20) -> list[AuditEvent]:
    """The latest audit events of one record, newest first (taps left out)."""
    from sqlalchemy import select

    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id,
                                 AuditEvent.action.not_in(NOT_IN_HISTORY))
        .order_by(AuditEvent.id.desc()).limit(limit)
    ).all()


def changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for the fields an event changed; every field when
    there is no "before" (a creation or a step)."""
    try:
        before = json.loads(event.before) if event.before else {}
        after = json.loads(event.after) if event.after else {}
    except ValueError:
        return []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [(key, before.get(key), value) for key, value in after.items() if before.get(key) != value]
