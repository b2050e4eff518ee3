"""DHIS2: the province's mapping (upload, template, edit on a page) and the
dataValueSets export of a period (a dry-run preview, then the file: JSON or
CSV). Nothing is pushed to a remote server: the file is the contract."""
import csv
import io
import json

from flask import Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import periods
from app.access import login_required_for, province_for_page, requires
from app.audit import models as audit
from app.dhis2 import bp, queries
from app.dhis2.forms import SCHEMES, MappingEditForm, MappingUploadForm
from app.dhis2.mapping import check_rows, read_mapping, template_headers, template_rows
from app.dhis2.models import UID
from app.editing import CONFLICT
from app.extensions import db
from app.formatting import today_local
from app.htmx import redirect, render, render_form_errors
from app.spreadsheets import SpreadsheetError, file_slug, xlsx_response
from app.units.models import PROVINCE, Unit
from app.visits.models import GROUPS, SERVICES

login_required_for(bp)


def _province(province: Unit) -> Unit:
    if province.kind != PROVINCE:
        abort(404)
    return province


def _page(province: Unit, **context):
    mapping = queries.mapping_of(province.id)
    communes = queries.communes_of(province.id)
    cells = {(c.service, c.reader_group): c for c in mapping.cells} if mapping else {}
    units = {u.unit_id: u.org_unit for u in mapping.units} if mapping else {}
    mapped_points = {p.point_id: p.org_unit for p in mapping.points} if mapping else {}
    points = {}
    for point_id, commune_id, name in queries.points_of(province.id):
        points.setdefault(commune_id, []).append((point_id, name))
    return {"province": province, "mapping": mapping, "communes": communes, "cells": cells, "units": units,
            "points": points, "mapped_points": mapped_points,
            "services": SERVICES, "groups": GROUPS, "schemes": SCHEMES,
            "history": audit.history_of(mapping) if mapping is not None else [], **context}


def _upload_form(mapping) -> MappingUploadForm:
    if request.method == "POST":
        return MappingUploadForm()
    form = MappingUploadForm(formdata=None, obj=mapping)
    if mapping is None:
        form.org_unit_scheme.data = UID
    return form


@bp.get("/dhis2")
@requires("dhis2.view")
def start():
    """The menu's way in: the user's province (an administrator's choice)."""
    return redirect(url_for("dhis2.mapping", id=province_for_page(current_user).id))


@bp.get("/provinces/<int:id>/dhis2")
@requires("dhis2.view", load=Unit)
def mapping(province: Unit):
    """The province's mapping as it is, its template and the upload of a new one."""
    province = _province(province)
    return render("dhis2/mapping.html", **_page(province, form=_upload_form(queries.mapping_of(province.id))))


@bp.get("/provinces/<int:id>/dhis2/mapping.xlsx")
@requires("dhis2.view", load=Unit)
def mapping_template(province: Unit):
    """The mapping to fill: every visit cell and commune with our codes, and the DHIS2 ids held now."""
    province = _province(province)
    rows = template_rows(queries.communes_of(province.id), queries.mapping_of(province.id),
                         queries.points_of(province.id))
    return xlsx_response(f"dhis2-mapping-{file_slug(province.name) or province.id}.xlsx", "DHIS2",
                         template_headers(), rows)


@bp.post("/provinces/<int:id>/dhis2/mapping")
@requires("dhis2.edit", load=Unit)
def mapping_upload(province: Unit):
    """Read a mapping file; save it in place of the old one only when every row is good,
    else list every problem by row and save nothing."""
    province = _province(province)
    form = _upload_form(queries.mapping_of(province.id))
    if not form.validate_on_submit():
        return render_form_errors("dhis2/mapping.html", **_page(province, form=form))
    file = form.file.data
    try:
        checked = read_mapping(file.filename, file.read(), queries.communes_of(province.id),
                               form.org_unit_scheme.data, queries.points_of(province.id))
    except SpreadsheetError as error:
        form.file.errors.append(str(error))
        return render_form_errors("dhis2/mapping.html", **_page(province, form=form))
    if checked.errors:
        return render_form_errors("dhis2/mapping.html", **_page(province, form=form, errors=checked.errors,
                                                                filename=file.filename))
    _save(province, form, checked, file.filename)
    return redirect(url_for("dhis2.mapping", id=province.id))


def _save(province, form, checked, filename, version=None):
    before = _described(queries.mapping_of(province.id))
    mapping = queries.replace_mapping(province, scheme=form.org_unit_scheme.data, data_set=form.data_set.data or "",
                                      attribute_option_combo=form.attribute_option_combo.data or "",
                                      cells=checked.cells, units=checked.units, points=checked.points,
                                      filename=filename, version=version)
    audit.record("update", mapping, before=before, after=_described(mapping), unit_id=province.id)
    db.session.commit()
    flash(_("The DHIS2 mapping was saved: %(cells)s, %(communes)s.",
            cells=ngettext("%(num)d visit cell", "%(num)d visit cells", len(checked.cells)),
            communes=ngettext("%(num)d commune", "%(num)d communes", len(checked.units))), "success")


def _described(mapping) -> dict:
    """A mapping as the audit trail keeps it."""
    if mapping is None:
        return {}
    return {"file": mapping.filename, "org_unit_scheme": mapping.org_unit_scheme, "data_set": mapping.data_set,
            "attribute_option_combo": mapping.attribute_option_combo, "cells": len(mapping.cells),
            "communes": len(mapping.units), "points": len(mapping.points)}


