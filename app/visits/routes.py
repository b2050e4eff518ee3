from datetime import date, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import charts, periods
from app.access import login_required_for, pickable_provinces, province_for_page, requires
from app.audit import models as audit
from app.editing import edit
from app.extensions import db
from app.formatting import add_label_filters, fmt_number, labels, today_local
from app.htmx import redirect, render, render_form_errors, wants_json
from app.imports import pipeline as imports
from app.models_base import utcnow
from app.periods import MONTH, YEAR, Period, growth_percent, target_status
from app.reports import locks
from app.reports.locks import refuse_if_locked
from app.spreadsheets import csv_response, xlsx_response
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.units.queries import active_points, commune_point_ids, point_ids, points_of_commune
from app.visits import bp, plausibility, queries
from app.visits.forms import (
    DayForm,
    FlagReviewForm,
    MonthForm,
    PeriodForm,
    TallyForm,
    TargetForm,
    grid_digest,
    grid_form,
    parse_cell,
)
from app.visits.io import VisitsImporter, export_headers, export_rows
from app.visits.models import FLAG_STATES, GROUPS, MAX_COUNT, NEEDS_FIX, RECEIPT_DAYS, SERVICES, PlausibilityFlag

login_required_for(bp)
add_label_filters(bp, service=SERVICES, reader_group=GROUPS, flag_state=FLAG_STATES)

CELLS = [(service, group) for service in SERVICES for group in GROUPS]


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
    points = active_points(current_user)
    if len(points) == 1:
        return redirect(url_for("visits.tally", id=points[0].id))
    return render("visits/tally_start.html", points=points)


def _tally_context(point: LibraryPoint, day: date, last=None) -> dict:
    """The tally page: its buttons in rows per service, each with its count
    already formatted, and the labels translated once per process (the page
    has twenty buttons, so nothing is worked out per button in the template)."""
    stored = queries.cells(point.id, day, day)
    groups = labels(GROUPS)
    rows = [(service, service_name, [(group, group_name, fmt_number(stored.get((day, service, group), 0)))
                                     for group, group_name in groups])
            for service, service_name in labels(SERVICES)]
    return {"point": point, "day": day, "rows": rows, "total": sum(stored.values()), "undo": _tally_undo(last),
            "today": today_local(), "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
            "lock": locks.period_lock(point, day), "tap_url": url_for("visits.tally_tap", id=point.id)}


def _tally_undo(cell) -> tuple[str, str] | None:
    """The undo button's value and label for the last tapped cell, or None."""
    if cell is None:
        return None
    service, group = cell
    return f"{service}:{group}", f"{dict(labels(SERVICES))[service]} · {dict(labels(GROUPS))[group]}"


@bp.get("/points/<int:id>/tally")
@requires("visits.edit", load=LibraryPoint)
def tally(obj: LibraryPoint):
    day = _day_arg() if "day" in request.args else today_local()  # the day form is built only when a day is asked for
    last = parse_cell(request.args.get("last"))
    return render("visits/tally.html", **_tally_context(obj, day, last))


