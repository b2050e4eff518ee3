"""The equipment standard per point model, each point's gaps against it, the
province's progress and the printable progress report the dispatch asks for."""
from datetime import date

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import charts
from app.access import login_required_for, province_arg, province_for_page, requires
from app.audit import models as audit
from app.dashboard.document import document_fields
from app.editing import CONFLICT
from app.equipment.models import CATEGORIES
from app.extensions import db
from app.formatting import fmt_date, fmt_datetime, today_local
from app.htmx import redirect, render, render_form_errors
from app.models_base import utcnow
from app.spreadsheets import file_slug, workbook_response
from app.standards import bp, queries
from app.standards.forms import AsOfForm, SettingsForm, StandardForm
from app.standards.models import StandardLine, StandardSettings
from app.standards.wording import category_name, listing
from app.units.models import CHECKLIST, POINT_MODELS, PROVINCE, LibraryPoint, Unit

login_required_for(bp)

STATUS_LABELS = {
    queries.FULL: _l("Fully equipped"),
    queries.PARTLY: _l("Partly equipped"),
    queries.NONE: _l("No category up to the standard"),
    queries.NO_STANDARD: _l("No standard for its model"),
}


@bp.app_template_global()
def gap_listing(lines, key: str = "missing") -> str:
    """"1 printer, 6 chairs": the quantities `key` of a point's gap lines."""
    return listing(lines, key)


@bp.app_template_global()
def gap_category(category: str, internet: bool = False) -> str:
    return category_name(category, internet)


def _province(province: Unit) -> Unit:
    if province.kind != PROVINCE:
        abort(404)
    return province


def _as_of(default: date) -> tuple[AsOfForm, date]:
    """The "as of" day a page reads its figures on: the form's, or `default`."""
    form = AsOfForm(request.args).read()
    if form.on.data is None and not form.on.errors:
        form.on.data = default  # shown in the field
    return form, form.on.data or default


# --- The standard and its settings ------------------------------------------------------------

@bp.get("/provinces/<int:id>/standard")
@requires("standard.view", load=Unit)
def standard(province: Unit):
    """Every point model's standard as it is today, the days each version was
    valid from, and the progress report's deadline and start date."""
    province = _province(province)
    settings = queries.settings_of(province.id)
    return render("standards/standard.html", province=province, models=POINT_MODELS, settings=settings,
                  province_arg=province_arg(current_user, province),
                  standards=queries.standards_on(province.id, today_local()),
                  history=audit.history_of(settings) if settings is not None else [])


def _version(settings: StandardSettings | None) -> str:
    return str(settings.version if settings is not None else 0)


def _settings_for_save(province: Unit) -> StandardSettings:
    """The province's settings row, made when missing; its version moves on with every save."""
    settings = queries.settings_of(province.id)
    if settings is None:
        settings = StandardSettings(province_id=province.id)
        db.session.add(settings)
    else:
        settings.updated_at = utcnow()  # an UPDATE even when only the standard's lines changed
    return settings


def _standard_form(province: Unit, model: str, today: date, fresh: bool = False) -> StandardForm:
    """The posted form, or (on a GET, or `fresh` after a conflict) one filled
    with the model's standard of today and the settings' version."""
    if request.method == "POST" and not fresh:
        return StandardForm()
    form = StandardForm(formdata=None)
    current = queries.standards_on(province.id, today).get(model, {})
    for category in CATEGORIES:
        form[f"min_{category}"].data = current.get(category, (0, False))[0]
    form.computer_internet.data = current.get("computer", (0, False))[1]
    form.version.data = _version(queries.settings_of(province.id))
    return form


def _described(standard: dict) -> dict[str, str]:
    """A model's standard as the audit trail keeps it: {category: "3" or "3, internet"}."""
    return {category: f"{quantity}, internet" if internet else str(quantity)
            for category, (quantity, internet) in standard.items()}


