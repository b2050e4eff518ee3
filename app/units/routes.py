from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, login_required_for, requested_commune, requires
from app.audit import models as audit
from app.editing import conflict, edit, shown
from app.extensions import db
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.units import bp
from app.units.forms import ChecklistForm, PointFilterForm, PointForm
from app.units.models import CHECKLIST, LibraryPoint
from app.units.queries import communes_for, point_page, points_for, progress_of

login_required_for(bp)

POINT_FIELDS = ("commune_id", "name", "address", "model", "opened_on", "internet_computer_on",
                "software_installed_on", "staff_trained_on", "serving_readers_on", "notes", "active")


@bp.get("/points")
@requires("points.list")
def point_list():
    filters = PointFilterForm(request.args)
    communes = communes_for(current_user)
    filters.commune_id.choices = [("", _("All communes"))] + [(c.id, c.name) for c in communes]
    filters.validate()
    commune = requested_commune(current_user, filters.commune_id.data)
    points = points_for(current_user, commune_id=commune.id if commune else None,
                        q=filters.q.data, include_inactive=filters.show_inactive.data)
    return render("units/points.html", "units/_partials/_points_table.html",
                  points=points, filters=filters, form=EmptyForm())


def _commune_choices():
    return [("", _("— choose a commune —"))] + [(c.id, c.name) for c in communes_for(current_user)]


def _save_point(form: PointForm, point: LibraryPoint) -> bool:
    """Validate the form; the commune must be one the user may manage."""
    ok = form.validate_on_submit()
    commune = requested_commune(current_user, form.commune_id.data)
    if form.commune_id.data and (commune is None or not can(current_user, "points.create", commune)):
        form.commune_id.errors.append(_("Choose a commune of your province."))
        ok = False
    if not ok:
        return False
    form.populate_obj(point)
    return True


@bp.route("/points/new", methods=["GET", "POST"])
@requires("points.create")
def point_create():
    form = PointForm()
    form.commune_id.choices = _commune_choices()
    if request.method == "GET" and request.args.get("commune_id", "").isdigit():
        form.commune_id.data = int(request.args["commune_id"])
    if request.method == "POST":
        point = LibraryPoint(active=True)
        if _save_point(form, point):
            db.session.add(point)
            audit.record("create", point, after=audit.snapshot(point, POINT_FIELDS), unit_id=point.commune_id)
            db.session.commit()
            flash(_("Library point %(name)s was added.", name=point.name), "success")
            return redirect(url_for("units.point_detail", id=point.id))
        return render_form_errors("units/point_form.html", form=form, point=None)
    return render("units/point_form.html", form=form, point=None)


@bp.get("/points/<int:id>")
@requires("points.view", load=LibraryPoint)
def point_detail(point: LibraryPoint):
    return render("units/point_detail.html", point=point, form=EmptyForm(), **point_page(point))


@bp.route("/points/<int:id>/edit", methods=["GET", "POST"])
@requires("points.edit", load=LibraryPoint)
def point_edit(point: LibraryPoint):
    def point_form(**kwargs):
        form = PointForm(obj=point, **kwargs)
        form.commune_id.choices = _commune_choices()
        return form

    form = point_form()
    if request.method == "POST":
        if form.is_stale(point):
            return conflict(lambda: point_form(formdata=None), point, "units/point_form.html", point=point)
        before = audit.snapshot(point, POINT_FIELDS)
        if _save_point(form, point):
            audit.record("update", point, before=before, after=audit.snapshot(point, POINT_FIELDS),
                         unit_id=point.commune_id)
            db.session.commit()
            flash(_("Library point %(name)s was saved.", name=point.name), "success")
            return redirect(url_for("units.point_detail", id=point.id))
        db.session.rollback()
        return render_form_errors("units/point_form.html", form=form, point=point)
    return render("units/point_form.html", form=shown(form, point), point=point)


def _set_point_active(point: LibraryPoint, active: bool):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if point.active != active:
        point.active = active
        audit.record("activate" if active else "deactivate", point,
                     before={"active": not active}, after={"active": active}, unit_id=point.commune_id)
        db.session.commit()
    flash(_("Library point %(name)s was reopened.", name=point.name) if active
          else _("Library point %(name)s was deactivated. Its records are kept.", name=point.name), "success")
    return redirect(url_for("units.point_detail", id=point.id))


@bp.post("/points/<int:id>/deactivate")
@requires("points.edit", load=LibraryPoint)
def point_deactivate(point: LibraryPoint):
    return _set_point_active(point, False)


@bp.post("/points/<int:id>/reactivate")
@requires("points.edit", load=LibraryPoint)
def point_reactivate(point: LibraryPoint):
    return _set_point_active(point, True)


# --- Digital-library progress --------------------------------------------------------------

@bp.route("/points/<int:id>/checklist", methods=["GET", "POST"])
@requires("points.checklist", load=LibraryPoint)
def point_checklist(point: LibraryPoint):
    """The commune's librarian or province staff mark the digital-library steps with their dates."""
    return edit(point, lambda **kw: ChecklistForm(obj=point, **kw), "units/checklist.html", fields=CHECKLIST,
                unit_id=point.commune_id, location=url_for("units.point_detail", id=point.id), point=point,
                message=lambda: _("The digital-library steps of %(name)s were saved.", name=point.name))


@bp.get("/progress")
@requires("points.progress")
def progress():
    """How many points of the province reached each step, and the communes with none."""
    steps, communes = progress_of(current_user)
    return render("units/progress.html", steps=steps, communes=communes)
