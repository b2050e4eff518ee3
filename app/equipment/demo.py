"""Demo registers: furniture, computers (some from the 2013 BMGF project, some
broken, a few liquidated), a printer, audio-visual gear, with their history."""
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from app.equipment.models import BROKEN, IN_USE, LIQUIDATED, UNDER_REPAIR, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.units.models import LibraryPoint
from app.users.models import User

HCM = timezone(timedelta(hours=7))

FURNITURE = [
    ("cabinet", "Tủ đựng tài liệu gỗ 2 cánh", (1, 3), 3_500_000),
    ("shelf", "Giá sách gỗ 5 tầng", (3, 8), 1_800_000),
    ("desk", "Bàn đọc 4 chỗ ngồi", (2, 5), 2_200_000),
    ("chair", "Ghế gỗ", (8, 24), 450_000),
]
REPAIRS = ["Thay ổ cứng", "Thay bộ nguồn", "Cài lại hệ điều hành", "Thay bàn phím, chuột", "Vệ sinh, tra keo tản nhiệt"]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def demo_equipment(province, communes, years):
    today = date(2026, 11, 1)
    points = db.session.scalars(
        select(LibraryPoint).where(LibraryPoint.commune_id.in_([c.id for c in communes]))
        .where(~LibraryPoint.id.in_(select(EquipmentItem.point_id)))
        .order_by(LibraryPoint.id)
    ).all()
    librarians = dict(db.session.execute(select(User.unit_id, User.id).where(User.role == "librarian")).all())
    for point in points:
        rng = random.Random(point.id * 7919)
        opened = point.opened_on or date(2015, 1, 1)
        items = []
        for category, description, (low, high), value in FURNITURE:
            items.append(EquipmentItem(point=point, category=category, description=description,
                                       quantity=rng.randint(low, high),
                                       funding_source=rng.choice(["commune", "province", "donation"]),
                                       received_on=_day(rng, opened, today), unit_value=value))
        bmgf = opened <= date(2014, 12, 31) or rng.random() < 0.4
        computers = rng.randint(3, 10)
        for n in range(computers):
            old = bmgf and n < 5
            received = date(2013, 8, 15) if old else _day(rng, date(2018, 1, 1), today)
            condition = IN_USE
            roll = rng.random()
            if old and roll < 0.25:
                condition = LIQUIDATED
            elif roll < 0.2:
                condition = BROKEN
            elif roll < 0.27:
                condition = UNDER_REPAIR
            items.append(EquipmentItem(
                point=point, category="computer", quantity=1, condition=condition,
                description=("Máy tính để bàn (dự án BMGF)" if old else "Máy tính để bàn Dell Vostro") + f" số {n + 1}",
                asset_code=f"{'BMGF-2013' if old else 'MT'}-{point.id:03d}-{n + 1:02d}",
                funding_source="bmgf" if old else rng.choice(["province", "commune", "donation"]),
                internet_connected=condition == IN_USE and rng.random() < 0.85,
                received_on=received, unit_value=11_500_000 if old else 14_900_000))
        items.append(EquipmentItem(point=point, category="printer", description="Máy in laser Canon LBP2900",
                                   funding_source="bmgf" if bmgf else "province", quantity=1,
                                   condition=BROKEN if rng.random() < 0.2 else IN_USE,
                                   received_on=date(2013, 8, 15) if bmgf else _day(rng, date(2019, 1, 1), today),
                                   unit_value=3_200_000))
        if rng.random() < 0.7:
            items.append(EquipmentItem(point=point, category="audio_visual", description="Ti vi 43 inch và loa kéo",
                                       funding_source="donation", quantity=1,
                                       received_on=_day(rng, date(2020, 1, 1), today),
                                       unit_value=9_000_000))
        items.append(EquipmentItem(point=point, category="network", description="Bộ phát Wi-Fi TP-Link",
                                   funding_source="commune", quantity=1, internet_connected=True,
                                   received_on=_day(rng, date(2019, 1, 1), today), unit_value=650_000))
        db.session.add_all(items)
        db.session.flush()
        for item in items:
            _history(rng, item, today, librarians.get(point.commune_id))


def _history(rng: random.Random, item: EquipmentItem, today: date, recorder_id) -> None:
    start = item.received_on or date(2015, 1, 1)
    events = []
    if item.category == "computer":
        for _ in range(rng.randint(0, 3)):
            events.append(EquipmentEvent(item=item, kind="maintenance", occurred_on=_day(rng, start, today),
                                         cost=rng.choice([0, 150_000, 200_000, 300_000]),
                                         description="Bảo dưỡng định kỳ, vệ sinh máy"))
        if rng.random() < 0.4:
            events.append(EquipmentEvent(item=item, kind="repair", occurred_on=_day(rng, start, today),
                                         cost=rng.choice([450_000, 800_000, 1_200_000]),
                                         description=rng.choice(REPAIRS)))
    if item.condition in (BROKEN, UNDER_REPAIR):
        events.append(EquipmentEvent(item=item, kind="condition_change", occurred_on=_day(rng, date(2025, 6, 1), today),
                                     old_condition=IN_USE, new_condition=item.condition,
                                     description="Máy không khởi động được" if item.category == "computer" else "Hỏng"))
    if item.condition == LIQUIDATED:
        events.append(EquipmentEvent(item=item, kind="liquidation", occurred_on=_day(rng, date(2022, 1, 1), today),
                                     old_condition=BROKEN, new_condition=LIQUIDATED,
                                     description="Thanh lý theo quy định về tài sản công (hỏng, không sửa được)"))
    for event in events:
        # Recorded by the commune's librarian (when there is one) on the day it happened.
        event.recorded_by_id = recorder_id
        event.created_at = datetime.combine(event.occurred_on, time(9, 0), HCM).astimezone(timezone.utc)
    db.session.add_all(events)
