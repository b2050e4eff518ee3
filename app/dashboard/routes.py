from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from app import charts, formatting, periods
from app.access import (
    can,
    login_required_for,
    own_commune,
    province_arg,
    province_for_page,
    province_in_scope,
    requires,
    users_by_role,
)
from app.dashboard import bp
from app.dashboard.document import document_fields
from app.dashboard.national import national_rollup
from app.dashboard.queries import (
    EFFECTIVE_CRITERIA,
    EFFECTIVE_FAILING,
    SHOWS,
    SORTS,
    commune_detail,
    province_rollup,
    select_rows,
    unit_counts,
)
from app.equipment.maintenance_queries import due_soon as maintenance_due
from app.equipment.models import CATEGORY_GROUPS, CONDITIONS, EVENT_KINDS
from app.formatting import fmt_date, fmt_datetime, fmt_number, today_local
from app.htmx import is_fragment_request, render
from app.models_base import utcnow
from app.reports import queries as reports
from app.reports.models import STATES
from app.spreadsheets import csv_response, file_slug, workbook_response
from app.standards.queries import gaps_of_points
from app.units.models import COMMUNE, Unit
from app.units.queries import commune_point_ids, points_for, progress_of, province_point_ids
from app.visits.models import GROUPS, SERVICES
from app.visits.queries import breakdown, growth_by_commune, trend_totals

login_required_for(bp)


@bp.get("/")
@requires("home.view")
def home():
    """Each role's home: what it looks after, and where to go next."""
    commune = own_commune(current_user)
    context = {"counts": unit_counts(current_user), "commune": commune}
    if commune is not None:
        context["points"] = points_for(current_user)
        context["gaps"] = gaps_of_points(context["points"], today_local())
        context["due_reports"] = reports.due_reports(commune, today_local())
        context["maintenance"] = {"due": maintenance_due(commune.id, today_local()), "today": today_local()}
    elif can(current_user, "home.users"):
        context["users_by_role"] = users_by_role(current_user)
    if can(current_user, "reports.queue") and (province := province_in_scope(current_user)) is not None:
        context["reports"] = reports.waiting_for_the_province(province, today_local())
    return render("dashboard/home.html", **context)


# --- The province roll-up ------------------------------------------------------------

def _province():
    province = province_for_page(current_user)
    return province


def _view_state() -> dict:
    """The table's state, all in the URL: filter, name search, sort and direction, and on a phone
    one line per commune or every figure (?view=full)."""
    show = request.args.get("show") if request.args.get("show") in SHOWS else "all"
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    return {"show": show, "q": (request.args.get("q") or "").strip()[:100], "sort": sort,
            "dir": "desc" if request.args.get("dir") == "desc" else "asc",
            "view": "full" if request.args.get("view") == "full" else "lines"}


def _table() -> tuple:
    """What the dashboard and its exports show: (province, today, period, roll-up,
    table state, the table's rows filtered and sorted)."""
    province = _province()
    today = today_local()
    period = periods.from_args(request.args, today)
    rollup = province_rollup(province, period, today)
    state = _view_state()
    rows = select_rows(rollup["rows"], state["show"], state["q"], state["sort"], state["dir"] == "desc")
    return province, today, period, rollup, state, rows


def _period_args(period, province) -> dict:
    """The period (and an administrator's province) as the query arguments every link of these pages carries."""
    return {**periods.as_args(period), "province": province_arg(current_user, province)}


def _trend(point_ids, today):
    return charts.monthly_trend(*trend_totals(point_ids, today))


@bp.get("/province")
@requires("dashboard.province")
def province_dashboard():
    """The province for a period: tiles, and every commune's figures in a table
    the province staff sort and filter (htmx swaps the table; plain links without JS)."""
    province, today, period, rollup, state, rows = _table()
    table_state = {"show": state["show"] if state["show"] != "all" else None, "q": state["q"] or None,
                   "sort": state["sort"] if state["sort"] != "name" else None,
                   "dir": state["dir"] if state["dir"] != "asc" else None,
                   "view": state["view"] if state["view"] != "lines" else None}  # in the URLs; defaults left out
    return render("dashboard/province.html", "dashboard/_partials/_commune_table.html", province=province,
                  period=period, rollup=rollup, totals=rollup["totals"], rows=rows, state=state,
                  table_state=table_state, period_args=_period_args(period, province), today=today,
                  years=periods.selectable_years(today, period.year),
                  oob=is_fragment_request())


