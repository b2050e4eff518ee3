
from flask import abort, flash, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import params, periods
from app.access import (
    can,
    login_required_for,
    pickable_provinces,
    province_arg,
    province_for_page,
    requested_commune,
    requires,
)
from app.audit import models as audit
from app.deleting import confirm_delete
from app.editing import conflict, shown
from app.extensions import db
from app.formatting import add_label_filters, today_local
from app.forms_base import EmptyForm, own_ids
from app.htmx import is_fragment_request, redirect, render, render_form_errors, saved
from app.imports import pipeline as imports
from app.periods import YEAR
from app.reports.locks import refuse_if_locked
from app.spreadsheets import xlsx_response
from app.training import bp
from app.training.forms import (
    AttendeeForm,
    CoverageFilterForm,
    PasteForm,
    PresenceForm,
    SessionFilterForm,
    SessionForm,
)
from app.training.io import AttendanceImporter, export_headers, export_rows, pasted_records
from app.training.models import GENDERS, TOPICS, Attendance, TrainingSession
from app.training.queries import (
    attendee_counts,
    attendees_of,
    commune_names,
    duplicate_keys,
    filtered_sessions,
    page_of,
    session_counts,
)
from app.training.queries import (
    coverage as training_coverage,
)
from app.units.models import Unit
from app.units.queries import commune_choices, communes_for
from app.users.queries import possible_trainers, users_by_id

login_required_for(bp)
add_label_filters(bp, topic=TOPICS, gender=GENDERS)

SESSION_FIELDS = ("title", "topic", "organiser", "start_date", "end_date", "commune_id", "venue", "trainer_names",
                  "audience", "notes")
ATTENDEE_FIELDS = ("session_id", "full_name", "gender", "birth_year", "position", "commune_id", "phone", "present")
CHANGED = "attendance-changed"  # the htmx event that refreshes a session's counts


# --- The list --------------------------------------------------------------------------

FILTERS = ("commune_id", "topic", "start", "end", "organiser")


@bp.get("/training")
@requires("training.list")
def session_list():
    filters = SessionFilterForm(request.args)
    communes = communes_for(current_user)
    filters.commune_id.choices = commune_choices(communes, _("All communes"))
    filters.read()
    commune = requested_commune(current_user, filters.commune_id.data)
    values = {"commune_id": commune.id if commune else None, "topic": filters.topic.data or None,
              "start": filters.start.data, "end": filters.end.data,
              "organiser": (filters.organiser.data or "").strip() or None}
    query = filtered_sessions(current_user, **values)
    sessions, page, pages, count = page_of(query, params.page())
    args = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items() if v}
    return render("training/sessions.html", "training/_partials/_sessions.html",
                  sessions=sessions, counts=attendee_counts([s.id for s in sessions]), page=page, pages=pages,
                  count=count, filters=filters, args=args)


# --- Sessions ----------------------------------------------------------------------------

def _session_choices(form: SessionForm, training=None):
    """The communes and the trainers of the session's province (the user's own for a new session)."""
    province_id = training.commune.parent_id if training is not None else current_user.province_id
    form.commune_id.choices = [("", _("— choose a commune —"))] + commune_names(province_id)
    form.trainer_ids.choices = [(u.id, u.full_name) for u in possible_trainers(province_id)]


def _check_session(form: SessionForm, training=None) -> bool:
    """Validate the form; the commune must be one of the province's (and one
    the user may create in), the trainers users of the province."""
    ok = form.validate_on_submit()
    if form.commune_id.data:
        commune = requested_commune(current_user, form.commune_id.data)
        allowed = commune is not None and (
            commune.parent_id == training.commune.parent_id if training is not None
            else can(current_user, "training.create", commune))
        if not allowed:
            form.commune_id.errors.append(_("Choose a commune of your province."))
            ok = False
    valid_trainers = {value for value, _label in form.trainer_ids.choices}
    if any(t not in valid_trainers for t in form.trainer_ids.data or []):
        form.trainer_ids.errors.append(_("Choose trainers from the list."))
        ok = False
    return ok


def _session_snapshot(training) -> dict:
    return {**audit.snapshot(training, SESSION_FIELDS), "trainer_ids": sorted(t.id for t in training.trainers)}


def _session_form(training=None, **kwargs) -> SessionForm:
    form = SessionForm(obj=training, **kwargs)
    _session_choices(form, training)
    return form


