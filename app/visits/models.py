"""Reader visits: one counter per (point, day, service, reader group)."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import UTCDateTime
from app.units.models import LibraryPoint

SERVICES = {
    "reading": _l("Reading on site"),
    "lending": _l("Book lending"),
    "computer": _l("Computer & internet"),
    "digital": _l("Digital library"),
    "community": _l("Community activity"),
}
GROUPS = {
    "children": _l("Children"),
    "students": _l("Pupils & students"),
    "adults": _l("Adults"),
    "elderly": _l("Elderly"),
}
MAX_COUNT = 10_000  # per cell and day, the one bound of the tally, the grids and the import: more is a typing slip


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class VisitCount(db.Model):
    """How many readers used a service at a point on a day. A tally adds to the
    row atomically (INSERT … ON CONFLICT DO UPDATE SET count = count + 1)."""

    __tablename__ = "visit_count"
    __table_args__ = (
        UniqueConstraint("point_id", "day", "service", "reader_group", name="uq_visit_count_cell"),
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint(_in("service", SERVICES), name="service"),
        CheckConstraint(_in("reader_group", GROUPS), name="reader_group"),
        # Period roll-ups read, for each point, the range of days of the period;
        # with the count in the index they never touch the table (a covering
        # index: measured 5x faster than (day, point_id) on three years of data).
        Index("ix_visit_count_point_day", "point_id", "day", "count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id"))
    day: Mapped[date]
    service: Mapped[str] = mapped_column(String(20))
    reader_group: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(default=0)

    point: Mapped[LibraryPoint] = relationship()

    @property
    def access_parent(self):
        return self.point


RECEIPT_DAYS = 30  # days a tap's receipt is kept (README): a phone resends a tap whose answer it lost within minutes


class TapReceipt(db.Model):
    """One tap the server has counted, by the id the phone made for it. A tap
    sent twice (its answer was lost on the way back) finds its receipt and is
    answered with the same count, not counted again. Written in the same
    transaction as the count; pruned after RECEIPT_DAYS."""

    __tablename__ = "tap_receipt"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's random UUID, lower case
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id", ondelete="CASCADE"))
    day: Mapped[date]
    service: Mapped[str] = mapped_column(String(20))
    reader_group: Mapped[str] = mapped_column(String(20))
    step: Mapped[int]
    count: Mapped[int]  # the cell's count and the day's total that the tap was answered with
    total: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


OPEN, CHECKED, NEEDS_FIX = "open", "checked", "needs_fix"
FLAG_STATES = {
    OPEN: _l("To be checked"),
    CHECKED: _l("Checked"),
    NEEDS_FIX: _l("Needs correction"),
}
FLAG_SOURCES = {"grid": _l("Grid"), "import": _l("Import"), "tally": _l("Tally")}


class PlausibilityFlag(db.Model):
    """A count saved although it lay outside the range the cell's own history
    expects (app.visits.plausibility): the value, the range, the librarian's
    comment, and the province's follow-up (checked, or needs correction with a
    comment the librarian sees on their home page). One per cell: a later
    unusual value of the same cell replaces it; a value back in range removes it."""

    __tablename__ = "plausibility_flag"
    __table_args__ = (
        UniqueConstraint("point_id", "day", "service", "reader_group", name="uq_plausibility_flag_cell"),
        CheckConstraint(_in("state", FLAG_STATES), name="state"),
        CheckConstraint(_in("source", FLAG_SOURCES), name="source"),
        CheckConstraint(_in("service", SERVICES), name="service"),
        CheckConstraint(_in("reader_group", GROUPS), name="reader_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id", ondelete="CASCADE"))
    day: Mapped[date]
    service: Mapped[str] = mapped_column(String(20))
    reader_group: Mapped[str] = mapped_column(String(20))
    value: Mapped[int]
    expected_low: Mapped[int]
    expected_high: Mapped[int]
    source: Mapped[str] = mapped_column(String(10), default="grid")
    comment: Mapped[str] = mapped_column(Text, default="")  # the librarian's, when confirming
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default=OPEN)
    province_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    point: Mapped[LibraryPoint] = relationship()
    flagged_by = relationship("User", foreign_keys=[flagged_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def access_parent(self):
        return self.point
