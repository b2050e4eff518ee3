"""Maintenance schedules (issue 16): a province's interval per category, the
communes behind on maintenance, a commune's overdue items. The due dates are
computed in app.equipment.maintenance_queries; the librarian's home lists
theirs (app/templates/equipment/maintenance/_partials/_due.html)."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import Optional

from app.access import province_arg, province_for_page, requires
from app.audit import models as audit
from app.editing import CONFLICT
from app.equipment import bp
from app.equipment import maintenance_queries as queries
from app.equipment.maintenance_models import MAX_MONTHS, MaintenanceInterval
from app.equipment.models import CATEGORIES
from app.extensions import db
from app.formatting import today_local
from app.forms_base import Form, LocalIntegerField, NumberRange
from app.htmx import redirect, render, render_form_errors
from app.units.models import COMMUNE, PROVINCE, Unit


class IntervalsForm(Form):
    """The months between two maintenances, per category (empty: no schedule).
    `current` carries the intervals the form was shown with: a save over
    someone else's meanwhile is a conflict, not a silent overwrite."""

    current = HiddenField()

    def month_fields(self):
        return [self[f"months_{category}"] for category in CATEGORIES]

    def intervals(self) -> dict[str, int]:
        return {category: self[f"months_{category}"].data for category in CATEGORIES
                if self[f"months_{category}"].data}


for _category, _label in CATEGORIES.items():
    setattr(IntervalsForm, f"months_{_category}", LocalIntegerField(
        _label, validators=[Optional(), NumberRange(min=1, max=MAX_MONTHS)],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_MONTHS}))

INTERVALS_HINT = _l("Months between two maintenances of an item of this category. Leave empty for no schedule; "
                    "an item may have its own interval (on its form).")


def fingerprint(intervals: dict[str, int]) -> str:
    return ",".join(f"{category}:{months}" for category, months in sorted(intervals.items()))


def _province(province: Unit) -> Unit:
    if province.kind != PROVINCE:
        abort(404)
    return province


@bp.route("/provinces/<int:id>/maintenance/settings", methods=["GET", "POST"])
@requires("maintenance.settings", load=Unit)
def maintenance_settings(province: Unit):
    """The province's maintenance interval per category; audited, guarded against a second person's save."""
    province = _province(province)
    current = queries.intervals_of(province.id)

    def fresh_form():
        form = IntervalsForm(formdata=None)
        for category in CATEGORIES:
            form[f"months_{category}"].data = current.get(category)
        form.current.data = fingerprint(current)
        return form

    page = {"province": province, "hint": INTERVALS_HINT}
    if request.method == "GET":
        return render("equipment/maintenance/settings.html", form=fresh_form(), **page)
    form = IntervalsForm()
    if (form.current.data or "") != fingerprint(current):
        fresh = fresh_form()
        fresh.form_errors.append(str(CONFLICT))
        return render("equipment/maintenance/settings.html", status=409, form=fresh, **page)
    if not form.validate_on_submit():
        return render_form_errors("equipment/maintenance/settings.html", form=form, **page)
    wanted = form.intervals()
    rows = {row.category: row for row in db.session.scalars(
        db.select(MaintenanceInterval).where(MaintenanceInterval.province_id == province.id))}
    for category in CATEGORIES:
        row, months = rows.get(category), wanted.get(category)
        if months is None and row is not None:
            db.session.delete(row)
        elif months is not None and row is None:
            db.session.add(MaintenanceInterval(province_id=province.id, category=category, months=months))
        elif months is not None:
            row.months = months
    audit.record("update_maintenance", province, before=current, after=wanted, unit_id=province.id)
    db.session.commit()
    flash(_("The maintenance intervals were saved."), "success")
    return redirect(url_for("equipment.maintenance_overview", province=province_arg(current_user, province)))


@bp.get("/province/maintenance")
@requires("maintenance.overview")
def maintenance_overview():
    """The province's communes with their items scheduled for maintenance and how many are overdue."""
    province = province_for_page(current_user)
    today = today_local()
    communes = queries.overdue_by_commune(province.id, today)
    return render("equipment/maintenance/overview.html", province=province, today=today, communes=communes,
                  intervals=queries.intervals_of(province.id), categories=CATEGORIES,
                  total=sum(c["overdue"] for c in communes), province_arg=province_arg(current_user, province))


@bp.get("/communes/<int:id>/maintenance")
@requires("maintenance.commune", load=Unit)
def maintenance_commune(commune: Unit):
    """A commune's items overdue for maintenance, and those due within 30 days."""
    if commune.kind != COMMUNE:
        abort(404)
    today = today_local()
    rows = queries.due_soon(commune.id, today)
    return render("equipment/maintenance/commune.html", commune=commune, today=today,
                  overdue=[r for r in rows if r["due"] < today], soon=[r for r in rows if r["due"] >= today],
                  soon_days=queries.SOON_DAYS)
