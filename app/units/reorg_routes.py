"""The administrator's page for commune reorganisations: a merger, checked
and shown before it is confirmed, and the mapping file of pre-2025 names.
The rules are in app.units.reorg; the same as `flask units merge`."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from app.access import pickable_provinces, province_for_page, requires
from app.extensions import db
from app.formatting import fmt_date, today_local
from app.htmx import redirect, render, render_form_errors
from app.units import bp, reorg
from app.units.forms import MappingForm, MergeForm
from app.units.models import COMMUNE, Unit, UnitAlias, current_units
from app.units.queries import commune_choices

CONFIRM = "confirm"
PAGE = "units/reorg/index.html"
MAX_MAPPING_BYTES = 2 * 1024 * 1024


def _forms(province: Unit, formdata=None):
    today = today_local()
    communes = db.session.scalars(select(Unit).where(Unit.parent_id == province.id, Unit.kind == COMMUNE,
                                                     current_units(today))).all()
    merge_form = MergeForm(formdata=formdata, province=province.id)
    merge_form.into_id.choices = commune_choices(communes, _("— choose a commune —"))
    merge_form.merged_ids.choices = commune_choices(communes)
    return merge_form, MappingForm(formdata=None, province=province.id)


def _page(province: Unit, merge_form, mapping_form, plan=None, status: int = 200):
    today = today_local()
    merged = db.session.execute(
        select(Unit.name, Unit.code, Unit.valid_to, Unit.successor_id).where(
            Unit.parent_id == province.id, Unit.kind == COMMUNE, Unit.valid_to.is_not(None))
        .order_by(Unit.valid_to.desc(), Unit.name)).all()
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.parent_id == province.id)).all())
    aliases = db.session.scalar(select(func.count()).select_from(UnitAlias)
                                .where(UnitAlias.province_id == province.id))
    context = {"province": province, "provinces": pickable_provinces(current_user), "form": merge_form,
               "mapping_form": mapping_form, "plan": plan, "today": today, "aliases": aliases,
               "merged": [{"name": n, "code": c, "last_day": v, "successor": names.get(s, "—")}
                          for n, c, v, s in merged]}
    if status != 200:
        return render_form_errors(PAGE, **context)
    return render(PAGE, **context)


@bp.route("/units/reorg", methods=["GET", "POST"])
@requires("units.reorg")
def reorg_merge():
    """GET: the page. POST: check the merger and show what it will do; POST
    with `confirm`: do it (checked again in the write transaction)."""
    province = province_for_page(current_user)
    if request.method == "GET":
        return _page(province, *_forms(province))
    merge_form, mapping_form = _forms(province, request.form)
    if not merge_form.validate():
        return _page(province, merge_form, mapping_form, status=422)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(
        Unit.id.in_([merge_form.into_id.data, *merge_form.merged_ids.data])))}
    into = units.get(merge_form.into_id.data)
    codes = [units[i].code for i in merge_form.merged_ids.data if i in units]
    try:
        if CONFIRM not in request.form:
            plan = reorg.plan_merge(into.code if into else "", codes, merge_form.on.data, today_local())
            return _page(province, merge_form, mapping_form, plan=plan)
        plan = reorg.merge(into.code if into else "", codes, merge_form.on.data, today_local())
    except reorg.ReorgRefused as refused:
        db.session.rollback()
        merge_form.form_errors.append(refused.message)
        return _page(province, merge_form, mapping_form, status=422)
    db.session.commit()
    flash(_("%(merged)s merged into %(name)s on %(date)s: %(points)s library points and %(users)s users moved.",
            merged=", ".join(u.name for u in plan.merged), name=plan.successor.name, date=fmt_date(plan.on),
            points=len(plan.points), users=len(plan.users)), "success")
    return redirect(url_for("units.reorg_merge", province=province.id))


@bp.post("/units/reorg/mapping")
@requires("units.reorg")
def reorg_mapping():
    """Load the province's mapping file of pre-2025 names (replacing the previous one); all rows or none."""
    province = province_for_page(current_user)
    merge_form, _unused = _forms(province)
    mapping_form = MappingForm(province=province.id)
    if not mapping_form.validate():
        return _page(province, merge_form, mapping_form, status=422)
    raw = mapping_form.file.data.read(MAX_MAPPING_BYTES + 1)
    try:
        if len(raw) > MAX_MAPPING_BYTES:
            raise reorg.ReorgRefused(_("The file is too large (at most 2 MB)."))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise reorg.ReorgRefused(_("The file is not a CSV file in UTF-8.")) from None
        count = reorg.load_mapping(province, text)
    except reorg.ReorgRefused as refused:
        db.session.rollback()
        mapping_form.file.errors = [refused.message]
        return _page(province, merge_form, mapping_form, status=422)
    db.session.commit()
    flash(ngettext("%(num)d name from before 2025 is mapped to today's communes.",
                   "%(num)d names from before 2025 are mapped to today's communes.", count), "success")
    return redirect(url_for("units.reorg_merge", province=province.id))
