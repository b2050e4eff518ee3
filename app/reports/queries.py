"""What a period report shows, and the province's approval queue. One
aggregate query per table; no query inside a loop over communes."""
from datetime import date

from sqlalchemy import and_, func, select

from app import periods
from app.audit.models import AuditEvent
from app.equipment import queries as equipment
from app.extensions import db
from app.formatting import fold
from app.periods import Period
from app.reports.models import (
    APPROVED,
    DRAFT,
    RETURNED,
    SUBMITTED,
    PeriodDeadline,
    PeriodReport,
    default_due_on,
    submitted_on_time,
)
from app.training import queries as training
from app.units import reorg
from app.units.models import COMMUNE, LibraryPoint, Unit, current_units
from app.units.queries import commune_point_ids_on
from app.visits import queries as visits


def due_on(province_id: int, year: int, month: int) -> date:
    set_on = db.session.scalar(select(PeriodDeadline.due_on).where(
        PeriodDeadline.province_id == province_id, PeriodDeadline.year == year, PeriodDeadline.month == month))
    return set_on or default_due_on(year, month)


def deadline_of(province_id: int, year: int, month: int) -> PeriodDeadline | None:
    """The due date the province set for a month, if it set one."""
    return db.session.scalar(select(PeriodDeadline).where(
        PeriodDeadline.province_id == province_id, PeriodDeadline.year == year, PeriodDeadline.month == month))


def due_dates(province_id: int, months: list[Period]) -> dict[int, date]:
    """{month number: due date} for months of one year, in one query."""
    if not months:
        return {}
    set_on = dict(db.session.execute(select(PeriodDeadline.month, PeriodDeadline.due_on).where(
        PeriodDeadline.province_id == province_id, PeriodDeadline.year == months[0].year,
        PeriodDeadline.month.in_([m.number for m in months]))).all())
    return {m.number: set_on.get(m.number) or default_due_on(m.year, m.number) for m in months}


# --- Who is expected to report --------------------------------------------------------
#
# A commune reports from the later of its province's first reported month and
# the month its first active library point opened; a commune with no active
# point is not expected at all (it is listed apart, "no library point yet").

def reporting_starts(province: Unit, commune_id: int | None = None) -> dict[int, date | None]:
    """{commune id: the 1st of its first expected month, or None when it has no
    active library point}, for every commune of the province (or one). One query."""
    opened = (select(LibraryPoint.commune_id, func.min(func.coalesce(LibraryPoint.opened_on, date.min)).label("first"))
              .where(LibraryPoint.active.is_(True)).group_by(LibraryPoint.commune_id).subquery())
    query = (select(Unit.id, opened.c.first).join(opened, opened.c.commune_id == Unit.id, isouter=True)
             .where(Unit.parent_id == province.id, Unit.kind == COMMUNE))
    if commune_id is not None:
        query = query.where(Unit.id == commune_id)
    starts = {}
    for unit_id, first in db.session.execute(query):
        if first is None:
            starts[unit_id] = None
            continue
        # A point with no opening date (date.min here) is taken as open since the province's start.
        starts[unit_id] = max(first.replace(day=1), province.reporting_from or date.min)
    return starts


def is_expected(start: date | None, month: Period) -> bool:
    return start is not None and month.start >= start


def period_summary(commune: Unit, period: Period) -> dict:
    """The figures a commune reports for a month: visits by service and group
    (and the same month last year), equipment added and its history events,
    training sessions held in the commune and its people trained."""
    points = commune_point_ids_on(commune, period.start)  # its points then, before a later merger moved any
    start, end = period.start, period.end
    breakdown = visits.breakdown(points, start, end)
    last_start, last_end = period.previous_window(end)
    held = training.sessions_by_commune(commune.parent_id, start, end).get(commune.id, 0)
    trained = training.trained_by_commune(commune.parent_id, start, end).get(commune.id, {})
    return {
        "breakdown": breakdown, "visits": sum(breakdown.values()),
        "last_year": visits.total(points, last_start, last_end),
        "items_added": equipment.added_by_category(points, start, end),
        "events": equipment.events_by_kind(points, start, end),
        "sessions": held, "trained": trained.get("trained", 0),
    }


