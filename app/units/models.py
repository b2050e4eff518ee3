"""Administrative units (province, commune) and library points."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, or_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, VersionMixin

PROVINCE = "province"
DEFAULT_GROWTH_TARGET = (5.0, 7.0)
# The plan's target for the share of library points operating effectively, in percent.
DEFAULT_EFFECTIVE_TARGET = (60.0, 70.0)
COMMUNE = "commune"

# The division types of the 2025 two-level list, as vietnam-provinces names them.
DIVISION_LABELS = {
    "tỉnh": _l("province"),
    "thành phố trung ương": _l("centrally-run city"),
    "xã": _l("commune"),
    "phường": _l("ward"),
    "đặc khu": _l("special zone"),
}

POINT_MODELS = {
    "library_cultural_centre": _l("Community library and cultural centre"),
    "internet_access_point": _l("Public internet access point"),
    "commune_library": _l("Commune library"),
    "reading_room": _l("Reading room"),
    "other": _l("Other"),
}

# The digital-library deployment checklist: column name → label.
CHECKLIST = {
    "internet_computer_on": _l("Internet-connected computer available"),
    "software_installed_on": _l("Library software installed"),
    "staff_trained_on": _l("Staff trained"),
    "serving_readers_on": _l("Serving readers"),
}


class Unit(VersionMixin, db.Model):
    """A province or a commune (xã / phường / đặc khu), loaded from vietnam-provinces."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("kind IN ('province', 'commune')", name="kind"),
        CheckConstraint(
            "(kind = 'province' AND parent_id IS NULL) OR "
            "(kind = 'commune' AND parent_id IS NOT NULL)",
            name="parent_by_kind",
        ),
        Index("ix_unit_parent_kind", "parent_id", "kind"),
        CheckConstraint("growth_target_min <= growth_target_max", name="growth_target_order"),
        CheckConstraint("effective_target_min <= effective_target_max", name="effective_target_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    division_type: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # A province's target for the yearly growth of reader visits, in percent (5–7 % by default).
    growth_target_min: Mapped[float] = mapped_column(default=DEFAULT_GROWTH_TARGET[0], server_default="5")
    growth_target_max: Mapped[float] = mapped_column(default=DEFAULT_GROWTH_TARGET[1], server_default="7")
    # A province's first reported month (the 1st of it): no report is expected before.
    reporting_from: Mapped[date | None]
    # When a province counts a library point as operating effectively (it is always active), and its target band.
    effective_needs_computer: Mapped[bool] = mapped_column(default=True, server_default=true())
    effective_needs_visits: Mapped[bool] = mapped_column(default=True, server_default=true())
    effective_needs_reports: Mapped[bool] = mapped_column(default=True, server_default=true())
    effective_target_min: Mapped[float] = mapped_column(default=DEFAULT_EFFECTIVE_TARGET[0], server_default="60")
    effective_target_max: Mapped[float] = mapped_column(default=DEFAULT_EFFECTIVE_TARGET[1], server_default="70")
    # Validity (communes merge): a commune is current while valid_to is empty or not yet past. A merged
    # commune's last day is valid_to and `successor` is the commune it merged into (app.units.reorg).
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children",
                                                 foreign_keys=[parent_id])
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    successor: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[successor_id])
    points: Mapped[list["LibraryPoint"]] = relationship(back_populates="commune")

    @property
    def province(self) -> "Unit":
        return self if self.kind == PROVINCE else self.parent

    @property
    def province_id(self) -> int:
        return self.id if self.kind == PROVINCE else self.parent_id

    def current_on(self, day: date) -> bool:
        return self.valid_to is None or self.valid_to >= day

    def __str__(self) -> str:
        return self.name


def current_units(day: date):
    """SQL condition: the unit is valid on `day` (no end, or an end not before it)."""
    return or_(Unit.valid_to.is_(None), Unit.valid_to >= day)


class LibraryPoint(TimestampMixin, VersionMixin, db.Model):
    """A library point (điểm thư viện) of a commune, with its digital-library checklist."""

    __tablename__ = "library_point"
    __table_args__ = (Index("ix_library_point_commune_active", "commune_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    model: Mapped[str] = mapped_column(String(40), default="library_cultural_centre")
    opened_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    internet_computer_on: Mapped[date | None]
    software_installed_on: Mapped[date | None]
    staff_trained_on: Mapped[date | None]
    serving_readers_on: Mapped[date | None]

    commune: Mapped[Unit] = relationship(back_populates="points")

    @property
    def model_label(self) -> str:
        return str(POINT_MODELS.get(self.model, self.model))

    @property
    def steps_done(self) -> int:
        return sum(1 for key in CHECKLIST if getattr(self, key) is not None)

    def checklist(self) -> list[tuple[str, str, date | None]]:
        return [(key, str(label), getattr(self, key)) for key, label in CHECKLIST.items()]

    def __str__(self) -> str:
        return self.name


class PointMove(db.Model):
    """A library point moved from one commune to another (a merger), on the
    first day it belongs to the new one. Its records dated before that day
    stay under the approvals of the commune they were made in (app.reports.locks)."""

    __tablename__ = "point_move"
    __table_args__ = (Index("ix_point_move_point_on", "point_id", "moved_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id", ondelete="CASCADE"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    moved_on: Mapped[date]


class UnitAlias(db.Model):
    """A name or code of a unit before the 2025 reorganisation (a commune, or
    a district with its commune) and today's commune it became part of,
    loaded by an administrator from a mapping file. A name mapped to more than
    one commune is ambiguous: imports ask which one is meant."""

    __tablename__ = "unit_alias"
    __table_args__ = (
        UniqueConstraint("province_id", "old_code", "old_name", "old_district", "unit_id", name="uq_unit_alias"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    old_code: Mapped[str] = mapped_column(String(10), default="")
    old_name: Mapped[str] = mapped_column(String(120), default="")
    old_district: Mapped[str] = mapped_column(String(120), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