@bp.post("/points/<int:id>/tally")
@requires("visits.edit", load=LibraryPoint)
def tally_tap(obj: LibraryPoint):
    """One tap (+1) or undo (-1). A tap from app.js carries the id the phone
    made for it and asks for JSON: a tap sent again because its answer was
    lost finds its receipt and gets the same answer, counted once."""
    form = TallyForm()
    point_id = obj.id  # read before the commit, which expires the point (reading it again is a query)
    try:
        tap_id = form.tap_id
    except ValueError:
        abort(400)
    if not form.validate_on_submit():
        return _tap_refused(point_id, " ".join(str(e) for errors in form.errors.values() for e in errors))
    day = form.day.data
    (service, group), step = form.step
    tap = {"user_id": current_user.id, "point_id": point_id, "day": day, "service": service,
           "reader_group": group, "step": step}
    if tap_id and (done := queries.receipt(tap_id)) is not None:
        return _tap_answered_before(done, tap)
    refuse_if_locked(obj, day)
    try:
        count, total = queries.tally(point_id, day, service, group, step)
    except queries.CellFull:
        db.session.rollback()
        return _tap_refused(point_id, _(
            "This cell already holds %(max)s visits, the most a day may hold. Nothing was added; "
            "correct the count in the day grid if it is wrong.", max=fmt_number(MAX_COUNT)), day)
    if tap_id and not queries.keep_receipt(tap_id, **tap, count=count, total=total, received_at=utcnow()):
        db.session.rollback()  # a copy of this tap, on another thread or server, was counted first
        return _tap_answered_before(queries.receipt(tap_id), tap)
    audit.record("tally" if step > 0 else "tally_undo", obj, unit_id=obj.commune_id,
                 after={"day": day, "service": service, "reader_group": group, "count": count})
    _prune_receipts()
    db.session.commit()
    return _tap_answer(point_id, day, service, group, step, count, total)


def _tap_answer(point_id: int, day: date, service: str, group: str, step: int, count: int, total: int):
    """A counted tap's answer: JSON for app.js; without JS, back to the page
    at the tapped button (a plain form's 303)."""
    if wants_json():
        return {"cell": f"{service}:{group}", "day": day.isoformat(), "count": count, "total": total}
    args = {"day": day.isoformat(), "_anchor": f"t-{service}-{group}"}
    if step > 0:
        args["last"] = f"{service}:{group}"
    return redirect(url_for("visits.tally", id=point_id, **args))


def _tap_answered_before(done, tap: dict):
    """A tap already counted: the answer it got then. An id already used for
    another tap (another cell, day or user) is a conflict: nothing counted."""
    if done is None or {key: getattr(done, key) for key in tap} != tap:
        abort(409)
    return _tap_answer(done.point_id, done.day, done.service, done.reader_group, done.step, done.count, done.total)


def _tap_refused(point_id: int, message: str, day: date | None = None):
    """A tap that cannot be counted (422): the reason, and nothing saved."""
    if wants_json():
        return {"error": 422, "message": message}, 422
    flash(message, "error")
    return redirect(url_for("visits.tally", id=point_id, **({"day": day.isoformat()} if day else {})))


_pruned_at = {"time": None}  # per process: when this process last pruned the tap receipts


def _prune_receipts() -> None:
    """Forget tap receipts older than RECEIPT_DAYS, at most once an hour per
    process, inside the tap's own transaction (no timer to set up)."""
    now = utcnow()
    if _pruned_at["time"] is None or now - _pruned_at["time"] > timedelta(hours=1):
        _pruned_at["time"] = now
        queries.prune_receipts(now - timedelta(days=RECEIPT_DAYS))


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
        form.seen.data = grid_digest(stored)
        context["conflict"] = True
        form.form_errors.append(_("Someone else saved counts here after you opened the page. The current values are "
                                  "shown under the cells that changed; check them and save again."))
        return render(template, form=form, stored=stored, status=409, **context)

    if form.seen.data != grid_digest(stored):
        return conflict()
    changes = {}
    for key, cell in cell_of.items():
        typed = form[key].data
        if typed is not None and typed != stored.get(cell, 0):
            changes[cell] = (stored.get(cell), typed)
    found = plausibility.unusual(point.id, {cell: new for cell, (_shown, new) in changes.items()})
    if found and not form.confirm_unusual.data:
        # Not refused, but not saved unseen: the unusual cells are marked, and a second save with the box ticked
        # keeps them (and lists them for the province's follow-up).
        key_of = {cell: key for key, cell in cell_of.items()}
        context["unusual"] = {key_of[cell]: plausibility.message(low, high) for cell, (low, high) in found.items()}
        return render_form_errors(template, form=form, stored=stored, **context)
    # Compare-and-set per cell: a tap landing after the check above makes the save a conflict, not a loss.
    if not queries.set_counts_if_unchanged(point.id, changes):
        db.session.rollback()
        in_grid = set(cell_of.values())
        fresh = queries.cells(point.id, min(days), max(days))
        stored.clear()
        stored.update({cell: n for cell, n in fresh.items() if cell in in_grid})
        return conflict()
    values = {cell: new for cell, (_shown, new) in changes.items()}
    plausibility.record(point.id, values, found, source="grid", comment=form.unusual_comment.data,
                        user_id=current_user.id)
    audit.record("visits_set", point, unit_id=point.commune_id,
                 before={f"{d.isoformat()}:{s}:{g}": stored.get((d, s, g), 0) for d, s, g in values},
                 after={f"{d.isoformat()}:{s}:{g}": n for (d, s, g), n in values.items()})
    db.session.commit()
    return None


