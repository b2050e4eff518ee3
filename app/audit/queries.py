"""The audit trail's lists: the events a user may read, filtered, and the names of their units."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.access import scope_to_province
from app.audit.models import AuditEvent
from app.extensions import db
from app.units.models import COMMUNE, PROVINCE, Unit

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def filtered_events(user, username: str | None = None, unit_id: int | None = None, domain=None,
                    start: date | None = None, end: date | None = None):
    """A select of the events `user` may read (their province's units; everything
    for an admin), newest first. `domain` is a condition on AuditEvent (see
    app.audit.describe.DOMAINS). The dates are whole days in Asia/Ho_Chi_Minh."""
    query = scope_to_province(select(AuditEvent), AuditEvent.unit_id, user)
    if username:
        query = query.where(func.lower(AuditEvent.username).contains(username.strip().lower()))
    if unit_id:
        query = query.where(AuditEvent.unit_id == unit_id)
    if domain is not None:
        query = query.where(domain)
    if start:
        query = query.where(AuditEvent.created_at >= datetime.combine(start, time(), HCM))
    if end:
        query = query.where(AuditEvent.created_at < datetime.combine(end + timedelta(days=1), time(), HCM))
    return query.order_by(AuditEvent.id.desc())


def unit_names(ids=None) -> dict[int, str]:
    """Names of the communes and provinces among `ids` (of every unit for None)."""
    query = select(Unit.id, Unit.name)
    if ids is not None:
        query = query.where(Unit.id.in_(set(ids)), Unit.kind.in_((COMMUNE, PROVINCE)))
    return dict(db.session.execute(query).all())
