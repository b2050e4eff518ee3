import json
from datetime import date, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from app import access, charts
from app.access import login_required_for, province_in_scope, refuse_if_locked, requires, scope_points
from app.audit import models as audit
from app.extensions import db
from app.formatting import today_local
from app.forms_base import EmptyForm
from app.htmx import is_fragment_request, redirect, render, render_form_errors
from app.imports import ImportBatch
from app.models_base import utcnow
from app.periods import Period, growth_percent, target_status
from app.spreadsheets import SpreadsheetError, csv_response, read_table, xlsx_response
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.visits import bp, queries
from app.visits.forms import (
    DayForm, ImportForm, MonthForm, PeriodForm, TallyForm, TargetForm, grid_form, parse_cell, snapshot,
)
from app.visits.io import export_headers, export_rows, from_json, parse_rows, template_rows, to_json, template_headers
from app.visits.models import GROUPS, SERVICES

login_required_for(bp)

CELLS = [(service, group) for service in SERVICES for group in GROUPS]


@bp.app_template_filter("service")
def service_label(key):
    return str(SERVICES.get(key, key))


@bp.app_template_filter("reader_group")
def group_label(key):
    return str(GROUPS.get(key, key))


def _day_arg(name: str = "day") -> date:
    """The day named in the query string (not in the future), or today."""
    form = DayForm(request.args)
    if request.args.get(name) and form.validate() and form.day.data:
        return form.day.data
    return today_local()


# --- Quick tally ------------------------------------------------------------------------

@bp.get("/tally")
@requires("visits.tally")
def tally_start():
    """The librarian's home action: straight to the tally of their point when they have one."""
    points = db.session.scalars(scope_points(select(LibraryPoint), current_user)
                                .where(LibraryPoint.active.is_(True)).order_by(LibraryPoint.name)).all()
    if len(points) == 1:
        return redirect(url_for("visits.tally", id=points[0].id))
    return render("visits/tally_start.html", points=points)


def _tally_context(point: LibraryPoint, day: date, last=None) -> dict:
    stored = queries.cells(point.id, day, day)
    counts = {(s, g): stored.get((day, s, g), 0) for s, g in CELLS}
    return {"point": point, "day": day, "counts": counts, "total": sum(counts.values()), "last": last,
            "today": today_local(), "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
            "lock": access.period_lock(point, day), "form": EmptyForm(), "services": SERVICES, "groups": GROUPS,
            "group_labels": [(key, str(label)) for key, label in GROUPS.items()]}  # translated once, not per button


@bp.get("/points/<int:id>/tally")
@requires("visits.edit", load=LibraryPoint)
def tally(obj: LibraryPoint):
    day = _day_arg()
    last = parse_cell(request.args.get("last"))
    return render("visits/tally.html", **_tally_context(obj, day, last))


@bp.post("/points/<int:id>/tally")
@requires("visits.edit", load=LibraryPoint)
def tally_tap(obj: LibraryPoint):
    form = TallyForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        if is_fragment_request():
            return render("_partials/_flashes_oob.html", status=422)
        return redirect(url_for("visits.tally", id=obj.id))
    day = form.day.data
    refuse_if_locked(obj, day)
    (service, group), step = form.step
    count = queries.tally(obj.id, day, service, group, step)
    audit.record("tally" if step > 0 else "tally_undo", obj, unit_id=obj.commune_id,
                 after={"day": day, "service": service, "reader_group": group, "count": count})
    db.session.commit()
    last = (service, group) if step > 0 else None
    if is_fragment_request():
        return render("visits/_partials/_tally_tap.html", point=obj, day=day, service=service, group=group,
                      count=count, total=queries.day_total(obj.id, day), last=last)
    args = {"day": day.isoformat()}
    if last:
        args["last"] = f"{service}:{group}"
    return redirect(url_for("visits.tally", id=obj.id, **args))


# --- Day and month grids ---------------------------------------------------------------

def _totals(stored: dict, row_of, col_of) -> dict:
    """Row, column and grand totals of the stored cells of a grid."""
    rows, cols = {}, {}
    for cell, count in stored.items():
        rows[row_of(cell)] = rows.get(row_of(cell), 0) + count
        cols[col_of(cell)] = cols.get(col_of(cell), 0) + count
    return {"rows": _ZeroDict(rows), "cols": _ZeroDict(cols), "all": sum(stored.values())}


class _ZeroDict(dict):
    def __missing__(self, key):
        return 0