def queue(province: Unit, period: Period, today: date) -> tuple[list[dict], date]:
    """Every commune of the province with its report for the month (draft when
    none was started), whether it is late, and the month's due date."""
    deadline = due_on(province.id, period.year, period.number)
    rows = db.session.execute(
        select(Unit.id, Unit.name, PeriodReport)
        .join(PeriodReport, and_(PeriodReport.commune_id == Unit.id, PeriodReport.year == period.year,
                                 PeriodReport.month == period.number), isouter=True)
        .where(Unit.parent_id == province.id, Unit.kind == COMMUNE, current_units(period.start))
    ).all()
    starts = reporting_starts(province)
    out = [queue_row(commune_id, name, report, deadline, today, is_expected(starts.get(commune_id), period))
           for commune_id, name, report in rows]
    out.sort(key=lambda row: fold(row["name"]))
    return out, deadline


def queue_row(commune_id: int, name: str, report: PeriodReport | None, deadline: date, today: date,
              expected: bool = True) -> dict:
    """A commune's line in the queue: late when first submitted after the due
    date, or not submitted at all once the due date has passed — if a report is
    expected of it for the month (see reporting_starts)."""
    submitted_at = report.first_submitted_at if report else None
    on_time = submitted_on_time(submitted_at, deadline)
    return {"commune_id": commune_id, "name": name, "report": report, "status": report.status if report else DRAFT,
            "on_time": on_time, "expected": expected or report is not None,
            "late": on_time is False or (expected and submitted_at is None and today > deadline)}


def reports_of(commune: Unit, year: int) -> dict[int, PeriodReport]:
    return {r.month: r for r in db.session.scalars(select(PeriodReport).where(
        PeriodReport.commune_id == commune.id, PeriodReport.year == year))}


def report_history(report: PeriodReport | None) -> list[AuditEvent]:
    """Every step of a report, oldest first (the page's history panel)."""
    if report is None:
        return []
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == PeriodReport.__tablename__, AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)).all()


def communes_by_ids(ids) -> list[Unit]:
    """The communes among `ids` (other units and unknown ids are left out)."""
    return db.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.kind == COMMUNE)).all()


def year_of_reports(commune: Unit, year: int, today: date) -> list[dict]:
    """A commune's months of `year` up to this one: each with its report (None
    when none was started), state, due date and timeliness. Two queries."""
    reports = reports_of(commune, year)
    months = [Period.month(year, m) for m in range(1, 13 if year < today.year else today.month + 1)]
    due = due_dates(commune.parent_id, months)
    start = reporting_starts(commune.parent, commune.id).get(commune.id)
    out = []
    for month in months:
        report = reports.get(month.number)
        out.append({"period": month, "report": report, "status": report.status if report else DRAFT,
                    "due": due[month.number], "ended": month.end < today, "expected": is_expected(start, month),
                    "on_time": submitted_on_time(report.first_submitted_at, due[month.number]) if report else None})
    return out


def due_reports(commune: Unit | None, today: date) -> list[dict]:
    """For a librarian's home: the months ended in the last three months whose
    report is not submitted or approved — due, overdue or returned. Two queries a year."""
    if commune is None:
        return []
    months, month = [], periods.last_complete_month(today)
    while (today - month.end).days <= 92:
        months.insert(0, month)
        month = periods.last_complete_month(month.start)
    start = reporting_starts(commune.parent, commune.id).get(commune.id)
    months = [m for m in months if is_expected(start, m)]
    out = []
    for year in sorted({m.year for m in months}):
        in_year = [m for m in months if m.year == year]
        reports, due = reports_of(commune, year), due_dates(commune.parent_id, in_year)
        for period in in_year:
            report = reports.get(period.number)
            if report is not None and report.status in (SUBMITTED, APPROVED):
                continue
            out.append({"period": period, "due": due[period.number], "overdue": today > due[period.number],
                        "returned": report is not None and report.status == RETURNED,
                        "comment": report.comment if report else ""})
    return out


def points_of(commune: Unit):
    return db.session.scalars(select(LibraryPoint).where(LibraryPoint.commune_id == commune.id)
                              .order_by(LibraryPoint.name)).all()


def expected_months(period: Period, today: date) -> list[Period]:
    """The months of `period` that have ended by `today`: those a report is expected for."""
    return [m for m in period.months() if m.end < today]


