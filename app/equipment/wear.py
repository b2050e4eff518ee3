"""Wear (hao mòn) of the register's fixed assets, after the Ministry of Finance's
Thông tư 23/2023/TT-BTC on the management, calculation of wear and depreciation
of fixed assets at agencies, units and organisations (which replaced Thông tư
45/2018/TT-BTC).

- A fixed asset (tài sản cố định hữu hình) is one used for a year or more whose
  original value (nguyên giá) per unit is at least 10,000,000 ₫ (Article 3 of the
  circular). The threshold is the setting WEAR_THRESHOLD_VND (config.py), this
  by default. An item below it is a tool (công cụ, dụng cụ): it carries no wear
  and its value stays as entered.
- Appendix I of the circular lists, per kind of asset, its useful life (thời gian
  sử dụng) and annual wear rate (tỷ lệ hao mòn, % a year = 100 / life). DEFAULTS
  below maps each category of the register to the closest line of Appendix I,
  named as the appendix names it. A province may set another useful life per
  category for its own points (WearLife; the rate then follows as 100 / life).

How a year is counted is in wear_of()'s docstring.
"""
from dataclasses import dataclass
from datetime import date

from flask import current_app, g
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.equipment.models import CATEGORIES, _in
from app.extensions import db
from app.models_base import TimestampMixin

THRESHOLD_VND = 10_000_000  # Article 3 of Thông tư 23/2023/TT-BTC: 10 million đồng per unit or more
CIRCULAR = "Thông tư 23/2023/TT-BTC"
MAX_LIFE = 50  # the longest life of Appendix I (buildings) is 80 years; no equipment lasts 50


@dataclass(frozen=True)
class Rate:
    """A category's useful life in years and annual wear rate in hundredths of
    a percent (2000 = 20 %/year), with the line of Appendix I it follows, or
    `custom` when the province set the life itself."""

    life_years: int
    rate_bp: int
    line: str = ""
    custom: bool = False

    @property
    def rate_percent(self) -> int | float:
        """20 for 20 %, 12.5 for 12,5 %."""
        return self.rate_bp // 100 if self.rate_bp % 100 == 0 else self.rate_bp / 100


# Category → the closest line of Appendix I of Thông tư 23/2023/TT-BTC (group "Máy móc, thiết bị" and its
# sub-group "Máy móc, thiết bị văn phòng phổ biến"; "Tài sản cố định hữu hình khác" for the rest).
_OFFICE = "Máy móc, thiết bị văn phòng phổ biến"
DEFAULTS: dict[str, Rate] = {
    "computer": Rate(5, 2000, f"{_OFFICE}: máy vi tính để bàn, máy vi tính xách tay"),
    "printer": Rate(5, 2000, f"{_OFFICE}: máy in"),
    "audio_visual": Rate(5, 2000, f"{_OFFICE}: máy chiếu, thiết bị âm thanh, ti vi"),
    "network": Rate(5, 2000, f"{_OFFICE}: thiết bị mạng, truyền thông"),
    "cabinet": Rate(8, 1250, f"{_OFFICE}: bàn, ghế, tủ, giá kệ đựng tài liệu"),
    "shelf": Rate(8, 1250, f"{_OFFICE}: bàn, ghế, tủ, giá kệ đựng tài liệu"),
    "desk": Rate(8, 1250, f"{_OFFICE}: bàn, ghế, tủ, giá kệ đựng tài liệu"),
    "chair": Rate(8, 1250, f"{_OFFICE}: bàn, ghế, tủ, giá kệ đựng tài liệu"),
    "other": Rate(8, 1250, "Tài sản cố định hữu hình khác"),
}
assert set(DEFAULTS) == set(CATEGORIES)


def rate_for_life(life_years: int) -> int:
    """The annual rate, in hundredths of a percent, of a useful life: 100 % / life (8 years: 1250 = 12.5 %)."""
    return round(10_000 / life_years)