@bp.route("/provinces/<int:id>/standard/edit", methods=["GET", "POST"])
@requires("standard.edit", load=Unit)
def standard_edit(province: Unit):
    """One point model's standard (?model=). A save makes the version valid
    from today (today's own version is replaced), so a report as of an earlier
    day keeps the standard it had; audited, with the version guarding against a
    second person's save."""
    province = _province(province)
    model = request.values.get("model") or next(iter(POINT_MODELS))
    if model not in POINT_MODELS:
        abort(404)
    today = today_local()
    page = {"province": province, "model": model, "model_label": POINT_MODELS[model]}
    form = _standard_form(province, model, today)
    if request.method == "GET":
        return render("standards/standard_form.html", form=form, **page)
    if form.version.data != _version(queries.settings_of(province.id)):
        fresh = _standard_form(province, model, today, fresh=True)
        fresh.form_errors.append(str(CONFLICT))
        return render("standards/standard_form.html", status=409, form=fresh, **page)
    if not form.validate_on_submit():
        return render_form_errors("standards/standard_form.html", form=form, **page)
    before = queries.standards_on(province.id, today).get(model, {})
    quantities = form.quantities()
    lines = queries.lines_valid_from(province.id, model, today)
    for category in CATEGORIES:
        line = lines.get(category)
        if line is None:
            line = StandardLine(province_id=province.id, point_model=model, valid_from=today, category=category)
            db.session.add(line)
        line.min_quantity = quantities[category]
        line.needs_internet = category == "computer" and bool(form.computer_internet.data) and quantities[category] > 0
    settings = _settings_for_save(province)
    db.session.flush()
    after = queries.standards_on(province.id, today).get(model, {})
    audit.record("update_standard", settings, before={"model": model, **_described(before)},
                 after={"model": model, "valid_from": today.isoformat(), **_described(after)}, unit_id=province.id)
    db.session.commit()
    flash(_("The standard for %(model)s was saved, valid from %(date)s.", model=POINT_MODELS[model],
            date=fmt_date(today)), "success")
    return redirect(url_for("standards.standard", id=province.id))


SETTINGS_FIELDS = ("start_date", "deadline")


@bp.route("/provinces/<int:id>/standard/settings", methods=["GET", "POST"])
@requires("standard.edit", load=Unit)
def settings(province: Unit):
    """The dispatch's deadline and the start date of the progress report; audited, version-guarded."""
    province = _province(province)
    current = queries.settings_of(province.id)

    def make_form(fresh=False):
        if request.method == "POST" and not fresh:
            return SettingsForm()
        form = SettingsForm(formdata=None, obj=current)
        form.version.data = _version(current)
        return form

    form = make_form()
    page = {"province": province}
    if request.method == "GET":
        return render("standards/settings.html", form=form, **page)
    if form.version.data != _version(current):
        fresh = make_form(fresh=True)
        fresh.form_errors.append(str(CONFLICT))
        return render("standards/settings.html", status=409, form=fresh, **page)
    if not form.validate_on_submit():
        return render_form_errors("standards/settings.html", form=form, **page)
    before = audit.snapshot(current, SETTINGS_FIELDS) if current is not None else {}
    settings = _settings_for_save(province)
    settings.start_date, settings.deadline = form.start_date.data, form.deadline.data
    audit.record("update", settings, before=before, after=audit.snapshot(settings, SETTINGS_FIELDS),
                 unit_id=province.id)
    db.session.commit()
    flash(_("The progress report's dates were saved."), "success")
    return redirect(url_for("standards.standard", id=province.id))


# --- A point's gaps ---------------------------------------------------------------------------

@bp.get("/points/<int:id>/gaps")
@requires("standard.gaps", load=LibraryPoint)
def point_gaps(point: LibraryPoint):
    """A point's register against its model's standard as of a chosen day (today by default)."""
    form, day = _as_of(today_local())
    gaps = queries.gaps_of_points([point], day)
    return render("standards/point_gaps.html", point=point, gap=gaps.get(point.id), gaps=gaps, form=form, day=day,
                  status_labels=STATUS_LABELS)


# --- The province's progress ---------------------------------------------------------------------

def _default_day(settings: StandardSettings | None, today: date) -> date:
    return settings.deadline if settings is not None and settings.deadline else today


def _start(settings: StandardSettings | None, day: date) -> date:
    """Where readers and trainings are counted from: the settings' start date, else 1 January of the day's year."""
    return settings.start_date if settings is not None and settings.start_date else date(day.year, 1, 1)


@bp.get("/province/equipping")
@requires("standard.progress")
def progress():
    """The province's points fully, partly or not equipped as of a day (today
    by default), the purchase list by category, the points still short, and
    the fully equipped points by month."""
    province = province_for_page(current_user)
    today = today_local()
    settings = queries.settings_of(province.id)
    form, day = _as_of(today)
    result = queries.progress(province.id, day)
    trend = queries.fully_equipped_by_month(province.id, queries.month_ends(
        min(_start(settings, day), date(day.year, day.month, 1).replace(year=day.year - 1)), day))
    chart = charts.line_chart([d.strftime("%m/%y") for d, _full, _of in trend],
                              [(_("Fully equipped points"), [full for _d, full, _of in trend])]) if trend else None
    communes = dict(db.session.execute(db.select(Unit.id, Unit.name).where(Unit.parent_id == province.id)).all())
    short = sorted((g for g in result["gaps"].values() if g["status"] in (queries.PARTLY, queries.NONE)),
                   key=lambda g: (communes.get(g["commune_id"], ""), g["name"]))
    return render("standards/progress.html", province=province, day=day, form=form, today=today,
                  counts=result["counts"], purchases=result["purchases"], short=short, communes=communes,
                  trend=trend, chart=chart, settings=settings, status_labels=STATUS_LABELS,
                  province_arg=province_arg(current_user, province), models=POINT_MODELS)


