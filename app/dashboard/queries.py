"""Counts for the home pages, one aggregate query each, scoped by app.access."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.access import visible_units
from app.equipment import queries as equipment
from app.extensions import db
from app.formatting import matches_name, today_local, vi_sort_key
from app.periods import CLOSE, MET, MISSED, Period, growth_percent, target_status
from app.reports import queries as reports
from app.reports.models import DRAFT, submitted_on_time
from app.training import queries as training
from app.units import reorg
from app.units.models import CHECKLIST, LibraryPoint, Unit, current_units
from app.units.queries import commune_point_ids, province_point_ids
from app.visits import queries as visits


def unit_counts(user) -> dict:
    """Communes in scope, active library points, and points with each checklist step."""
    communes = db.session.scalar(select(func.count()).select_from(
        visible_units(user).where(current_units(today_local())).subquery()))  # a merged commune is not counted
    row = db.session.execute(
        select(
            func.count(LibraryPoint.id),
            func.count(func.distinct(LibraryPoint.commune_id)),
            *[func.count(getattr(LibraryPoint, key)) for key in CHECKLIST],
        ).where(LibraryPoint.active.is_(True), LibraryPoint.commune_id.in_(visible_units(user)))
    ).one()
    return {
        "communes": communes,
        "points": row[0],
        "communes_with_points": row[1],
        "checklist": [(str(label), row[2 + i]) for i, label in enumerate(CHECKLIST.values())],
    }


# --- The province roll-up ------------------------------------------------------------
#
# Every figure comes from one aggregate query per table (visits now, visits a
# year earlier, the register, sessions, people trained, reports), each reading
# only the period's rows; the rows are then put together per commune in Python.

SORTS = ("name", "visits", "growth", "computers", "computers_down", "online", "effective", "sessions", "trained",
         "report")
SHOWS = ("all", "late", "missing", "returned", "below_target", "declining", "offline", "not_effective")

# What a library point must have to count as operating effectively (điểm hoạt động hiệu quả);
# each province chooses which apply (Unit.effective_needs_*). A point must always be active.
EFFECTIVE_CRITERIA = {
    "computer": _l("a working, internet-connected computer on the period's last day"),
    "visits": _l("reader visits recorded in every month of the period"),
    "reports": _l("the commune's reports of the period that are due submitted"),
}
# How the printout counts the points that miss each criterion.
EFFECTIVE_FAILING = {
    "computer": _l("Points without a working, internet-connected computer"),
    "visits": _l("Points with a month without recorded visits"),
    "reports": _l("Points whose commune's reports are missing"),
}
BELOW, WITHIN, ABOVE = "below", "within", "above"


def _visit_ranges(period: Period, today: date):
    current = period.window(today)
    return current, period.previous_window(today), current[0] <= current[1]


def as_of(period: Period, today: date) -> date:
    """The day a period's standing figures (register, checklist, effective points) are read on: its
    last day, or the last complete day while it runs (the same day its visits are counted through)."""
    return period.window(today)[1]


def effective_points(province: Unit, period: Period, today: date, standing: dict[int, dict],
                     states: dict[int, dict]) -> dict:
    """Which active library points of the province operated effectively in
    `period`, by the province's criteria: {"points": {point id: [failed
    criteria]}, "by_commune": {commune id: {"points", "effective", "failed":
    {criterion: points failing}}}, "total", "effective", "share" (percent,
    None without points), "band" (below / within / above the target)}.
    `standing` is equipment.standing_on() for the as_of day, `states` is
    reports.report_states(). Two queries: the active points, their months with visits."""
    points = db.session.execute(
        select(LibraryPoint.id, LibraryPoint.commune_id).join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province.id, LibraryPoint.active.is_(True))).all()
    months = [m.window(today) for m in period.months() if m.start < today]
    visited = visits.months_with_visits(province.id, months) if province.effective_needs_visits else {}
    out = {"points": {}, "by_commune": {}}
    for point_id, commune_id in points:
        failed = []
        if province.effective_needs_computer and standing.get(point_id, {}).get("online", 0) == 0:
            failed.append("computer")
        if province.effective_needs_visits and visited.get(point_id, 0) < len(months):
            failed.append("visits")
        state = states.get(commune_id, {})
        if province.effective_needs_reports and state.get("overdue", 0):  # one not yet due is not missing
            failed.append("reports")
        out["points"][point_id] = failed
        commune = out["by_commune"].setdefault(commune_id, {"points": 0, "effective": 0, "failed": {}})
        commune["points"] += 1
        commune["effective"] += not failed
        for key in failed:
            commune["failed"][key] = commune["failed"].get(key, 0) + 1
    out["total"] = len(points)
    out["effective"] = sum(1 for failed in out["points"].values() if not failed)
    out["share"] = out["effective"] * 100.0 / out["total"] if out["total"] else None
    out["band"] = (None if out["share"] is None else BELOW if out["share"] < province.effective_target_min
                   else ABOVE if out["share"] > province.effective_target_max else WITHIN)
    return out


def province_rollup(province: Unit, period: Period, today: date) -> dict:
    """The province dashboard for a period: one row per commune (visits, the
    same dates last year, growth and target status, the register and computers
    online on the period's last day, its points operating effectively, sessions
    held and people trained in the period, the period's reports), the totals
    for the tiles, and the month's due dates."""
    current, previous, started = _visit_ranges(period, today)
    now = visits.visits_by_commune(province.id, *current) if started else {}
    before = visits.visits_by_commune(province.id, *previous)
    day = as_of(period, today)
    standing = equipment.standing_on(province.id, day)
    register = equipment.by_commune(standing)
    # Sessions and people of a merged commune count in its successor's row (app.units.reorg).
    into = reorg.successors_in(province.id, today)
    held = reorg.fold_counts(training.sessions_by_commune(province.id, period.start, period.end), into)
    trained = reorg.fold_counts(training.trained_by_commune(province.id, period.start, period.end), into)
    trained_year = training.trained_by_commune(province.id, date(period.year, 1, 1), period.end)
    states, deadlines = reports.report_states(province, period, today)
    effective = effective_points(province, period, today, standing, states)
    changes = equipment.period_changes(province_point_ids(province.id), period.start, day)
    empty_register = {"by_group": {}, "computers": 0, "computers_down": 0, "online": 0, "points_online": 0}
    no_points = {"points": 0, "effective": 0, "failed": {}}
    rows = []
    for commune_id, state in states.items():
        n, last = now.get(commune_id, 0), before.get(commune_id, 0)
        growth = growth_percent(n, last)
        rows.append({
            "id": commune_id, "code": state["code"], "name": state["name"], "visits": n, "last_year": last,
            "growth": growth,
            "status": target_status(growth, province.growth_target_min),
            **register.get(commune_id, empty_register),
            "effective": effective["by_commune"].get(commune_id, no_points),
            "sessions": held.get(commune_id, 0), "trained": trained.get(commune_id, {}).get("trained", 0),
            "report": {**{k: state[k] for k in ("status", "expected", "submitted", "on_time", "late", "approved",
                                                "returned")}, "no_point": state["start"] is None},
        })
    rows.sort(key=lambda r: vi_sort_key(r["name"]))
    comparable_now, comparable_before, left_out = visits.like_for_like(now, before)
    growth = growth_percent(comparable_now, comparable_before)
    equipment_totals = {}
    for r in rows:
        equipment.add_groups(equipment_totals, r["by_group"])
    totals = {
        "visits": sum(now.values()), "last_year": sum(before.values()), "growth": growth, "left_out": left_out,
        "standing": target_status(growth, province.growth_target_min),
        "expected": sum(r["report"]["expected"] for r in rows),
        "submitted": sum(r["report"]["submitted"] for r in rows),
        "on_time": sum(r["report"]["on_time"] for r in rows), "approved": sum(r["report"]["approved"] for r in rows),
        "late": sum(r["report"]["late"] for r in rows),
        "points": effective["total"], "points_online": sum(r["points_online"] for r in rows),
        "sessions": sum(held.values()), "trained": sum(r["trained"] for r in rows),
        "trained_year": sum(t["trained"] for t in trained_year.values()),
        "target": {s: sum(1 for r in rows if r["status"] == s) for s in (MET, CLOSE, MISSED)},
        "by_group": equipment_totals, "liquidated": changes["liquidated"], "costs": changes["costs"],
        **{k: sum(r[k] for r in rows) for k in ("computers", "computers_down", "online")},
    }
    return {"rows": rows, "totals": totals, "deadlines": deadlines, "current": current, "previous": previous,
            "as_of": day, "effective": effective}


def select_rows(rows: list[dict], show: str = "all", q: str = "", sort: str = "name", descending: bool = False):
    """The dashboard table's filter (`show`, a name search) and order. A growth
    of None (no visits last year) sorts last both ways."""
    keep = {
        "all": lambda r: True,
        "late": lambda r: r["report"]["late"] > 0,
        "missing": lambda r: r["report"]["submitted"] < r["report"]["expected"],
        "returned": lambda r: r["report"]["returned"] > 0,
        "below_target": lambda r: r["status"] in (CLOSE, MISSED),
        "declining": lambda r: r["status"] == MISSED,
        "offline": lambda r: r["online"] == 0,
        "not_effective": lambda r: r["effective"]["effective"] < r["effective"]["points"],
    }[show if show in SHOWS else "all"]
    chosen = [r for r in rows if keep(r) and matches_name(q, r["name"])]  # whole syllables: 'Phú' is not 'Phường'
    if sort == "name":
        return sorted(chosen, key=lambda r: vi_sort_key(r["name"]), reverse=descending)
    value = {
        "report": lambda r: (r["report"]["late"], r["report"]["expected"] - r["report"]["approved"]),
        "effective": lambda r: r["effective"]["effective"],
    }.get(sort, lambda r: r[sort])
    known = [r for r in chosen if value(r) is not None]
    known.sort(key=lambda r: (value(r), vi_sort_key(r["name"])), reverse=descending)
    return known + [r for r in chosen if value(r) is None]


def commune_detail(commune: Unit, period: Period, today: date) -> dict:
    """A commune's figures for a period: per library point (visits, last year,
    growth, the register on the period's last day) and per month (visits, last year, growth, the month's
    report, sessions and people trained)."""
    province = commune.parent
    points = db.session.scalars(select(LibraryPoint).where(LibraryPoint.commune_id == commune.id)
                                .order_by(LibraryPoint.name)).all()
    ids = commune_point_ids(commune)
    current, previous, started = _visit_ranges(period, today)
    now = visits.totals_by_point(ids, *current) if started else {}
    before = visits.totals_by_point(ids, *previous)
    register = equipment.standing_on(province.id, as_of(period, today), commune.id)
    empty_register = {"by_group": {}, "computers": 0, "computers_down": 0, "online": 0}
    point_rows = []
    for point in points:
        n, last = now.get(point.id, 0), before.get(point.id, 0)
        growth = growth_percent(n, last)
        point_rows.append({"point": point, "visits": n, "last_year": last, "growth": growth,
                           "status": target_status(growth, province.growth_target_min),
                           **{k: register.get(point.id, empty_register)[k] for k in empty_register}})
    # Months of the period with a complete day; the running month is compared over the same days (Period.window).
    months = [m for m in period.months() if m.start < today]
    month_rows = []
    if months:
        first, last_month = (months[0].year, months[0].number), (months[-1].year, months[-1].number)
        by_month = visits.monthly_totals(ids, first, last_month)
        by_month_before = visits.monthly_totals(ids, (first[0] - 1, first[1]), (last_month[0] - 1, last_month[1]))
        running = months[-1] if months[-1].running(today) else None
        if running is not None:
            by_month[last_month] = visits.total(ids, *running.window(today))
            by_month_before[(last_month[0] - 1, last_month[1])] = visits.total(ids, *running.previous_window(today))
        states, deadlines = reports.report_states(province, period, today)
        state = states.get(commune.id, {"months": {}})
        held = training.commune_by_month(commune.id, period.start, period.end)
        for month in months:
            key = (month.year, month.number)
            n, last = by_month.get(key, 0), by_month_before.get((month.year - 1, month.number), 0)
            growth = growth_percent(n, last)
            status, submitted_at = state["months"].get(month.number, (DRAFT, None))
            due = deadlines.get(month.number) if reports.is_expected(state.get("start"), month) else None
            on_time = submitted_on_time(submitted_at, due) if due else None
            month_rows.append({
                "period": month, "running": month is running, "visits": n, "last_year": last, "growth": growth,
                "status": target_status(growth, province.growth_target_min), "report": status, "due": due,
                "submitted_at": submitted_at, "on_time": on_time,
                "late": on_time is False or (due is not None and submitted_at is None and today > due),
                **held.get(key, {"sessions": 0, "trained": 0}),
            })
    totals = {"visits": sum(now.values()), "last_year": sum(before.values())}
    totals["growth"] = growth_percent(*visits.like_for_like(now, before)[:2])
    totals["standing"] = target_status(totals["growth"], province.growth_target_min)
    return {"points": point_rows, "months": month_rows, "totals": totals, "current": current, "previous": previous,
            "breakdown": visits.breakdown(ids, *current) if started else {}}
