"""Wear and end of life: a province's useful lives per category, and the list
of items to replace (fully worn, or broken for long) per point and per
province, on screen and as a workbook. The rules are in app.equipment.wear."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete
from wtforms import HiddenField
from wtforms.validators import Optional

from app.access import province_arg, province_for_page, requires
from app.audit import models as audit
from app.editing import CONFLICT
from app.equipment import bp, wear
from app.equipment.end_of_life import DEFAULT_MONTHS, MAX_MONTHS, EndOfLife, end_of_life
from app.equipment.models import CATEGORIES
from app.extensions import db
from app.formatting import fmt_date, fmt_datetime, fmt_vnd, labels, today_local
from app.forms_base import FilterForm, Form, LocalIntegerField, NumberRange
from app.htmx import redirect, render, render_form_errors
from app.models_base import utcnow
from app.spreadsheets import file_slug, workbook_response
from app.units.models import PROVINCE, LibraryPoint, Unit
from app.units.queries import point_ids


@bp.app_template_global()
def item_wear(item):
    """The item's wear as of today (None when its value or receipt date is not known)."""
    return wear.item_wear(item)


bp.add_app_template_global(wear.threshold, "wear_threshold")


# --- A province's useful lives --------------------------------------------------------------------

class WearForm(Form):
    """One `life_<category>` field per category (empty: the circular's life),
    and the lives it was shown with (`version`): saved over changes made
    meanwhile, it answers 409 with the lives as they are now."""

    version = HiddenField()

    def life_fields(self):
        return [(category, self[f"life_{category}"]) for category in CATEGORIES]


for _category, _label in CATEGORIES.items():
    setattr(WearForm, f"life_{_category}", LocalIntegerField(
        _label, validators=[Optional(), NumberRange(min=1, max=wear.MAX_LIFE)]))


@bp.route("/provinces/<int:id>/wear", methods=["GET", "POST"])
@requires("equipment.wear_settings", load=Unit)
def wear_settings(province: Unit):
    """The useful life of each category in the province; an empty field keeps the circular's."""
    if province.kind != PROVINCE:
        abort(404)
    own = wear.province_lives(province.id)
    page = {"province": province, "defaults": wear.DEFAULTS, "threshold": wear.threshold(),
            "categories": dict(labels(CATEGORIES))}
    version = "lives:" + ",".join(f"{category}={life}" for category, life in sorted(own.items()))

    def shown():
        return WearForm(formdata=None, data={"version": version, **{f"life_{c}": life for c, life in own.items()}})

    if request.method == "GET":
        return render("equipment/wear/settings.html", form=shown(), **page)
    form = WearForm()
    if form.version.data != version:
        fresh = shown()
        fresh.form_errors.append(str(CONFLICT))
        return render("equipment/wear/settings.html", status=409, form=fresh, **page)
    if not form.validate_on_submit():
        return render_form_errors("equipment/wear/settings.html", form=form, **page)
    chosen = {category: field.data for category, field in form.life_fields()
              if field.data is not None and field.data != wear.DEFAULTS[category].life_years}
    if chosen != own:
        db.session.execute(delete(wear.WearLife).where(wear.WearLife.province_id == province.id))
        db.session.add_all(wear.WearLife(province_id=province.id, category=category, life_years=life)
                           for category, life in chosen.items())
        audit.record("update", province, before={"wear_life": own}, after={"wear_life": chosen}, unit_id=province.id)
        db.session.commit()
    flash(_("The useful lives were saved."), "success")
    return redirect(url_for("equipment.wear_settings", id=province.id))


# --- End of life ----------------------------------------------------------------------------------

class EndOfLifeForm(FilterForm):
    months = LocalIntegerField(_l("Broken for more than (months)"),
                               validators=[Optional(), NumberRange(min=1, max=MAX_MONTHS)])


def _months() -> tuple[EndOfLifeForm, int]:
    form = EndOfLifeForm(request.args).read()
    if form.months.data is None and not form.months.errors:
        form.months.data = DEFAULT_MONTHS
    return form, form.months.data or DEFAULT_MONTHS


