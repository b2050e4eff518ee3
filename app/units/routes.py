from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import params
from app.access import can, login_required_for, requested_commune, requires, visible_units
from app.audit import models as audit
from app.editing import conflict, edit, shown
from app.extensions import db
from app.formatting import today_local
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.reports.locks import refuse_if_locked
from app.standards.queries import gaps_of_points
from app.training.queries import first_sessions_attended
from app.units import bp
from app.units.forms import CONFIRM_TRAINED, ChecklistForm, PointFilterForm, PointForm
from app.units.models import CHECKLIST, LibraryPoint
from app.units.queries import commune_choices, communes_for, point_page, points_for, progress_of

login_required_for(bp)

POINT_FIELDS = ("commune_id", "name", "address", "model", "opened_on", "internet_computer_on",
                "software_installed_on", "staff_trained_on", "serving_readers_on", "notes", "active")


@bp.get("/points")
@requires("points.list")
def point_list():
    filters = PointFilterForm(request.args)
    communes = communes_for(current_user)
    filters.commune_id.choices = commune_choices(communes, _("All communes"))
    filters.read()
    commune = requested_commune(current_user, filters.commune_id.data)
    points = points_for(current_user, commune_id=commune.id if commune else None,
                        q=filters.q.data, include_inactive=filters.show_inactive.data)
    proposals = trained_proposals(sorted({p.commune_id for p in points if p.staff_trained_on is None}))
    proposed = {p.id for p in points if p.staff_trained_on is None and p.commune_id in proposals}
    return render("units/points.html", "units/_partials/_points_table.html",
                  points=points, proposed=proposed, filters=filters, form=EmptyForm())


def _commune_choices():
    return commune_choices(communes_for(current_user), _("— choose a commune —"))


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
    if request.method == "GET" and params.row_id(request.args.get("commune_id")):
        form.commune_id.data = params.row_id(request.args["commune_id"])
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
    return render("units/point_detail.html", point=point, form=EmptyForm(),
                  gaps=gaps_of_points([point], today_local()), **point_page(point))


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

# The training topics after which a point's staff count as trained for the checklist: only
# digital-library work. Computer and internet skills, library practice in general and
# "other" do not teach the library software the checklist is about.
TRAINED_TOPICS = ("digital_library",)

NO_PROPOSAL = _l("There is no training date to confirm any more. The form shows the current values.")


def trained_proposals(commune_ids) -> dict[int, tuple]:
    """{commune id: (day, session id, title)}: the earliest digital-library
    session, ended by today, at which someone of the commune was present. Its
    end date is proposed as `staff_trained_on` for the commune's points that
    have none. One query (none when `commune_ids` is an empty list)."""
    if isinstance(commune_ids, (set, list, tuple)) and not commune_ids:
        return {}
    return first_sessions_attended(commune_ids, TRAINED_TOPICS, today_local())


def _refuse_locked_steps(point: LibraryPoint, form: ChecklistForm) -> None:
    """A step whose date moves into or out of an approved month of the point's
    commune is refused (423), as every dated record is."""
    days = []
    for key in CHECKLIST:
        field = form[key]
        if field.raw_data and not field.raw_data[0].strip():
            new = None  # emptied: Optional() clears the parse error
        elif field.process_errors:
            continue  # not a date: refused by validation, not here
        else:
            new = field.data
        old = getattr(point, key)
        if new != old:
            days += [day for day in (old, new) if day is not None]
    if days:
        refuse_if_locked(point, *days)


@bp.route("/points/<int:id>/checklist", methods=["GET", "POST"])
@requires("points.checklist", load=LibraryPoint)
def point_checklist(point: LibraryPoint):
    """The commune's librarian or province staff mark the digital-library steps with their dates.

    When someone of the commune was present at a digital-library training and
    the point has no training date, the page proposes the training's end date;
    its one-tap form posts here with CONFIRM_TRAINED, its token and the version
    only, so the other steps keep their dates and the save is the same: version
    check, period lock, audit event."""
    proposal = None if point.staff_trained_on else trained_proposals([point.commune_id]).get(point.commune_id)
    confirming = request.method == "POST" and CONFIRM_TRAINED in request.form

    def checklist_form(**kwargs):
        form = ChecklistForm(obj=point, **kwargs)
        if confirming and proposal and kwargs.get("formdata", request.form) is not None:
            form.staff_trained_on.data = proposal[0]
        return form

    page = {"point": point, "proposal": proposal}
    if request.method == "POST":
        form = checklist_form()
        if not form.is_stale(point):
            if confirming and proposal is None:
                return conflict(lambda: checklist_form(formdata=None), point, "units/checklist.html",
                                message=NO_PROPOSAL, **page)
            _refuse_locked_steps(point, form)
    return edit(point, checklist_form, "units/checklist.html", fields=CHECKLIST,
                unit_id=point.commune_id, location=url_for("units.point_detail", id=point.id),
                message=lambda: _("The digital-library steps of %(name)s were saved.", name=point.name), **page)


@bp.get("/progress")
@requires("points.progress")
def progress():
    """How many points of the province reached each step, and the communes with none."""
    steps, communes = progress_of(current_user)
    # A commune's active points without a training date, when the commune has a proposal.
    proposals = trained_proposals(visible_units(current_user))
    trained = list(CHECKLIST).index("staff_trained_on")
    for c in communes:
        c["proposed"] = c["points"] - c["steps"][trained] if c["id"] in proposals else 0
    return render("units/progress.html", steps=steps, communes=communes,
                  proposed=sum(c["proposed"] for c in communes))

from app.units import reorg_routes  # noqa: E402,F401  (the reorganisation page, on this blueprint)
