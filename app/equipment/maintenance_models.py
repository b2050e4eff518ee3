"""Maintenance schedules: a province's interval in months per equipment category
(an item may override it, EquipmentItem.maintenance_months)."""
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.equipment.models import CATEGORIES, _in
from app.extensions import db

MAX_MONTHS = 120  # ten years: anything longer is no schedule


class MaintenanceInterval(db.Model):
    """Every `months` months an item of `category` in the province is due for
    maintenance. A category without a row has no schedule."""

    __tablename__ = "maintenance_interval"
    __table_args__ = (
        UniqueConstraint("province_id", "category"),
        CheckConstraint(f"months >= 1 AND months <= {MAX_MONTHS}", name="months_range"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category: Mapped[str] = mapped_column(String(20))
    months: Mapped[int]