@bp.get("/national")
@requires("dashboard.national")
def national():
    """Every province for a period, with the figures its dashboard gives each commune; a province links
    to its dashboard."""
    today = today_local()
    period = periods.from_args(request.args, today)
    rollup = national_rollup(period, today)
    return render("dashboard/national.html", period=period, rollup=rollup, rows=rollup["rows"],
                  totals=rollup["totals"], today=today, years=periods.selectable_years(today, period.year),
                  period_args=periods.as_args(period))


@bp.get("/province/communes/<int:id>")
@requires("dashboard.commune", load=Unit)
def commune_page(commune: Unit):
    """One commune for a period: the same figures per library point and per month."""
    if commune.kind != COMMUNE:
        abort(404)
    today = today_local()
    period = periods.from_args(request.args, today)
    detail = commune_detail(commune, period, today)
    return render("dashboard/commune.html", commune=commune, province=commune.parent, period=period, detail=detail,
                  period_args=_period_args(period, commune.parent), years=periods.selectable_years(today, period.year),
                  services=SERVICES, groups=GROUPS, trend=_trend(commune_point_ids(commune), today))


@bp.get("/province/trends")
@requires("dashboard.province")
def trends():
    """Monthly visits over the years for the province, and growth by commune
    against the target band, both drawn on the server as SVG."""
    province = _province()
    today = today_local()
    period = periods.from_args(request.args, today)
    current = period.window(today)
    rows = growth_by_commune(province, current, period.previous_window(today))
    bars = charts.growth_bars([(r["name"], r["growth"], r["status"]) for r in rows],
                              (province.growth_target_min, province.growth_target_max))
    return render("dashboard/trends.html", province=province, period=period, current=current, bars=bars,
                  no_comparison=sum(1 for r in rows if r["growth"] is None),
                  years=periods.selectable_years(today, period.year),
                  period_args=_period_args(period, province),
                  trend=_trend(province_point_ids(province.id), today))


# --- Exports and the printable report ---------------------------------------------------

def _commune_table(rows, totals, period):
    headers = [_("No."), _("Code"), _("Commune"), _("Visits"), _("Same dates last year"), _("Change (%)"),
               _("Target"), _("Computers in use"), _("Computers broken or under repair"),
               _("Online computers in use"), _("Active library points"), _("Points operating effectively"),
               _("Training sessions"), _("People trained"), _("Reports expected"), _("Reports submitted"),
               _("Reports on time"), _("Reports late"), _("Reports approved")]
    if period.kind == "month":
        headers.append(_("Report status"))
    standing = {"met": _("target met"), "close": _("growing, below target"), "missed": _("declining"), None: ""}

    def line(number, code, name, r, report):
        out = [number, code, name, r["visits"], r["last_year"],
               round(r["growth"], 1) if r["growth"] is not None else None, standing[r.get("status")],
               r["computers"], r["computers_down"], r["online"], r["effective"]["points"], r["effective"]["effective"],
               r["sessions"], r["trained"],
               report["expected"], report["submitted"], report["on_time"], report["late"], report["approved"]]
        if period.kind == "month":
            out.append(str(STATES.get(report.get("status"), "")) if report.get("status") else "")
        return out

    body = [line(i, r["code"], r["name"], r, r["report"]) for i, r in enumerate(rows, start=1)]
    total_report = {k: totals[k] for k in ("expected", "submitted", "on_time", "late", "approved")}
    effective = {"points": totals["effective"]["total"], "effective": totals["effective"]["effective"]}
    body.append(line(None, "", _("Whole province"), {**totals, "status": totals["standing"], "effective": effective},
                     total_report))
    return headers, body


def _completeness_tables(figures):
    summary = [_("Reports expected"), _("Reports submitted"), _("Reports on time"), _("Reports approved"),
               _("Reports returned"), _("Reports missing")]
    values = [figures["expected"], figures["submitted"], figures["on_time"], figures["approved"], figures["returned"],
              len(figures["missing"])]
    missing = [[i, m["name"], m["period"].label, m["due"], str(STATES.get(m["status"], m["status"]))]
               for i, m in enumerate(figures["missing"], start=1)]
    return ([_("Figure"), _("Number")], list(zip(summary, values, strict=True)),
            [_("No."), _("Commune"), _("Month"), _("Due date"), _("Status")], missing)