@bp.route("/training/new", methods=["GET", "POST"])
@requires("training.create")
def session_create():
    form = _session_form()
    if request.method == "GET":
        # The user runs the session they create when they are one of the province's trainers.
        form.trainer_ids.data = [v for v, _label in form.trainer_ids.choices if v == current_user.id]
        form.start_date.data = today_local()
        return render("training/session_form.html", form=form, training=None)
    if not _check_session(form):
        return render_form_errors("training/session_form.html", form=form, training=None)
    refuse_if_locked(db.session.get(Unit, form.commune_id.data), form.start_date.data)
    training = TrainingSession(created_by_id=current_user.id)
    form.populate_obj(training)
    training.trainers = users_by_id(form.trainer_ids.data)
    db.session.add(training)
    audit.record("create", training, after=_session_snapshot(training), unit_id=training.commune_id)
    db.session.commit()
    flash(_("Training session %(title)s was added. Now add its attendees.", title=training.title), "success")
    return redirect(url_for("training.session_detail", id=training.id))


def _attendee_form(training, attendee=None, formdata=None, **data) -> AttendeeForm:
    """The form of one person, with ids of its own (the session page has the add
    row and inline edit rows open at once)."""
    form = AttendeeForm(formdata=formdata, obj=attendee, **data)
    form.commune_id.choices = commune_names(training.commune.parent_id)
    return own_ids(form, attendee.id if attendee else "new")


def _new_attendee_form(training, formdata=None):
    return _attendee_form(training, formdata=formdata, commune_id=training.commune_id)


def _detail_context(training, form=None, **extra):
    return {"training": training, "attendees": attendees_of(training.id), "counts": session_counts(training.id),
            "form": form or _new_attendee_form(training), "action_form": EmptyForm(),
            "history": audit.history_of(training), **extra}


@bp.get("/training/<int:id>")
@requires("training.view", load=TrainingSession)
def session_detail(training: TrainingSession):
    return render("training/session_detail.html", **_detail_context(training))


@bp.get("/training/<int:id>/counts")
@requires("training.view", load=TrainingSession)
def session_counts_view(training: TrainingSession):
    return render("training/_partials/_counts.html", training=training, counts=session_counts(training.id))


@bp.route("/training/<int:id>/edit", methods=["GET", "POST"])
@requires("training.edit", load=TrainingSession)
def session_edit(training: TrainingSession):
    form = _session_form(training)

    def current_form():
        fresh = _session_form(training, formdata=None)
        fresh.trainer_ids.data = [t.id for t in training.trainers]
        return fresh

    if request.method == "GET":
        return render("training/session_form.html", form=shown(current_form(), training), training=training)
    if form.is_stale(training):
        return conflict(current_form, training, "training/session_form.html", training=training)
    if not _check_session(form, training):
        return render_form_errors("training/session_form.html", form=form, training=training)
    # Neither the month it was in nor the month it moves to may be locked.
    refuse_if_locked(training, training.start_date)
    refuse_if_locked(db.session.get(Unit, form.commune_id.data), form.start_date.data)
    before = _session_snapshot(training)
    form.populate_obj(training)
    training.trainers = users_by_id(form.trainer_ids.data)
    audit.record("update", training, before=before, after=_session_snapshot(training), unit_id=training.commune_id)
    db.session.commit()
    flash(_("Training session %(title)s was saved.", title=training.title), "success")
    return redirect(url_for("training.session_detail", id=training.id))


def _session_covered(training: TrainingSession, communes) -> list:
    """The periods a session's records are part of: its days, in its own commune (sessions held) and in the
    communes of the people on its list (people trained)."""
    days = [training.start_date, training.end_date]
    return [(training, days), *((commune, days) for commune in {c.id: c for c in communes}.values())]


@bp.route("/training/<int:id>/delete", methods=["GET", "POST"])
@requires("training.delete", load=TrainingSession)
def session_delete(training: TrainingSession):
    """A session entered by mistake, with its list of attendees (and any import not yet confirmed)."""

    def delete():
        before = {**_session_snapshot(training),
                  "attendees": [audit.snapshot(attendee, ATTENDEE_FIELDS) for attendee in training.attendees]}
        audit.record("delete", training, before=before, unit_id=training.commune_id)
        db.session.delete(training)  # attendees and trainers with it; import batches by ON DELETE CASCADE
        return _("Training session %(title)s was deleted.", title=training.title)

    return confirm_delete(training, "training/session_delete.html", refusal=lambda: None,
                          covered=lambda: _session_covered(training, [a.commune for a in training.attendees]),
                          delete=delete, location=url_for("training.session_list"), training=training)