class WearLife(TimestampMixin, db.Model):
    """A province's own useful life for a category, in place of the circular's default."""

    __tablename__ = "wear_life"
    __table_args__ = (
        UniqueConstraint("province_id", "category"),
        CheckConstraint(f"life_years >= 1 AND life_years <= {MAX_LIFE}", name="life_years_range"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    life_years: Mapped[int]


def threshold() -> int:
    """The fixed-asset threshold per unit in đồng (setting WEAR_THRESHOLD_VND)."""
    return int(current_app.config.get("WEAR_THRESHOLD_VND", THRESHOLD_VND))


def province_lives(province_id: int) -> dict[str, int]:
    """{category: life in years} the province set itself. One query."""
    return dict(db.session.execute(
        select(WearLife.category, WearLife.life_years).where(WearLife.province_id == province_id)).all())


def rates_of(province_id: int | None) -> dict[str, Rate]:
    """Every category's rate for the province: its own life where it set one,
    else the circular's. Read once per request and province."""
    cache = g.setdefault("wear_rates", {})
    if province_id not in cache:
        own = province_lives(province_id) if province_id is not None else {}
        cache[province_id] = {
            category: Rate(own[category], rate_for_life(own[category]), default.line, custom=True)
            if category in own else default
            for category, default in DEFAULTS.items()
        }
    return cache[province_id]


@dataclass(frozen=True)
class Wear:
    """An item's wear as of a day, for all its units (values in đồng)."""

    subject: bool  # a fixed asset (unit value at or above the threshold): worn; else its value stays
    rate: Rate
    years: int  # years of wear counted so far
    original: int  # unit value × quantity
    annual: int  # wear a year, all units
    accumulated: int
    remaining: int
    worn_out_on: date | None  # the 31 December its value reaches 0 (may lie ahead)

    @property
    def fully_worn(self) -> bool:
        return self.subject and self.remaining == 0


def wear_of(unit_value: int | None, received_on: date | None, as_of: date, rate: Rate, limit: int,
            quantity: int = 1) -> Wear | None:
    """The wear of `quantity` units of `unit_value` đồng received on
    `received_on`, as of `as_of`; None when the value or the receipt date is
    not known.

    The rule (Thông tư 23/2023/TT-BTC): wear is computed once a year, on 31
    December, for the whole year, on every fixed asset on the books that day:
    annual wear = original value × rate. An asset received during a year (in
    August, say) is on the books on that year's 31 December, so the year of
    receipt counts as a full year; an asset received in 2013 has its first
    wear on 31/12/2013. Before the 31 December of a year, that year is not yet
    counted. In the last year of the useful life the wear is what remains (the
    rounding of the rate never leaves a remainder), and the remaining value
    (original − accumulated wear) is never below 0. A unit below `limit` is
    not a fixed asset: no wear, its value stays."""
    if unit_value is None or received_on is None:
        return None
    original = unit_value * quantity
    if unit_value < limit:
        return Wear(False, rate, 0, original, 0, 0, original, None)
    annual_unit = (unit_value * rate.rate_bp + 5_000) // 10_000  # rounded to the đồng, half up
    closed_years = as_of.year - (0 if (as_of.month, as_of.day) == (12, 31) else 1)  # the last 31 December passed
    years = max(0, closed_years - received_on.year + 1)
    # Years to reach 0: the useful life, or fewer when rounding up the rate gets there first.
    years_to_zero = min(rate.life_years, -(-unit_value // annual_unit)) if annual_unit else rate.life_years
    accumulated_unit = unit_value if years >= years_to_zero else min(unit_value, annual_unit * years)
    return Wear(True, rate, years, original, annual_unit * quantity, accumulated_unit * quantity,
                (unit_value - accumulated_unit) * quantity, date(received_on.year + years_to_zero - 1, 12, 31))


def item_wear(item, as_of: date | None = None) -> Wear | None:
    """wear_of() for a register item, with its province's rates, as of today by default."""
    from app.formatting import today_local

    province_id = item.point.commune.parent_id
    rate = rates_of(province_id)[item.category] if item.category in DEFAULTS else DEFAULTS["other"]
    return wear_of(item.unit_value, item.received_on, as_of or today_local(), rate, threshold(), item.quantity)