@bp.get("/province/export.<fmt>")
@requires("dashboard.province")
def export(fmt: str):
    """The dashboard's commune table and the completeness tables: one .xlsx
    workbook (a sheet per table, each under a title block: the sheet's title,
    the province, the period, the last day the figures cover and when the file
    was made), or one table as .csv (?table=communes, completeness or
    missing) — a plain table with nothing above its header, for programs.
    Named after the province (tong-hop-lao-cai-q3-2026.xlsx), not its code,
    which reads like a date. Cells are neutralised against formulas."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    province, today, period, rollup, _state, rows = _table()
    communes = _commune_table(rows, {**rollup["totals"], "effective": rollup["effective"]}, period)
    summary_headers, summary, missing_headers, missing = _completeness_tables(
        reports.completeness(province, period, today))
    name = f"tong-hop-{file_slug(province.name) or province.code}-{period.label.replace('/', '-').lower()}"
    if fmt == "xlsx":
        heading = [province.name, _("Period: %(period)s", period=period.label),
                   _("Up to and including %(date)s", date=fmt_date(rollup["current"][1])),
                   _("Generated at %(datetime)s", datetime=fmt_datetime(utcnow()))]
        return workbook_response(f"{name}.xlsx", [
            (_("Communes"), *communes, {3: 28}),
            (_("Completeness"), summary_headers, summary, {1: 28}),
            (_("Missing reports"), missing_headers, missing, {2: 28}),
        ], heading=heading)
    table = request.args.get("table", "communes")
    if table == "completeness":
        return csv_response(f"{name}-day-du.csv", summary_headers, summary)
    if table == "missing":
        return csv_response(f"{name}-con-thieu.csv", missing_headers, missing)
    return csv_response(f"{name}.csv", *communes)


def _missing_by_commune(missing: list[dict]) -> list[tuple[str, str]]:
    """The missing reports as one line a commune: ("Xã A", "04, 05/2026")."""
    months: dict = {}
    for m in missing:
        months.setdefault((formatting.fold(m["name"]), m["id"]), (m["name"], []))[1].append(m["period"])
    lines = []
    for _key, (name, monthly) in sorted(months.items()):
        years = sorted({p.year for p in monthly})
        lines.append((name, "; ".join(", ".join(f"{p.number:02d}" for p in sorted(monthly, key=lambda p: p.number)
                                                if p.year == year) + f"/{year}" for year in years)))
    return lines


@bp.get("/province/report")
@requires("dashboard.province")
def printable():
    """The period's report in the layout of a Vietnamese administrative
    document (Decree 30/2020/NĐ-CP), A4, for the browser's print or save as PDF:
    page numbers at the top centre from page 2, the list of missing reports in
    an appendix after the signature. The parent and issuing bodies, number,
    place, addressee, recipients and signature lines are typed on the page
    (screen only; GET arguments)."""
    province = _province()
    today = today_local()
    period = periods.from_args(request.args, today)
    rollup = province_rollup(province, period, today)
    start, end = rollup["current"]
    by_cell = breakdown(province_point_ids(province.id), start, end) if start <= end else {}
    steps, communes = progress_of(current_user, province.id, on=rollup["as_of"])
    effective = rollup["effective"]
    failing = {key: sum(1 for failed in effective["points"].values() if key in failed) for key in EFFECTIVE_CRITERIA}
    document = document_fields(province, _("DEPARTMENT OF CULTURE, SPORTS AND TOURISM"))
    by_service = [(label, sum(n for (sv, _g), n in by_cell.items() if sv == s)) for s, label in SERVICES.items()]
    by_group = [(label, sum(n for (_s, gr), n in by_cell.items() if gr == g)) for g, label in GROUPS.items()]
    completeness = reports.completeness(province, period, today)
    return render("dashboard/report_print.html", province=province, period=period, rollup=rollup,
                  period_args=_period_args(period, province),
                  totals=rollup["totals"], rows=rollup["rows"], today=today, **document,
                  completeness=completeness, missing=_missing_by_commune(completeness["missing"]), steps=steps,
                  no_step=[c for c in communes if not any(c["steps"])],
                  by_service=by_service, by_group=by_group, date_line=fmt_date(today),
                  as_of=rollup["as_of"], effective=effective, conditions=CONDITIONS, category_groups=CATEGORY_GROUPS,
                  criteria=[str(label) for key, label in EFFECTIVE_CRITERIA.items()
                            if getattr(province, f"effective_needs_{key}")],
                  failing=failing, failing_labels=EFFECTIVE_FAILING,
                  cost_parts=[f"{EVENT_KINDS[kind].lower()} {fmt_number(cost)}"
                              for kind, cost in rollup["totals"]["costs"].items()])