@bp.route("/points/<int:id>/visits/day", methods=["GET", "POST"])
@requires("visits.edit", load=LibraryPoint)
def day_entry(point: LibraryPoint):
    day = _day_arg()
    stored = queries.cells(point.id, day, day)
    cell_of = {f"{s}:{g}": (day, s, g) for s, g in CELLS}
    context = {"point": point, "day": day, "today": today_local(), "lock": locks.period_lock(point, day),
               "services": SERVICES, "groups": GROUPS,
               "totals": _totals(stored, row_of=lambda cell: cell[1], col_of=lambda cell: cell[2])}
    if request.method == "POST":
        form = grid_form(cell_of)
        refused = _save_grid(point, form, stored, cell_of, "visits/day_entry.html", context, [day])
        if refused is not None:
            return refused
        flash(_("Counts for %(date)s were saved.", date=day.strftime("%d/%m/%Y")), "success")
        return redirect(url_for("visits.day_entry", id=point.id, day=day.isoformat()))
    data = {key: stored.get(cell, 0) for key, cell in cell_of.items()}
    form = grid_form(cell_of, data={**data, "seen": grid_digest(stored)})
    return render("visits/day_entry.html", form=form, stored=stored, **context)


def _month_arg() -> tuple[int, int]:
    """The month the grid shows (?month=YYYY-MM, not in the future), or this month."""
    today = today_local()
    period = periods.from_args(request.args, today, kinds=(MONTH,), default=Period.containing(today))
    if period.start > today:
        period = Period.containing(today)
    return period.year, period.number


@bp.route("/points/<int:id>/visits/month", methods=["GET", "POST"])
@requires("visits.edit", load=LibraryPoint)
def month_entry(point: LibraryPoint):
    year, month = _month_arg()
    group = request.args.get("group") if request.args.get("group") in GROUPS else next(iter(GROUPS))
    period = Period.month(year, month)
    today = today_local()
    days = [period.start + timedelta(days=n) for n in range((min(period.end, today) - period.start).days + 1)]
    stored_all = queries.cells(point.id, period.start, period.end)
    stored = {cell: n for cell, n in stored_all.items() if cell[2] == group}
    cell_of = {f"{d.isoformat()}:{s}": (d, s, group) for d in days for s in SERVICES}
    group_totals = {g: sum(n for cell, n in stored_all.items() if cell[2] == g) for g in GROUPS}
    context = {"point": point, "period": period, "group": group, "days": days, "group_totals": group_totals,
               "lock": locks.period_lock(point, period.start), "services": SERVICES, "groups": GROUPS,
               "totals": _totals(stored, row_of=lambda cell: cell[0], col_of=lambda cell: cell[1]),
               "filters": MonthForm(formdata=None, month=f"{year}-{month:02d}", group=group)}
    if request.method == "POST":
        form = grid_form(cell_of)
        refused = _save_grid(point, form, stored, cell_of, "visits/month_entry.html", context, days)
        if refused is not None:
            return refused
        flash(_("Counts for %(month)s (%(group)s) were saved.", month=period.label, group=GROUPS[group]), "success")
        return redirect(url_for("visits.month_entry", id=point.id, month=f"{year}-{month:02d}", group=group))
    data = {key: stored.get(cell, 0) for key, cell in cell_of.items()}
    form = grid_form(cell_of, data={**data, "seen": grid_digest(stored)})
    return render("visits/month_entry.html", form=form, stored=stored, **context)


