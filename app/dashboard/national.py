"""The national roll-up: every province with the figures the province
dashboard gives each commune, for an administrator.

One aggregate query per table, each grouped by province (visits now and a
year earlier, library points, sessions, people trained, reports), never a
loop over provinces. The visits are grouped by commune too, so a province's
change is counted like for like over its communes, as its own dashboard counts it.
"""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from app.dashboard.queries import _visit_ranges
from app.extensions import db
from app.formatting import vi_sort_key
from app.models_base import UTCDateTime
from app.periods import CLOSE, MET, MISSED, Period, growth_percent, target_status
from app.reports.models import APPROVED, RETURNED, PeriodDeadline, PeriodReport, default_due_on
from app.reports.queries import expected_months
from app.training.models import Attendance, TrainingSession
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.visits.models import VisitCount
from app.visits.queries import like_for_like

HCM = timezone(timedelta(hours=7))
REPORT_KEYS = ("expected", "submitted", "on_time", "late", "approved", "returned")


def visits_by_province(start: date, end: date) -> dict[int, dict[int, int]]:
    """{province id: {commune id: visits between two days}}. A range sum per
    point over ix_visit_count_point_day (point_id, day, count), so only the
    period's rows are read, then summed per commune. Measured on five years of
    the whole country (15.7 million rows, PostgreSQL): a month 251 ms, a year
    474 ms, against 835 and 791 ms for the scan of every row by date that the
    planner picks for a plain GROUP BY (bench/national.py)."""
    visits = (select(func.sum(VisitCount.count))
              .where(VisitCount.point_id == LibraryPoint.id, VisitCount.day.between(start, end))
              .scalar_subquery())
    per_point = (select(Unit.parent_id.label("province_id"), LibraryPoint.commune_id.label("commune_id"),
                        visits.label("visits"))
                 .join(Unit, Unit.id == LibraryPoint.commune_id).subquery())
    rows = db.session.execute(
        select(per_point.c.province_id, per_point.c.commune_id, func.sum(per_point.c.visits))
        .where(per_point.c.visits.is_not(None)).group_by(per_point.c.province_id, per_point.c.commune_id))
    out: dict[int, dict[int, int]] = {}
    for province_id, commune_id, n in rows:
        out.setdefault(province_id, {})[commune_id] = int(n)
    return out


def provinces_with_counts() -> list[tuple]:
    """[(id, code, name, growth target min, communes, active points)], every province. One query."""
    commune = Unit.__table__.alias("commune")
    communes = (select(func.count()).where(commune.c.parent_id == Unit.id, commune.c.kind == COMMUNE)
                .scalar_subquery())
    points = (select(func.count(LibraryPoint.id)).join(commune, commune.c.id == LibraryPoint.commune_id)
              .where(commune.c.parent_id == Unit.id, LibraryPoint.active.is_(True)).scalar_subquery())
    return db.session.execute(select(Unit.id, Unit.code, Unit.name, Unit.growth_target_min, communes, points)
                              .where(Unit.kind == PROVINCE)).all()


def training_by_province(start: date, end: date) -> tuple[dict[int, int], dict[int, int]]:
    """({province id: sessions held in its communes}, {province id: people present, by the commune
    they come from}), for sessions starting in [start, end]. Two queries, one per table."""
    held = dict(db.session.execute(
        select(Unit.parent_id, func.count(TrainingSession.id)).join(Unit, Unit.id == TrainingSession.commune_id)
        .where(TrainingSession.start_date.between(start, end)).group_by(Unit.parent_id)).all())
    trained = dict(db.session.execute(
        select(Unit.parent_id, func.count(Attendance.id))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Unit, Unit.id == Attendance.commune_id)
        .where(Attendance.present.is_(True), TrainingSession.start_date.between(start, end))
        .group_by(Unit.parent_id)).all())
    return held, trained


def _end_of(due: date) -> datetime:
    """On time: first submitted before the end of the due day in Asia/Ho_Chi_Minh (submitted_on_time)."""
    return datetime.combine(due + timedelta(days=1), time(), HCM)


def _literal_rows(name: str, rows: list[dict]):
    """A few rows of literals as a subquery (a UNION ALL of SELECTs: SQLite has no VALUES with column names)."""
    types = {"due_end": UTCDateTime}
    return union_all(*[select(*[literal(v, types.get(k)).label(k) for k, v in row.items()]) for row in rows]
                     ).subquery(name)