# --- Attendees --------------------------------------------------------------------------------

def _check_attendee(form: AttendeeForm) -> bool:
    ok = form.validate_on_submit()
    if form.commune_id.data and form.commune_id.data not in {value for value, _label in form.commune_id.choices}:
        form.commune_id.errors.append(_("Choose a commune of the session's province."))
        ok = False
    return ok


def _duplicate_warning(training, attendee) -> str | None:
    if duplicate_keys(training.id, [attendee.name_key], exclude_id=attendee.id):
        return _("%(name)s was already on the list: check that this is not the same person entered twice.",
                 name=attendee.full_name)
    return None


@bp.post("/training/<int:id>/attendees")
@requires("training.edit", load=TrainingSession)
def attendee_create(training: TrainingSession):
    form = _new_attendee_form(training, formdata=request.form)
    if not _check_attendee(form):
        if is_fragment_request():
            return render_form_errors("training/_partials/_attendee_add_error.html", training=training, form=form)
        return render_form_errors("training/session_detail.html", **_detail_context(training, form))
    refuse_if_locked(training, training.start_date)
    attendee = Attendance(training=training, present=True)
    form.populate_obj(attendee)
    db.session.add(attendee)
    db.session.flush()
    warning = _duplicate_warning(training, attendee)
    audit.record("create", attendee, after=audit.snapshot(attendee, ATTENDEE_FIELDS), unit_id=training.commune_id)
    db.session.commit()
    if is_fragment_request():
        # The new row, and a fresh empty form (out of band) for the next person.
        fresh = _new_attendee_form(training)
        fresh.full_name.render_kw = {**(fresh.full_name.render_kw or {}), "autofocus": True}
        return render("training/_partials/_attendee_created.html", training=training, attendee=attendee,
                      form=fresh, warning=warning, action_form=EmptyForm(), trigger=CHANGED)
    if warning:
        flash(warning, "warning")
    flash(_("%(name)s was added.", name=attendee.full_name), "success")
    return redirect(url_for("training.session_detail", id=training.id) + "#attendee-new")


@bp.get("/attendees/<int:id>/row")
@requires("training.view", load=Attendance)
def attendee_row(attendee: Attendance):
    return render("training/_partials/_attendee_row.html", attendee=attendee, training=attendee.training,
                  action_form=EmptyForm())


ATTENDEE_PAGES = ("training/attendee_form.html", "training/_partials/_attendee_form_row.html")


@bp.route("/attendees/<int:id>/edit", methods=["GET", "POST"])
@requires("training.edit", load=Attendance)
def attendee_edit(attendee: Attendance):
    training = attendee.training
    page = {"training": training, "attendee": attendee}
    if request.method == "GET":
        return render(*ATTENDEE_PAGES, form=shown(_attendee_form(training, attendee), attendee), **page)
    form = _attendee_form(training, attendee, formdata=request.form)
    if form.is_stale(attendee):
        return conflict(lambda: _attendee_form(training, attendee), attendee, *ATTENDEE_PAGES, **page)
    if not _check_attendee(form):
        return render_form_errors(*ATTENDEE_PAGES, form=form, **page)
    refuse_if_locked(training, training.start_date)
    before = audit.snapshot(attendee, ATTENDEE_FIELDS)
    form.populate_obj(attendee)
    audit.record("update", attendee, before=before, after=audit.snapshot(attendee, ATTENDEE_FIELDS),
                 unit_id=training.commune_id)
    db.session.commit()
    return saved(url_for("training.session_detail", id=training.id) + f"#attendee-{attendee.id}",
                 _("%(name)s was saved.", name=attendee.full_name), "training/_partials/_attendee_row.html",
                 attendee=attendee, training=training, action_form=EmptyForm(), trigger=CHANGED)


