"""Demo standard: the dispatch's list for each point model (DEFAULT_STANDARD),
valid from the dispatch's date, and its deadline (before 01/07/2026)."""
from datetime import date

from sqlalchemy import select

from app.equipment.models import CATEGORIES
from app.extensions import db
from app.standards.models import DEFAULT_STANDARD, StandardLine, StandardSettings

DISPATCH_DAY = date(2026, 1, 1)
DEADLINE = date(2026, 6, 30)


def demo_standard(province, communes, years):
    if db.session.scalar(select(StandardLine.id).where(StandardLine.province_id == province.id).limit(1)) is None:
        for model, required in DEFAULT_STANDARD.items():
            for category in CATEGORIES:
                quantity, internet = required.get(category, 0), False
                if isinstance(quantity, tuple):
                    quantity, internet = quantity
                db.session.add(StandardLine(province_id=province.id, point_model=model, valid_from=DISPATCH_DAY,
                                            category=category, min_quantity=quantity, needs_internet=internet))
    if db.session.scalar(select(StandardSettings.id).where(StandardSettings.province_id == province.id)) is None:
        db.session.add(StandardSettings(province_id=province.id, start_date=DISPATCH_DAY, deadline=DEADLINE))
