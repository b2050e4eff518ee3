"""Period reports: a commune's month, submitted by its librarian and approved,
returned or reopened by the province. An approved month locks the commune's
records dated in it (see app.reports.locks)."""
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, UTCDateTime, VersionMixin
from app.periods import Period
from app.units.models import Unit
from app.users.models import User

DRAFT, SUBMITTED, APPROVED, RETURNED = "draft", "submitted", "approved", "returned"
STATES = {
    DRAFT: _l("Not submitted"),
    SUBMITTED: _l("Submitted"),
    APPROVED: _l("Approved"),
    RETURNED: _l("Returned"),
}
DEADLINE_DAY = 5  # by default a month is due on the 5th of the next month


def default_due_on(year: int, month: int) -> date:
    first_of_next = (date(year, month, 28) + timedelta(days=4)).replace(day=1)
    return first_of_next.replace(day=DEADLINE_DAY)


class PeriodReport(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "period_report"
    __table_args__ = (
        UniqueConstraint("commune_id", "year", "month", name="uq_period_report_commune_month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATES)})", name="status"),
        Index("ix_period_report_month_status", "year", "month", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int]
    month: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    note: Mapped[str] = mapped_column(Text, default="")  # the librarian's, with the submission
    comment: Mapped[str] = mapped_column(Text, default="")  # the province's, with a return or a reopening
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest submission
    # The first submission: timeliness is decided by it, and a return or a reopening never changes it.
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    commune: Mapped[Unit] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def access_parent(self):
        return self.commune

    @property
    def period(self) -> Period:
        return Period.month(self.year, self.month)

    @property
    def status_label(self) -> str:
        return str(STATES.get(self.status, self.status))


class ReportSnapshot(db.Model):
    """The period's figures and cells as they were at one submission of a report,
    so the approver sees what changed since the previous one."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("period_report.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(JSON)


class PeriodDeadline(db.Model):
    """The province's due date for a month (when none is set: the 5th of the next month)."""

    __tablename__ = "period_deadline"
    __table_args__ = (UniqueConstraint("province_id", "year", "month", name="uq_period_deadline_province_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int]
    month: Mapped[int]
    due_on: Mapped[date]


def submitted_on_time(submitted_at: datetime | None, due_on: date) -> bool | None:
    """On time when submitted by the end of the due day in Asia/Ho_Chi_Minh; None if not submitted."""
    if submitted_at is None:
        return None
    return to_user_timezone(submitted_at).date() <= due_on