@bp.post("/attendees/<int:id>/presence")
@requires("training.edit", load=Attendance)
def attendee_presence(attendee: Attendance):
    """One tap: present or absent. The form says which, so a double tap does not undo it."""
    form = PresenceForm()
    if not form.validate_on_submit():
        abort(400)
    present = form.present.data == "1"
    training = attendee.training
    refuse_if_locked(training, training.start_date)
    if attendee.present != present:
        attendee.present = present
        audit.record("update", attendee, before={"present": not present}, after={"present": present},
                     unit_id=training.commune_id)
        db.session.commit()
    return saved(url_for("training.session_detail", id=training.id) + f"#attendee-{attendee.id}", None,
                 "training/_partials/_attendee_row.html", attendee=attendee, training=training,
                 action_form=EmptyForm(), trigger=CHANGED)


@bp.route("/attendees/<int:id>/delete", methods=["GET", "POST"])
@requires("training.delete_attendee", load=Attendance)
def attendee_delete(attendee: Attendance):
    """A person entered by mistake: a confirmation page without JavaScript; with it, the row's button posts
    here after htmx's confirm. Refused while the month is approved for the session's commune or the person's."""
    training = attendee.training

    def delete():
        audit.record("delete", attendee, before=audit.snapshot(attendee, ATTENDEE_FIELDS),
                     unit_id=training.commune_id)
        db.session.delete(attendee)
        return _("%(name)s was removed from the list.", name=attendee.full_name)

    return confirm_delete(attendee, "training/attendee_delete.html", refusal=lambda: None,
                          covered=lambda: _session_covered(training, [attendee.commune]), delete=delete,
                          location=url_for("training.session_detail", id=training.id) + "#attendees",
                          partial="training/_partials/_nothing.html", done={"trigger": CHANGED},
                          attendee=attendee, training=training)


# --- Many at once: pasted lines or a file, previewed, then confirmed -------------------------------------

IMPORTER = AttendanceImporter()


@bp.route("/training/<int:id>/paste", methods=["GET", "POST"])
@requires("training.edit", load=TrainingSession)
def attendee_paste(training: TrainingSession):
    form = PasteForm()
    if request.method == "GET":
        return render("training/paste.html", training=training, form=form)
    if not form.validate_on_submit():
        return render_form_errors("training/paste.html", training=training, form=form)
    records = pasted_records(form.lines.data, IMPORTER)
    if not records:
        form.lines.errors.append(_("Paste at least one line."))
        return render_form_errors("training/paste.html", training=training, form=form)
    return imports.preview(IMPORTER, training, records, source="paste", retry=form)


imports.add_routes(bp, IMPORTER, TrainingSession,
                   template=("/training/attendance-template.xlsx", "training.template"),
                   upload=("/training/<int:id>/import", "training.edit"),
                   confirm=("/training/batches/<int:id>", "training.import"))


# --- Sign-in sheet and export --------------------------------------------------------------

@bp.get("/training/<int:id>/sign-in-sheet")
@requires("training.view", load=TrainingSession)
def sign_in_sheet(training: TrainingSession):
    """The printed sheet people sign at the session: always in Vietnamese."""
    with force_locale("vi"):
        return render("training/sign_in_sheet.html", training=training, attendees=training.attendees,
                      blank_rows=max(5, 15 - len(training.attendees)))


@bp.get("/training/<int:id>/attendance.xlsx")
@requires("training.view", load=TrainingSession)
def attendance_export(training: TrainingSession):
    return xlsx_response(f"diem-danh-{training.id}-{training.start_date:%Y%m%d}.xlsx", _("Attendance"),
                         export_headers(), export_rows(training), widths={2: 28, 5: 24, 6: 22})


# --- Coverage -----------------------------------------------------------------------------

@bp.get("/training/coverage")
@requires("training.coverage")
def coverage():
    filters = CoverageFilterForm(request.args)
    filters.province_id.choices = [(p.id, p.name) for p in pickable_provinces(current_user)]  # an administrator's
    filters.read()
    province = province_for_page(current_user, filters.province_id.data)
    if not can(current_user, "training.coverage", province):
        abort(403)
    filters.province_id.data = province.id
    topic = filters.topic.data or None
    period = periods.from_args(request.args, today_local(), kinds=(YEAR,), optional=True)  # None: all years
    year = period.year if period else None
    args = {k: v for k, v in {"topic": topic, "year": year,
                              "province_id": province_arg(current_user, province)}.items() if v}
    return render("training/coverage.html", province=province, filters=filters, topic=topic, year=year,
                  args=args, genders=GENDERS, **training_coverage(province.id, topic, year))