@bp.get("/province/equipping/purchases.xlsx")
@requires("standard.progress")
def purchases_export():
    """The purchase list as of a day, and the points still short, as one .xlsx workbook."""
    province = province_for_page(current_user)
    _form, day = _as_of(today_local())
    result = queries.progress(province.id, day)
    communes = dict(db.session.execute(db.select(Unit.id, Unit.name).where(Unit.parent_id == province.id)).all())
    keys = ("missing", "connect", "repairable", "to_buy")
    purchases = [[i, category_name(r["category"], r["internet"]), r["points"], *(r[k] for k in keys)]
                 for i, r in enumerate(result["purchases"], start=1)]
    purchases.append([None, _("Total"), None, *(sum(r[k] for r in result["purchases"]) for k in keys)])
    short = sorted((g for g in result["gaps"].values() if g["status"] != queries.FULL),
                   key=lambda g: (communes.get(g["commune_id"], ""), g["name"]))
    points = [[i, communes.get(g["commune_id"], ""), g["name"], str(POINT_MODELS.get(g["model"], g["model"])),
               str(STATUS_LABELS[g["status"]]), *(listing(g[k], k) for k in keys)]
              for i, g in enumerate(short, start=1)]
    heading = [province.name, _("As of %(date)s", date=fmt_date(day)),
               _("Generated at %(datetime)s", datetime=fmt_datetime(utcnow()))]
    name = f"mua-sam-{file_slug(province.name) or province.code}-{day.strftime('%Y-%m-%d')}.xlsx"
    return workbook_response(name, [
        (_("Purchase list"), [_("No."), _("Category"), _("Points lacking it"), _("Quantity missing"),
                              _("Closed by connecting"), _("Closed by repairs"), _("To buy")], purchases, {2: 30}),
        (_("Points short"), [_("No."), _("Commune"), _("Library point"), _("Model"), _("Status"), _("Missing"),
                             _("Closed by connecting"), _("Closed by repairs"), _("To buy")], points,
         {2: 24, 3: 32, 6: 40, 7: 30, 8: 30, 9: 40}),
    ], heading=heading)


@bp.get("/province/equipping/report")
@requires("standard.progress")
def report():
    """The progress report the dispatch asks for (báo cáo tiến độ), as of a
    chosen day (the dispatch's deadline by default, else today), in the
    administrative layout of the period report: per commune the standard met,
    the digital-library steps, people trained and readers served since the
    start date; the province's totals and the communes still behind."""
    province = province_for_page(current_user)
    today = today_local()
    settings = queries.settings_of(province.id)
    form, day = _as_of(_default_day(settings, today))
    start = _start(settings, day)
    figures = queries.report_rows(current_user, province.id, day, start)
    document = document_fields(province, _("DEPARTMENT OF CULTURE, SPORTS AND TOURISM"))
    args = {"on": day.strftime("%d/%m/%Y"), "province": province_arg(current_user, province)}
    reasons = {row["id"]: _behind(row) for row in figures["behind"]}
    return render("standards/report_print.html", province=province, day=day, start=start, today=today, form=form,
                  figures=figures, totals=figures["totals"], rows=figures["rows"], steps=figures["steps"],
                  step_labels=list(CHECKLIST.values()), settings=settings, report_args=args,
                  status_labels=STATUS_LABELS, reasons=reasons, **document)


def _behind(row: dict) -> list[str]:
    """Why a commune is behind, in words: no point; what its points miss; the digital-library steps not all reached."""
    parts = []
    if "no_point" in row["behind"]:
        parts.append(_("no library point"))
    if "equipment" in row["behind"]:
        parts.append(_("missing %(items)s", items=listing(row["missing"], "missing")))
    if "digital" in row["behind"]:
        steps = [f"{str(label).lower()} {n}/{row['points']}" for label, n in zip(CHECKLIST.values(), row["steps"],
                                                                                    strict=True) if n < row["points"]]
        parts.append(_("digital library: %(steps)s", steps=", ".join(steps)))
    return parts