# --- Summaries ---------------------------------------------------------------------------

def _period(today: date) -> tuple[PeriodForm, Period]:
    """A summary's period (a year, or one of its months; this year by default) and the form that shows it."""
    period = periods.from_args(request.args, today, kinds=(MONTH, YEAR), default=Period.whole_year(today.year))
    return PeriodForm.showing(period, today), period


def _summary(point_ids, province: Unit) -> dict:
    today = today_local()
    form, period = _period(today)
    current, previous = period.window(today), period.previous_window(today)
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
        "trend": charts.monthly_trend(*queries.trend_totals(point_ids, today)),
    }


@bp.get("/points/<int:id>/visits")
@requires("visits.view", load=LibraryPoint)
def point_summary(point: LibraryPoint):
    context = _summary(point_ids(point), point.commune.parent)
    return render("visits/summary.html", point=point, commune=point.commune, **context)


@bp.get("/communes/<int:id>/visits")
@requires("visits.view", load=Unit)
def commune_summary(commune: Unit):
    if commune.kind != COMMUNE:
        abort(404)
    context = _summary(commune_point_ids(commune), commune.parent)
    points = points_of_commune(commune)
    return render("visits/summary.html", point=None, commune=commune, points=points, **context)


@bp.get("/visits")
@requires("visits.province")
def province_overview():
    """Visits per commune of the province for a period, against last year and the target."""
    province = province_for_page(current_user)
    today = today_local()
    form, period = _period(today)
    rows = queries.growth_by_commune(province, period.window(today), period.previous_window(today))
    visits, last_year = sum(r["visits"] for r in rows), sum(r["last_year"] for r in rows)
    comparable_now, comparable_before, left_out = queries.like_for_like(
        {r["id"]: r["visits"] for r in rows}, {r["id"]: r["last_year"] for r in rows})
    growth = growth_percent(comparable_now, comparable_before)
    provinces = pickable_provinces(current_user)
    return render("visits/province.html", province=province, provinces=provinces, filters=form, period=period,
                  rows=rows, visits=visits, last_year=last_year, growth=growth, left_out=left_out,
                  standing=target_status(growth, province.growth_target_min),
                  current=period.window(today), previous=period.previous_window(today),
                  counts={s: sum(1 for r in rows if r["status"] == s) for s in ("met", "close", "missed", None)})


@bp.route("/provinces/<int:id>/visit-target", methods=["GET", "POST"])
@requires("visits.set_target", load=Unit)
def target_edit(province: Unit):
    if province.kind != PROVINCE:
        abort(404)
    return edit(province, lambda **kw: TargetForm(obj=province, **kw), "visits/target.html",
                fields=("growth_target_min", "growth_target_max"), unit_id=province.id,
                location=url_for("visits.province_overview", province=province.id), province=province,
                message=lambda: _("The growth target of %(province)s was saved.", province=province.name))


# --- Import and export ----------------------------------------------------------------------

imports.add_routes(bp, VisitsImporter(), LibraryPoint,
                   template=("/visits/import-template.xlsx", "visits.template"),
                   upload=("/points/<int:id>/visits/import", "visits.edit"),
                   confirm=("/visits/imports/<int:id>", "visits.import"))


def _export(fmt: str, filename: str, point_ids):
    today = today_local()
    period = periods.from_args(request.args, today, kinds=(YEAR,), default=Period.whole_year(today.year))
    year = period.year
    rows = export_rows(point_ids, period.start, period.end)
    if fmt == "xlsx":
        return xlsx_response(f"{filename}-{year}.xlsx", _("Reader visits"), export_headers(), rows)
    if fmt == "csv":
        return csv_response(f"{filename}-{year}.csv", export_headers(), rows)
    abort(404)