def _save_grid(point: LibraryPoint, form, stored: dict, cell_of, template: str, context: dict, days):
    """Validate the whole grid, check nobody saved it meanwhile, then set the
    changed cells, each only if it still holds what was checked; all or none.
    Returns the response for a refused grid, or None."""
    if not form.validate_on_submit():
        form.form_errors.append(_("Some cells are not valid. Nothing was saved; correct the marked cells."))
        return render_form_errors(template, form=form, stored=stored, **context)
    refuse_if_locked(point, *days)

    def conflict():
        # Someone saved this grid after it was shown: keep what was typed, show
        # the current values beside it, and let a second save go through.
        form.seen.data = snapshot(stored)
        context["conflict"] = True
        form.form_errors.append(_("Someone else saved counts here after you opened the page. The current values are "
                                  "shown under the cells that changed; check them and save again."))
        return render(template, form=form, stored=stored, status=409, **context)

    if form.seen.data != snapshot(stored):
        return conflict()
    changes = {}
    for key, cell in cell_of.items():
        typed = form[key].data
        if typed is not None and typed != stored.get(cell, 0):
            changes[cell] = (stored.get(cell), typed)
    # Compare-and-set per cell: a tap landing after the check above makes the save a conflict, not a loss.
    if not queries.set_counts_if_unchanged(point.id, changes):
        db.session.rollback()
        in_grid = set(cell_of.values())
        fresh = queries.cells(point.id, min(days), max(days))
        stored.clear()
        stored.update({cell: n for cell, n in fresh.items() if cell in in_grid})
        return conflict()
    values = {cell: new for cell, (_shown, new) in changes.items()}
    audit.record("visits_set", point, unit_id=point.commune_id,
                 before={f"{d.isoformat()}:{s}:{g}": stored.get((d, s, g), 0) for d, s, g in values},
                 after={f"{d.isoformat()}:{s}:{g}": n for (d, s, g), n in values.items()})
    db.session.commit()
    return None


@bp.route("/points/<int:id>/visits/day", methods=["GET", "POST"])
@requires("visits.edit", load=LibraryPoint)
def day_entry(obj: LibraryPoint):
    day = _day_arg()
    stored = queries.cells(obj.id, day, day)
    cell_of = {f"{s}:{g}": (day, s, g) for s, g in CELLS}
    context = {"point": obj, "day": day, "today": today_local(), "lock": access.period_lock(obj, day),
               "services": SERVICES, "groups": GROUPS,
               "totals": _totals(stored, row_of=lambda cell: cell[1], col_of=lambda cell: cell[2])}
    if request.method == "POST":
        form = grid_form(cell_of)
        refused = _save_grid(obj, form, stored, cell_of, "visits/day_entry.html", context, [day])
        if refused is not None:
            return refused
        flash(_("Counts for %(date)s were saved.", date=day.strftime("%d/%m/%Y")), "success")
        return redirect(url_for("visits.day_entry", id=obj.id, day=day.isoformat()))
    data = {key: stored.get(cell, 0) for key, cell in cell_of.items()}
    form = grid_form(cell_of, data={**data, "seen": snapshot(stored)})
    return render("visits/day_entry.html", form=form, stored=stored, **context)


def _month_arg() -> tuple[int, int]:
    raw = request.args.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today_local().replace(day=1)
    if first > today_local() or first.year < 2000:
        first = today_local().replace(day=1)
    return first.year, first.month


@bp.route("/points/<int:id>/visits/month", methods=["GET", "POST"])
@requires("visits.edit", load=LibraryPoint)
def month_entry(obj: LibraryPoint):
    year, month = _month_arg()
    group = request.args.get("group") if request.args.get("group") in GROUPS else next(iter(GROUPS))
    period = Period.month(year, month)
    today = today_local()
    days = [period.start + timedelta(days=n) for n in range((min(period.end, today) - period.start).days + 1)]
    stored_all = queries.cells(obj.id, period.start, period.end)
    stored = {cell: n for cell, n in stored_all.items() if cell[2] == group}
    cell_of = {f"{d.isoformat()}:{s}": (d, s, group) for d in days for s in SERVICES}
    group_totals = {g: sum(n for cell, n in stored_all.items() if cell[2] == g) for g in GROUPS}
    context = {"point": obj, "period": period, "group": group, "days": days, "group_totals": group_totals,
               "lock": access.period_lock(obj, period.start), "services": SERVICES, "groups": GROUPS,
               "totals": _totals(stored, row_of=lambda cell: cell[0], col_of=lambda cell: cell[1]),
               "filters": MonthForm(formdata=None, month=f"{year}-{month:02d}", group=group)}
    if request.method == "POST":
        form = grid_form(cell_of)
        refused = _save_grid(obj, form, stored, cell_of, "visits/month_entry.html", context, days)
        if refused is not None:
            return refused
        flash(_("Counts for %(month)s (%(group)s) were saved.", month=period.label, group=GROUPS[group]), "success")
        return redirect(url_for("visits.month_entry", id=obj.id, month=f"{year}-{month:02d}", group=group))
    data = {key: stored.get(cell, 0) for key, cell in cell_of.items()}
    form = grid_form(cell_of, data={**data, "seen": snapshot(stored)})
    return render("visits/month_entry.html", form=form, stored=stored, **context)