@bp.route("/provinces/<int:id>/dhis2/mapping/edit", methods=["GET", "POST"])
@requires("dhis2.edit", load=Unit)
def mapping_edit(province: Unit):
    """The mapping on one page: a data element and combo per visit cell, an org
    unit per commune. Checked by the same rules as a file (all or nothing), and
    guarded by the mapping's version against a second person's save."""
    province = _province(province)
    current = queries.mapping_of(province.id)
    version = str(current.version) if current is not None else "0"
    if request.method == "GET":
        form = MappingEditForm(formdata=None, obj=current)
        form.version.data = version
        return render("dhis2/mapping_edit.html", **_page(province, form=form, values=_values_of(current)))
    form = MappingEditForm()
    values = {name: (request.form.get(name) or "").strip() for name in request.form
              if name.startswith(("cell-", "unit-", "point-"))}
    if form.version.data != version:
        return _edit_conflict(province)
    valid = form.validate_on_submit()
    communes, points = queries.communes_of(province.id), queries.points_of(province.id)
    checked = check_rows(_rows_of(values, communes, points), communes, form.org_unit_scheme.data, points)
    if not valid or checked.errors:
        return render_form_errors("dhis2/mapping_edit.html", **_page(province, form=form, values=values,
                                                                      problems=_problems_by_field(checked)))
    try:
        _save(province, form, checked, "", version=version)
    except queries.StaleMapping:  # saved by someone else between the check above and the save
        db.session.rollback()
        return _edit_conflict(province)
    return redirect(url_for("dhis2.mapping", id=province.id))


def _edit_conflict(province: Unit):
    """The page again with the mapping as it is now, and the conflict's message (409)."""
    current = queries.mapping_of(province.id)
    fresh = MappingEditForm(formdata=None, obj=current)
    fresh.version.data = str(current.version) if current is not None else "0"
    fresh.form_errors.append(str(CONFLICT))
    return render("dhis2/mapping_edit.html", status=409, **_page(province, form=fresh, values=_values_of(current)))


def _values_of(mapping) -> dict[str, str]:
    """The page's text fields filled from the mapping."""
    values = {}
    for cell in mapping.cells if mapping else ():
        values[f"cell-{cell.service}-{cell.reader_group}-de"] = cell.data_element
        values[f"cell-{cell.service}-{cell.reader_group}-coc"] = cell.category_option_combo
    for point in mapping.points if mapping else ():
        values[f"point-{point.point_id}"] = point.org_unit
    for unit in mapping.units if mapping else ():
        values[f"unit-{unit.unit_id}"] = unit.org_unit
    return values


def _rows_of(values: dict, communes, points) -> list[tuple[str, dict]]:
    """The page's fields as the rows of a file, each numbered by its field's name."""
    rows = []
    for service in SERVICES:
        for group in GROUPS:
            name = f"cell-{service}-{group}"
            rows.append((name, {"service": service, "reader_group": group,
                                "data_element": values.get(f"{name}-de", ""),
                                "category_option_combo": values.get(f"{name}-coc", "")}))
    for unit_id, code, _name in communes:
        rows.append((f"unit-{unit_id}", {"commune_code": code, "org_unit": values.get(f"unit-{unit_id}", "")}))
    for point_id, _commune_id, _name in points:
        rows.append((f"point-{point_id}", {"point": str(point_id), "org_unit": values.get(f"point-{point_id}", "")}))
    return rows


FIELD_SUFFIX = {"data_element": "-de", "category_option_combo": "-coc"}


def _problems_by_field(checked) -> dict[str, str]:
    """{field name: message} of the page's checks."""
    problems = {}
    for row, key, message in checked.by_key:
        name = row + FIELD_SUFFIX.get(key, "") if row.startswith("cell-") else row
        problems.setdefault(name, message)
    return problems


# --- The export ------------------------------------------------------------------------------------------

def _period():
    today = today_local()
    return today, periods.from_args(request.args, today)


@bp.get("/provinces/<int:id>/dhis2/export")
@requires("dhis2.export", load=Unit)
def preview(province: Unit):
    """A dry run: what the file of a period would send (values per data
    element), and what it leaves out — communes not approved yet, communes
    and cells without a mapping — listed, with their visits."""
    province = _province(province)
    today, period = _period()
    export = queries.build_export(province, period, today)
    return render("dhis2/preview.html", province=province, export=export, period=period, today=today,
                  years=periods.selectable_years(today, period.year), services=SERVICES, groups=GROUPS,
                  period_args=periods.as_args(period))


@bp.get("/provinces/<int:id>/dhis2/export.<any(json, csv):fmt>")
@requires("dhis2.export", load=Unit)
def export_file(province: Unit, fmt: str):
    """The dataValueSets file of a period, as DHIS2's import reads it. Refused
    (409) while the period runs or before a mapping exists."""
    province = _province(province)
    today, period = _period()
    export = queries.build_export(province, period, today)
    if not export.ended or export.mapping is None:
        abort(409)
    name = f"dhis2-{file_slug(province.name) or province.id}-{export.dhis2_period}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        body = json.dumps(export.as_json(), ensure_ascii=False, indent=1)
        return Response(body, mimetype="application/json", headers=disposition)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(queries.CSV_HEADER)
    writer.writerows(export.csv_rows())
    return Response(out.getvalue(), mimetype="text/csv", headers=disposition)
