"""The equipment standard of a province: for each model of library point, the
categories a point must have and the least quantity of each in working order
(computers, when asked, with internet). Each change is a new version valid from
the day it was made, so a report as of an earlier day reads the standard of
that day. The province's settings for the dispatch's progress report (its
deadline, and the day from which readers served are counted) sit beside it."""
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.equipment.models import CATEGORIES
from app.extensions import db
from app.models_base import TimestampMixin, VersionMixin
from app.units.models import POINT_MODELS, Unit

MAX_QUANTITY = 999

# What the demo province asks of each model (category → least working quantity,
# or (quantity, with internet) for computers), after the 2026 dispatch's list.
DEFAULT_STANDARD = {
    "library_cultural_centre": {"cabinet": 1, "shelf": 4, "desk": 2, "chair": 10, "computer": (3, True),
                                "printer": 1, "audio_visual": 1},
    "internet_access_point": {"desk": 2, "chair": 8, "computer": (5, True), "printer": 1, "network": 1},
    "commune_library": {"cabinet": 1, "shelf": 3, "desk": 1, "chair": 6, "computer": (1, True)},
    "reading_room": {"shelf": 2, "desk": 1, "chair": 6},
}

def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"

class StandardLine(db.Model):
    """One category of a point model's standard, in the version valid from `valid_from`.
    A version holds a line for every category (0 where none is required)."""

    __tablename__ = "standard_line"
    __table_args__ = (
        UniqueConstraint("province_id", "point_model", "valid_from", "category"),
        CheckConstraint(f"min_quantity >= 0 AND min_quantity <= {MAX_QUANTITY}", name="min_quantity_range"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("point_model", POINT_MODELS), name="point_model"),
        CheckConstraint("NOT needs_internet OR category = 'computer'", name="internet_for_computers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    point_model: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date]
    category: Mapped[str] = mapped_column(String(20))
    min_quantity: Mapped[int] = mapped_column(default=0)
    needs_internet: Mapped[bool] = mapped_column(default=False)

class StandardSettings(TimestampMixin, VersionMixin, db.Model):
    """A province's settings for the progress report: the dispatch's deadline
    (the report's default "as of") and the start date readers are counted from.
    Its version also guards the standard: every save of either moves it on."""

    __tablename__ = "standard_settings"
    __table_args__ = (
        CheckConstraint("start_date IS NULL OR deadline IS NULL OR start_date <= deadline",
                        name="start_before_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    deadline: Mapped[date | None]
    start_date: Mapped[date | None]

    province: Mapped[Unit] = relationship()

    @property
    def access_parent(self):
        return self.province