def report_states(province: Unit, period: Period, today: date) -> tuple[dict[int, dict], dict[int, date]]:
    """Per commune of the province, its reports of the months of `period` that
    have ended: {commune id: {"name", "months": {month: (status, first submitted)},
    "start" (its first expected month, None without an active point),
    "expected", "submitted", "on_time", "late" (late or overdue), "overdue", "approved", "returned",
    "status" (the month's, for a one-month period)}}, and each month's due date.
    Two queries: the communes with their reports, and when each starts. A
    report is late when first submitted after its due date, or not submitted
    once the due date has passed; only expected months count."""
    months = expected_months(period, today)
    deadlines = due_dates(province.id, months)
    starts = reporting_starts(province)
    rows = db.session.execute(
        select(Unit.id, Unit.code, Unit.name, PeriodReport.month, PeriodReport.status,
               PeriodReport.first_submitted_at, Unit.valid_to, Unit.successor_id)
        .join(PeriodReport, and_(PeriodReport.commune_id == Unit.id, PeriodReport.year == period.year,
                                 PeriodReport.month.in_(list(deadlines) or [0])), isouter=True)
        .where(Unit.parent_id == province.id, Unit.kind == COMMUNE)
    ).all()
    states, units = {}, {}
    for commune_id, code, name, month, status, submitted_at, valid_to, successor_id in rows:
        state = states.setdefault(commune_id, {"code": code, "name": name, "months": {},
                                               "start": starts.get(commune_id)})
        units[commune_id] = (valid_to, successor_id)
        if month:
            state["months"][month] = (status, submitted_at)
    # Today's communes only; a merged commune's months count in its successor's (app.units.reorg).
    states = reorg.fold_month_states(states, units, months, today)
    for state in states.values():
        counts = {"expected": 0, "submitted": 0, "on_time": 0, "late": 0, "overdue": 0, "approved": 0, "returned": 0}
        for month in months:
            if not is_expected(state["start"], month):
                continue
            status, submitted_at = state["months"].get(month.number, (DRAFT, None))
            on_time = submitted_on_time(submitted_at, deadlines[month.number])
            counts["expected"] += 1
            counts["submitted"] += submitted_at is not None
            counts["on_time"] += bool(on_time)
            counts["late"] += on_time is False or (submitted_at is None and today > deadlines[month.number])
            counts["overdue"] += submitted_at is None and today > deadlines[month.number]
            counts["approved"] += status == APPROVED
            counts["returned"] += status == RETURNED
        state.update(counts)
        state["status"] = state["months"].get(period.number, (DRAFT, None))[0] if period.kind == "month" else None
    return states, deadlines


def completeness(province: Unit, period: Period, today: date) -> dict:
    """Of the commune-months expected in `period` (months that have ended, from
    each commune's first expected month), how many were submitted, on time,
    approved, returned, and which are missing; the communes not expected because
    they have no active library point are listed apart."""
    states, deadlines = report_states(province, period, today)
    result = {"months": expected_months(period, today), "missing": [],
              "no_point": sorted((state["name"] for state in states.values() if state["start"] is None), key=fold)}
    for key in ("expected", "submitted", "on_time", "approved", "returned"):
        result[key] = sum(state[key] for state in states.values()) if deadlines else 0
    for month in result["months"]:
        for commune_id, state in states.items():
            status, submitted_at = state["months"].get(month.number, (DRAFT, None))
            if submitted_at is None and is_expected(state["start"], month):
                result["missing"].append({"id": commune_id, "name": state["name"], "period": month,
                                          "due": deadlines[month.number], "status": status})
    result["missing"].sort(key=lambda m: (m["period"].number, fold(m["name"])))
    return result


def waiting_for_the_province(province: Unit, today: date) -> dict:
    """For the province home: reports waiting for approval (any month), and of
    the last month that has ended, those submitted late and those overdue.
    Three queries."""
    month = periods.last_complete_month(today)
    states, deadlines = report_states(province, month, today)
    waiting = db.session.scalar(
        select(func.count(PeriodReport.id)).join(Unit, Unit.id == PeriodReport.commune_id)
        .where(Unit.parent_id == province.id, PeriodReport.status == SUBMITTED))
    overdue = sum(state["overdue"] for state in states.values())
    return {"province": province, "month": month, "due": deadlines.get(month.number), "waiting": waiting,
            "overdue": overdue, "late": sum(state["late"] for state in states.values()) - overdue,
            "expected": sum(state["expected"] for state in states.values())}