# --- Summaries ---------------------------------------------------------------------------

def _period() -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.args)
    if form.month.data:
        return form, Period.month(form.year.data, form.month.data)
    return form, Period.whole_year(form.year.data)


def _last_complete_month(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def trend(point_ids, today: date, years: int = charts.TREND_YEARS) -> dict | None:
    """The monthly trend chart of the selected points: the last `years` years up
    to the last complete month (a running month would look like a fall)."""
    until = _last_complete_month(today)
    return charts.monthly_trend(queries.monthly_totals(point_ids, (until[0] - years + 1, 1), until), until, years)


def _summary(point_ids, province: Unit) -> dict:
    form, period = _period()
    today = today_local()
    current, previous = period.range_until(today), period.previous_year_range(today)
    now = queries.totals_by_point(point_ids, *current) if current[0] <= current[1] else {}
    before = queries.totals_by_point(point_ids, *previous)
    visits, last_year = sum(now.values()), sum(before.values())
    comparable_now, comparable_before, left_out = queries.like_for_like(now, before)
    growth = growth_percent(comparable_now, comparable_before)
    breakdown = queries.breakdown(point_ids, *current)
    return {
        "services": SERVICES, "groups": GROUPS,
        "by_service": _totals(breakdown, row_of=lambda cell: cell[0], col_of=lambda cell: cell[1])["rows"],
        "by_group": _totals(breakdown, row_of=lambda cell: cell[0], col_of=lambda cell: cell[1])["cols"],
        "filters": form, "period": period, "current": current, "previous": previous,
        "visits": visits, "last_year": last_year, "growth": growth, "left_out": left_out,
        "standing": target_status(growth, province.growth_target_min), "province": province,
        "breakdown": breakdown,
        "trend": trend(point_ids, today),
    }


@bp.get("/points/<int:id>/visits")
@requires("visits.view", load=LibraryPoint)
def point_summary(obj: LibraryPoint):
    context = _summary(queries.point_ids(obj), obj.commune.parent)
    return render("visits/summary.html", point=obj, commune=obj.commune, **context)


@bp.get("/communes/<int:id>/visits")
@requires("visits.view", load=Unit)
def commune_summary(obj: Unit):
    if obj.kind != COMMUNE:
        abort(404)
    context = _summary(queries.commune_point_ids(obj), obj.parent)
    points = db.session.scalars(select(LibraryPoint).where(LibraryPoint.commune_id == obj.id)
                                .order_by(LibraryPoint.name)).all()
    return render("visits/summary.html", point=None, commune=obj, points=points, **context)


@bp.get("/visits")
@requires("visits.province")
def province_overview():
    """Visits per commune of the province for a period, against last year and the target."""
    province = province_in_scope(current_user, request.args.get("province", type=int))
    if province is None:
        abort(404)
    form, period = _period()
    today = today_local()
    rows = queries.growth_by_commune(province, period.range_until(today), period.previous_year_range(today))
    visits, last_year = sum(r["visits"] for r in rows), sum(r["last_year"] for r in rows)
    comparable_now, comparable_before, left_out = queries.like_for_like(
        {r["id"]: r["visits"] for r in rows}, {r["id"]: r["last_year"] for r in rows})
    growth = growth_percent(comparable_now, comparable_before)
    provinces = db.session.scalars(select(Unit).where(Unit.kind == PROVINCE).order_by(Unit.name)).all() \
        if current_user.role == "admin" else []
    return render("visits/province.html", province=province, provinces=provinces, filters=form, period=period,
                  rows=rows, visits=visits, last_year=last_year, growth=growth, left_out=left_out,
                  standing=target_status(growth, province.growth_target_min),
                  current=period.range_until(today), previous=period.previous_year_range(today),
                  counts={s: sum(1 for r in rows if r["status"] == s) for s in ("met", "close", "missed", None)})


@bp.route("/provinces/<int:id>/visit-target", methods=["GET", "POST"])
@requires("visits.set_target", load=Unit)
def target_edit(obj: Unit):
    if obj.kind != PROVINCE:
        abort(404)
    form = TargetForm(obj=obj)
    if request.method == "GET":
        form.version.data = str(obj.version)
        return render("visits/target.html", province=obj, form=form)
    if form.is_stale(obj):
        form = TargetForm(formdata=None, obj=obj)
        form.version.data = str(obj.version)
        form.form_errors.append(_("Someone else changed the target meanwhile. The form now shows the current values."))
        return render("visits/target.html", province=obj, form=form, status=409)
    if not form.validate_on_submit():
        return render_form_errors("visits/target.html", province=obj, form=form)
    fields = ("growth_target_min", "growth_target_max")
    before = audit.snapshot(obj, fields)
    form.populate_obj(obj)
    audit.record("update", obj, before=before, after=audit.snapshot(obj, fields), unit_id=obj.id)
    db.session.commit()
    flash(_("The growth target of %(province)s was saved.", province=obj.name), "success")
    return redirect(url_for("visits.province_overview", province=obj.id))


# --- Import and export ----------------------------------------------------------------------

@bp.get("/visits/import-template.xlsx")
@requires("visits.template")
def import_template():
    return xlsx_response("mau-nhap-luot-doc.xlsx", "Lượt bạn đọc", template_headers(), template_rows(today_local()))


@bp.route("/points/<int:id>/visits/import", methods=["GET", "POST"])
@requires("visits.edit", load=LibraryPoint)
def import_upload(obj: LibraryPoint):
    form = ImportForm()
    if request.method == "GET":
        return render("visits/import.html", point=obj, form=form)
    if not form.validate_on_submit():
        return render_form_errors("visits/import.html", point=obj, form=form)
    upload = form.file.data
    try:
        headers, rows = read_table(upload.filename, upload.read())
    except SpreadsheetError as error:
        form.file.errors.append(str(error))
        return render_form_errors("visits/import.html", point=obj, form=form)
    counts, errors = parse_rows(headers, rows, today_local(), lambda day: access.period_lock(obj, day))
    if not counts and not errors:
        form.file.errors.append(_("The file has no rows below the column names."))
        return render_form_errors("visits/import.html", point=obj, form=form)
    # Old previews nobody confirmed, and this user's earlier preview for the point, are dropped.
    db.session.execute(delete(ImportBatch).where(
        (ImportBatch.created_at < utcnow() - timedelta(days=1))
        | ((ImportBatch.user_id == current_user.id) & (ImportBatch.point_id == obj.id) & (ImportBatch.kind == "visits"))))
    batch = None
    if not errors:
        batch = ImportBatch(kind="visits", point=obj, user_id=current_user.id, filename=upload.filename[:200],
                            rows=json.dumps(to_json(counts)))
        db.session.add(batch)
    db.session.commit()
    return render("visits/import_preview.html", point=obj, counts=counts, errors=errors, batch=batch,
                  filename=upload.filename, confirm_form=EmptyForm(), total=sum(c["count"] for c in counts),
                  error_rows={row for row, _column, _message in errors}, status=422 if errors else 200)


@bp.post("/visits/imports/<int:id>")
@requires("visits.import", load=ImportBatch)
def import_confirm(obj: ImportBatch):
    if obj.kind != "visits":
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    point = obj.point
    counts = from_json(json.loads(obj.rows))
    refuse_if_locked(point, *{c["day"] for c in counts})
    # Taking the batch is the claim: a second, concurrent confirmation finds it gone.
    if db.session.execute(delete(ImportBatch).where(ImportBatch.id == obj.id)).rowcount != 1:
        abort(409)
    queries.set_counts(point.id, {(c["day"], c["service"], c["reader_group"]): c["count"] for c in counts})
    days = sorted({c["day"] for c in counts})
    audit.record("import", point, unit_id=point.commune_id,
                 after={"file": obj.filename, "kind": "visits", "rows": len(counts),
                        "from": days[0] if days else None, "to": days[-1] if days else None})
    db.session.commit()
    flash(_("%(num)d counts were imported.", num=len(counts)), "success")
    return redirect(url_for("visits.point_summary", id=point.id))


def _export(fmt: str, filename: str, point_ids):
    year = request.args.get("year", type=int) or today_local().year
    if not 2000 <= year <= today_local().year:
        year = today_local().year
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = export_rows(point_ids, start, end)
    if fmt == "xlsx":
        return xlsx_response(f"{filename}-{year}.xlsx", _("Reader visits"), export_headers(), rows)
    if fmt == "csv":
        return csv_response(f"{filename}-{year}.csv", export_headers(), rows)
    abort(404)


@bp.get("/points/<int:id>/visits/export.<fmt>")
@requires("visits.view", load=LibraryPoint)
def export_point(obj: LibraryPoint, fmt: str):
    return _export(fmt, f"luot-doc-diem-{obj.id}", queries.point_ids(obj))


@bp.get("/communes/<int:id>/visits/export.<fmt>")
@requires("visits.view", load=Unit)
def export_commune(obj: Unit, fmt: str):
    if obj.kind != COMMUNE:
        abort(404)
    return _export(fmt, f"luot-doc-xa-{obj.code}", queries.commune_point_ids(obj))