@bp.get("/points/<int:id>/end-of-life")
@requires("equipment.view", load=LibraryPoint)
def end_of_life_point(point: LibraryPoint):
    """The point's items to replace: fully worn, or broken for more than N months."""
    form, months = _months()
    today = today_local()
    rows = end_of_life(point.commune.parent_id, today, months, point_ids(point))
    return render("equipment/wear/end_of_life.html", point=point, province=None, rows=rows, form=form,
                  months=months, today=today, args={"id": point.id, "months": months},
                  workbook="equipment.end_of_life_point_xlsx")


@bp.get("/points/<int:id>/end-of-life.xlsx")
@requires("equipment.view", load=LibraryPoint)
def end_of_life_point_xlsx(point: LibraryPoint):
    _form, months = _months()
    today = today_local()
    rows = end_of_life(point.commune.parent_id, today, months, point_ids(point))
    return _workbook(f"het-khau-hao-diem-{point.id}-{today:%Y%m%d}.xlsx", rows, months, today,
                     [f"{point.name}, {point.commune.name}"])


@bp.get("/province/end-of-life")
@requires("equipment.end_of_life_province")
def end_of_life_province():
    """The province's items to replace, point by point."""
    province = province_for_page(current_user)
    form, months = _months()
    today = today_local()
    rows = end_of_life(province.id, today, months)
    pick = province_arg(current_user, province)
    return render("equipment/wear/end_of_life.html", point=None, province=province, rows=rows, form=form,
                  months=months, today=today, province_arg=pick,
                  args={"months": months, **({"province": pick} if pick else {})},
                  workbook="equipment.end_of_life_province_xlsx")


@bp.get("/province/end-of-life.xlsx")
@requires("equipment.end_of_life_province")
def end_of_life_province_xlsx():
    province = province_for_page(current_user)
    _form, months = _months()
    today = today_local()
    rows = end_of_life(province.id, today, months)
    return _workbook(f"het-khau-hao-{file_slug(province.name) or province.code}-{today:%Y%m%d}.xlsx", rows, months,
                     today, [province.name])


def reasons(row: EndOfLife) -> list[str]:
    """Why an item is listed, in words."""
    out = []
    if row.fully_worn:
        out.append(_("Fully worn since %(date)s", date=fmt_date(row.wear.worn_out_on)))
    if row.broken_since is not None:
        out.append(_("Broken since %(date)s", date=fmt_date(row.broken_since)))
    return out


bp.add_app_template_global(reasons, "end_of_life_reasons")


def _workbook(filename: str, rows: list[EndOfLife], months: int, today, heading: list[str]):
    headers = [_("No."), _("Commune"), _("Library point"), _("Category"), _("Description"), _("Asset code"),
               _("Quantity"), _("Condition"), _("Received on"), _("Total value (VND)"), _("Remaining value (VND)"),
               _("Worn out on"), _("Broken since"), _("Reason")]
    body = [[i, r.commune_name, r.point_name, r.item.category_label, r.item.description, r.item.asset_code,
             r.item.quantity, r.item.condition_label,
             r.item.received_label if r.item.received_precision == "month" else r.item.received_on,
             r.item.total_value, r.wear.remaining if r.wear else None,
             r.wear.worn_out_on if r.fully_worn else None, r.broken_since, "; ".join(reasons(r))]
            for i, r in enumerate(rows, start=1)]
    heading = [*heading, _("As of %(date)s", date=fmt_date(today)),
               _("Fully worn, or broken for more than %(months)d months", months=months),
               _("Generated at %(datetime)s", datetime=fmt_datetime(utcnow()))]
    return workbook_response(filename, [(_("End of life"), headers, body, {3: 24, 5: 32, 14: 40})], heading=heading)


def remaining_label(worn) -> str:
    """"12.500.000 ₫ → 0 ₫ left" for a worn fixed asset."""
    return _("%(original)s → %(remaining)s left", original=fmt_vnd(worn.original), remaining=fmt_vnd(worn.remaining))


bp.add_app_template_global(remaining_label, "wear_remaining_label")