@bp.get("/points/<int:id>/visits/export.<fmt>")
@requires("visits.view", load=LibraryPoint)
def export_point(point: LibraryPoint, fmt: str):
    return _export(fmt, f"luot-doc-diem-{point.id}", point_ids(point))


@bp.get("/communes/<int:id>/visits/export.<fmt>")
@requires("visits.view", load=Unit)
def export_commune(commune: Unit, fmt: str):
    if commune.kind != COMMUNE:
        abort(404)
    return _export(fmt, f"luot-doc-xa-{commune.code}", commune_point_ids(commune))


# --- Plausibility follow-up ------------------------------------------------------------------

@bp.get("/provinces/<int:id>/follow-up")
@requires("visits.follow_up", load=Unit)
def follow_up(province: Unit):
    """The unusual counts of a month in the province's communes (?month=YYYY-MM, last month by default),
    each with the librarian's comment, to be marked checked or needing correction."""
    if province.kind != PROVINCE:
        abort(404)
    today = today_local()
    last_month = Period.containing(today.replace(day=1) - timedelta(days=1))
    period = periods.from_args(request.args, today, kinds=(MONTH,), default=last_month)
    flags = plausibility.province_flags(province.id, period.start, period.end)
    return render("visits/follow_up.html", province=province, period=period, flags=flags,
                  filters=MonthForm(formdata=None, month=f"{period.year}-{period.number:02d}"),
                  counts={state: sum(1 for f in flags if f.state == state) for state in FLAG_STATES},
                  review_forms={f.id: review_form(f) for f in flags})


def review_form(flag: PlausibilityFlag, back: str = "") -> FlagReviewForm:
    """The review form of one flag, with ids of its own (a page lists many)."""
    from app.forms_base import own_ids

    form = FlagReviewForm(formdata=None, state=flag.state if flag.state != "open" else "checked",
                          comment=flag.province_comment, back=back)
    return own_ids(form, flag.id)


@bp.post("/follow-up/<int:id>")
@requires("visits.review", load=PlausibilityFlag)
def flag_review(flag: PlausibilityFlag):
    form = FlagReviewForm()
    back = safe_back(form.back.data) or url_for("visits.follow_up", id=flag.point.commune.parent_id,
                                               month=flag.day.strftime("%Y-%m"))
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    before = {"state": flag.state, "province_comment": flag.province_comment}
    plausibility.review(flag, form.state.data, (form.comment.data or "").strip(), current_user.id)
    audit.record("follow_up", flag.point, unit_id=flag.point.commune_id, before=before,
                 after={"day": flag.day, "service": flag.service, "reader_group": flag.reader_group,
                        "value": flag.value, "state": flag.state, "province_comment": flag.province_comment})
    db.session.commit()
    flash(_("The follow-up of %(point)s, %(date)s was saved.", point=flag.point.name,
            date=flag.day.strftime("%d/%m/%Y")), "success")
    return redirect(back)


def safe_back(target: str | None) -> str | None:
    """A page of this site to go back to (a path, never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.app_template_global()
def unusual_counts(commune: Unit, period: Period) -> list[PlausibilityFlag]:
    """The unusual counts of a commune's report month (the report page lists them)."""
    return plausibility.commune_flags(commune.id, period.start, period.end)


@bp.app_template_global()
def counts_to_correct(commune: Unit) -> list[PlausibilityFlag]:
    """A commune's unusual counts the province marked as needing correction (the librarian's home)."""
    today = today_local()
    return plausibility.commune_flags(commune.id, today - timedelta(days=plausibility.WINDOW_DAYS), today, NEEDS_FIX)


@bp.app_template_global()
def flag_review_form(flag: PlausibilityFlag, back: str = "") -> FlagReviewForm:
    return review_form(flag, back)
