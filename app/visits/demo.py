"""Demo visits: daily counts for every demo point over the last years, with a
weekly rhythm, the Tết holiday dip, more children in the summer holidays, and
a yearly growth near the province target for most communes (a decline for a few)."""
import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import insert, select

from app.extensions import db
from app.formatting import today_local
from app.units.models import LibraryPoint
from app.visits.models import GROUPS, SERVICES, VisitCount

# First day of the lunar new year.
TET = {2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
       2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6)}
WEEKDAY = [0.55, 0.9, 0.9, 0.95, 1.0, 1.45, 1.35]  # Monday … Sunday
SERVICE_SHARE = {"reading": 0.34, "lending": 0.26, "computer": 0.16, "digital": 0.09, "community": 0.15}
GROUP_SHARE = {"children": 0.28, "students": 0.36, "adults": 0.25, "elderly": 0.11}
# Who uses what: few elderly readers at the computers, many children at community activities.
AFFINITY = {("computer", "elderly"): 0.3, ("digital", "elderly"): 0.4, ("computer", "children"): 0.6,
            ("community", "children"): 1.5, ("community", "elderly"): 1.6, ("lending", "students"): 1.3}


def _holiday_factor(day: date) -> float:
    tet = TET.get(day.year) if day.month <= 3 else None
    if tet is None:
        return 1.0
    offset = (day - tet).days
    if -2 <= offset <= 4:
        return 0.0  # closed for Tết
    if -8 <= offset <= 12:
        return 0.45
    return 1.0


def _weights(day: date, digital_from: date | None):
    summer = day.month in (6, 7, 8)
    cells, weights = [], []
    for service in SERVICES:
        if service == "digital" and (digital_from is None or day < digital_from):
            continue
        for group in GROUPS:
            weight = SERVICE_SHARE[service] * GROUP_SHARE[group] * AFFINITY.get((service, group), 1.0)
            if summer and group == "children":
                weight *= 1.9
            elif summer and group == "students":
                weight *= 1.25
            cells.append((service, group))
            weights.append(weight)
    return cells, weights


def demo_visits(province, communes, years):
    end = today_local() - timedelta(days=1)
    start = date(end.year - years + 1, 1, 1)
    points = db.session.scalars(
        select(LibraryPoint).where(LibraryPoint.commune_id.in_([c.id for c in communes]))
        .where(~LibraryPoint.id.in_(select(VisitCount.point_id))).order_by(LibraryPoint.id)
    ).all()
    table = VisitCount.__table__
    for point in points:
        rng = random.Random(point.id * 104729)
        daily = rng.uniform(14, 42)  # a typical day in the last year
        growth = rng.uniform(-0.10, -0.02) if rng.random() < 0.15 else rng.uniform(0.035, 0.095)
        opened = max(start, point.opened_on or start)
        rows = []
        weights_by_season = {}
        day = opened
        while day <= end:
            factor = WEEKDAY[day.weekday()] * _holiday_factor(day) * (1 + growth) ** ((day - end).days / 365.25)
            mean = daily * factor
            total = max(0, round(rng.gauss(mean, mean ** 0.5))) if mean > 0 else 0
            if total:
                key = (day.month in (6, 7, 8),
                       point.software_installed_on is not None and day >= point.software_installed_on)
                if key not in weights_by_season:
                    weights_by_season[key] = _weights(day, point.software_installed_on)
                cells, weights = weights_by_season[key]
                for (service, group), count in Counter(rng.choices(cells, weights, k=total)).items():
                    rows.append({"point_id": point.id, "day": day, "service": service, "reader_group": group,
                                 "count": count})
            day += timedelta(days=1)
        if rows:
            db.session.execute(insert(table), rows)