def reports_by_province(period: Period, today: date, province_ids) -> dict[int, dict]:
    """{province id: {"expected", "submitted", "on_time", "late", "approved",
    "returned"}}: the same counts as reports.report_states() summed over a
    province's communes. A commune is expected from the later of its
    province's reporting start and the month its first active point opened,
    for the months of the period that have ended; a month is due on the date
    its province set, else on the default day. One aggregate query (and one for the dates set)."""
    months = expected_months(period, today)
    if not months or not province_ids:
        return {}
    month = _literal_rows("month", [
        {"number": m.number, "month_start": m.start, "month_end": m.end,
         "due_on": default_due_on(m.year, m.number), "due_end": _end_of(default_due_on(m.year, m.number))}
        for m in months])
    set_on = db.session.execute(select(PeriodDeadline.province_id, PeriodDeadline.month, PeriodDeadline.due_on).where(
        PeriodDeadline.year == period.year, PeriodDeadline.month.in_([m.number for m in months]))).all()
    province = Unit.__table__.alias("province")
    opened = (select(LibraryPoint.commune_id, func.min(func.coalesce(LibraryPoint.opened_on, date.min)).label("first"))
              .where(LibraryPoint.active.is_(True)).group_by(LibraryPoint.commune_id).subquery())
    report = PeriodReport
    query = (select(Unit.parent_id).select_from(Unit)
             .join(opened, opened.c.commune_id == Unit.id)
             .join(province, province.c.id == Unit.parent_id)
             .join(month, and_(month.c.month_end >= opened.c.first,
                               or_(province.c.reporting_from.is_(None),
                                   month.c.month_start >= province.c.reporting_from)))
             .join(report, and_(report.commune_id == Unit.id, report.year == period.year,
                                report.month == month.c.number), isouter=True))
    due_on, due_end = month.c.due_on, month.c.due_end
    if set_on:
        chosen = _literal_rows("chosen", [{"province_id": p, "number": m, "due_on": due, "due_end": _end_of(due)}
                                          for p, m, due in set_on])
        query = query.join(chosen, and_(chosen.c.province_id == Unit.parent_id, chosen.c.number == month.c.number),
                           isouter=True)
        due_on, due_end = func.coalesce(chosen.c.due_on, due_on), func.coalesce(chosen.c.due_end, due_end)
    submitted = report.first_submitted_at.is_not(None)
    on_time = and_(submitted, report.first_submitted_at < due_end)
    late = or_(and_(submitted, report.first_submitted_at >= due_end),
               and_(report.first_submitted_at.is_(None), due_on < today))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        query.add_columns(func.count(), count(submitted), count(on_time), count(late),
                          count(report.status == APPROVED), count(report.status == RETURNED))
        .where(Unit.kind == COMMUNE).group_by(Unit.parent_id))
    return {row[0]: dict(zip(REPORT_KEYS, (int(n) for n in row[1:]), strict=True)) for row in rows}


def national_rollup(period: Period, today: date) -> dict:
    """Every province for a period: communes, active points, visits, the same
    dates last year, the change (like for like over its communes) and target
    status, sessions and people trained, and its communes' reports; and the
    totals over the country. Seven queries, whatever the number of provinces."""
    current, previous, started = _visit_ranges(period, today)
    now = visits_by_province(*current) if started else {}
    before = visits_by_province(*previous)
    held, trained = training_by_province(period.start, period.end)
    provinces = provinces_with_counts()
    reports = reports_by_province(period, today, [p[0] for p in provinces])
    no_reports = dict.fromkeys(REPORT_KEYS, 0)
    rows = []
    for province_id, code, name, target_min, communes, points in provinces:
        mine, last = now.get(province_id, {}), before.get(province_id, {})
        growth = growth_percent(*like_for_like(mine, last)[:2])
        rows.append({"id": province_id, "code": code, "name": name, "communes": communes, "points": points,
                     "visits": sum(mine.values()), "last_year": sum(last.values()), "growth": growth,
                     "status": target_status(growth, target_min),
                     "sessions": held.get(province_id, 0), "trained": trained.get(province_id, 0),
                     "report": reports.get(province_id, no_reports)})
    rows.sort(key=lambda r: vi_sort_key(r["name"]))
    all_now = {c: n for communes in now.values() for c, n in communes.items()}
    all_before = {c: n for communes in before.values() for c, n in communes.items()}
    totals = {
        **{k: sum(r[k] for r in rows) for k in ("communes", "points", "visits", "last_year", "sessions", "trained")},
        **{k: sum(r["report"][k] for r in rows) for k in REPORT_KEYS},
        "growth": growth_percent(*like_for_like(all_now, all_before)[:2]),
        "target": {s: sum(1 for r in rows if r["status"] == s) for s in (MET, CLOSE, MISSED)},
    }
    return {"rows": rows, "totals": totals, "current": current, "previous": previous}
