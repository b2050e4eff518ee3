"""The equipment register: items, their event history, stock-takes, imports."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import TimestampMixin, UTCDateTime, VersionMixin, utcnow
from app.units.models import LibraryPoint
from app.users.models import User

CATEGORIES = {
    "cabinet": _l("Cabinet"),
    "shelf": _l("Shelf / book rack"),
    "desk": _l("Desk"),
    "chair": _l("Chair"),
    "computer": _l("Computer"),
    "printer": _l("Printer"),
    "audio_visual": _l("Projector / TV / audio-visual"),
    "network": _l("Network device"),
    "other": _l("Other"),
}
# How the figures group the categories: like with like, never one sum of unlike things.
CATEGORY_GROUPS = {
    "computers": (_l("Computers"), ("computer",)),
    "printers": (_l("Printers"), ("printer",)),
    "audio_visual": (_l("Audio-visual"), ("audio_visual",)),
    "network": (_l("Network devices"), ("network",)),
    "furniture": (_l("Furniture"), ("cabinet", "shelf", "desk", "chair")),
    "other": (_l("Other"), ("other",)),
}
GROUP_OF = {category: group for group, (_label, categories) in CATEGORY_GROUPS.items() for category in categories}
IN_USE, BROKEN, UNDER_REPAIR, LIQUIDATED = "in_use", "broken", "under_repair", "liquidated"
CONDITIONS = {
    IN_USE: _l("In use"),
    BROKEN: _l("Broken"),
    UNDER_REPAIR: _l("Under repair"),
    LIQUIDATED: _l("Liquidated"),
}
ACTIVE_CONDITIONS = (IN_USE, BROKEN, UNDER_REPAIR)
FUNDING_SOURCES = {
    "bmgf": _l("BMGF project"),
    "central": _l("Central budget"),
    "province": _l("Province budget"),
    # Districts existed until 2025: items they funded keep that source.
    "district": _l("District budget"),
    "commune": _l("Commune budget"),
    "donation": _l("Donation / xã hội hóa"),
    "other": _l("Other"),
}
EVENT_KINDS = {
    "maintenance": _l("Maintenance"),
    "repair": _l("Repair"),
    "replacement": _l("Replacement"),
    "upgrade": _l("Upgrade"),
    "stocktake": _l("Stock-take"),
    "condition_change": _l("Condition change"),
    "liquidation": _l("Liquidation"),
    "restore": _l("Restored from liquidation"),
}
# Kinds a person records from the item page (stock-take and restore have their own pages; a liquidation is
# recorded with the minutes of a liquidation decided by the province, app.equipment.liquidation, by no one directly).
RECORDABLE_KINDS = ("maintenance", "repair", "replacement", "upgrade", "condition_change")
# What a stock-take found of an item (equipment_event.outcome on its "stocktake" event): there as the register
# says; not found; there in another condition (the item takes it); there in another number (the event keeps the
# number found, the register keeps its own until the difference is dealt with). See app/equipment/stocktakes.py.
PRESENT, MISSING, OTHER_CONDITION, OTHER_QUANTITY = "present", "missing", "condition", "quantity"
OUTCOMES = {
    PRESENT: _l("Present as registered"),
    MISSING: _l("Not found"),
    OTHER_CONDITION: _l("Found in another condition"),
    OTHER_QUANTITY: _l("Found in another quantity"),
}


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EquipmentItem(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "equipment_item"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_value IS NULL OR unit_value >= 0", name="unit_value_not_negative"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("condition", CONDITIONS), name="condition"),
        CheckConstraint(_in("funding_source", FUNDING_SOURCES), name="funding_source"),
        CheckConstraint("received_precision IS NULL OR received_precision IN ('day', 'month')",
                        name="received_precision"),
        CheckConstraint("maintenance_months IS NULL OR (maintenance_months >= 0 AND maintenance_months <= 120)",
                        name="maintenance_months"),
        Index("ix_equipment_item_point_condition", "point_id", "condition"),
        Index("ix_equipment_item_point_category", "point_id", "category"),
        Index("ix_equipment_item_split_from", "split_from_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id"))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    asset_code: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    condition: Mapped[str] = mapped_column(String(20), default=IN_USE)
    internet_connected: Mapped[bool] = mapped_column(default=False)
    funding_source: Mapped[str] = mapped_column(String(20), default="other")
    received_on: Mapped[date | None]
    # "day", or "month" for a date known only to its month ("08/2013", kept as the month's 1st,
    # so an as-of reading counts the item from the month's start); NULL when there is no date.
    received_precision: Mapped[str | None] = mapped_column(String(5))
    unit_value: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # The row this one was split off from (part of a lot: app/equipment/lots.py).
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_item.id"))
    # Months between two maintenances of this item, overriding its province's interval for its category
    # (app.equipment.maintenance_queries); NULL: the province's, 0: no scheduled maintenance.
    maintenance_months: Mapped[int | None]

    point: Mapped[LibraryPoint] = relationship()
    split_from: Mapped["EquipmentItem | None"] = relationship(remote_side=[id])
    events: Mapped[list["EquipmentEvent"]] = relationship(
        back_populates="item", order_by="(EquipmentEvent.created_at.desc(), EquipmentEvent.id.desc())",  # as recorded
        cascade="all, delete-orphan",
    )

    @property
    def access_parent(self):
        return self.point

    @property
    def active(self) -> bool:
        return self.condition != LIQUIDATED

    @property
    def received_label(self) -> str:
        """The receipt date as it is known: 15/08/2013, or 08/2013."""
        from app.formatting import fmt_day_or_month

        return fmt_day_or_month(self.received_on, self.received_precision)

    @property
    def category_label(self) -> str:
        return str(CATEGORIES.get(self.category, self.category))

    @property
    def condition_label(self) -> str:
        return str(CONDITIONS.get(self.condition, self.condition))

    @property
    def funding_label(self) -> str:
        return str(FUNDING_SOURCES.get(self.funding_source, self.funding_source))

    @property
    def total_value(self) -> int | None:
        return self.unit_value * self.quantity if self.unit_value is not None else None

    def __str__(self) -> str:
        return self.description


class StockTake(db.Model):
    """A stock-take (kiểm kê) of a point: complete when every item active at
    the time has been confirmed."""

    __tablename__ = "stock_take"
    __table_args__ = (Index("ix_stock_take_point_started", "point_id", "started_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id"))
    started_on: Mapped[date]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    point: Mapped[LibraryPoint] = relationship()

    @property
    def access_parent(self):
        return self.point


class EquipmentEvent(db.Model):
    __tablename__ = "equipment_event"
    __table_args__ = (
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
        Index("ix_equipment_event_item_date", "item_id", "occurred_on"),
        Index("ix_equipment_event_stock_take", "stock_take_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id"))
    occurred_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20))
    cost: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    old_condition: Mapped[str | None] = mapped_column(String(20))
    new_condition: Mapped[str | None] = mapped_column(String(20))
    stock_take_id: Mapped[int | None] = mapped_column(ForeignKey("stock_take.id"))
    # How many of the item the event concerned (NULL: all of it); on a stock-take, how many were found.
    quantity: Mapped[int | None]
    # A stock-take's finding (OUTCOMES); NULL on other events.
    outcome: Mapped[str | None] = mapped_column(String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[EquipmentItem] = relationship(back_populates="events")
    stock_take: Mapped[StockTake | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(lazy="joined")  # shown on every history line

    @property
    def access_parent(self):
        return self.item

    @property
    def kind_label(self) -> str:
        return str(EVENT_KINDS.get(self.kind, self.kind))

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome or ""))
