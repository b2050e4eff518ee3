"""Demo period reports: the months before last approved (mostly on time, some
late), last month in every state — submitted, returned with a comment,
approved, or still missing — so the queue has something to decide."""
import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.formatting import today_local
from app.periods import Period
from app.reports.models import APPROVED, RETURNED, SUBMITTED, PeriodReport, default_due_on
from app.users.models import User

HCM = timezone(timedelta(hours=7))
MONTHS = 6


def _at(day, hour=9):
    return datetime.combine(day, time(hour, 0), HCM).astimezone(timezone.utc)


def demo_reports(province, communes, years):
    today = today_local()
    staff = db.session.scalar(select(User.id).where(User.role == "province", User.unit_id == province.id))
    librarians = dict(db.session.execute(select(User.unit_id, User.id).where(User.role == "librarian")).all())
    have = set(db.session.execute(select(PeriodReport.commune_id, PeriodReport.year, PeriodReport.month)).all())
    last = today.replace(day=1) - timedelta(days=1)
    months = []
    day = last
    for _ in range(MONTHS):
        months.append(Period.month(day.year, day.month))
        day = day.replace(day=1) - timedelta(days=1)
    if province.reporting_from is None:
        province.reporting_from = months[-1].start  # the province reports from the first demo month
    for commune in communes:
        rng = random.Random(commune.id * 31337)
        for period in months:
            if (commune.id, period.year, period.number) in have:
                continue
            due = default_due_on(period.year, period.number)
            roll = rng.random()
            if period == months[0] and roll < 0.35:
                continue  # not submitted yet
            late = rng.random() < 0.15
            submitted = due + timedelta(days=rng.randint(1, 6)) if late else due - timedelta(days=rng.randint(0, 4))
            if submitted > today:
                continue
            report = PeriodReport(commune_id=commune.id, year=period.year, month=period.number, status=APPROVED,
                                  submitted_at=_at(submitted), first_submitted_at=_at(submitted),
                                  submitted_by_id=librarians.get(commune.id),
                                  decided_by_id=staff, decided_at=_at(min(today, submitted + timedelta(days=3)), 15))
            if period == months[0]:
                if roll < 0.75:
                    report.status, report.decided_at, report.decided_by_id = SUBMITTED, None, None
                elif roll < 0.85:
                    report.status = RETURNED
                    report.comment = ("Số lượt bạn đọc nhóm thiếu nhi tháng này thấp bất thường, "
                                      "đề nghị xã kiểm tra lại.")
            db.session.add(report)
