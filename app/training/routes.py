import json
from datetime import timedelta

from flask import abort, flash, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app import periods
from app.access import (
    can, login_required_for, pickable_provinces, province_arg, province_in_scope, requested_commune, requires,
)
from app.audit import models as audit
from app.extensions import db
from app.formatting import today_local
from app.forms_base import EmptyForm
from app.htmx import is_fragment_request, redirect, render, render_form_errors
from app.imports import pipeline as imports
from app.imports.models import ImportBatch
from app.models_base import utcnow
from app.periods import YEAR
from app.reports.locks import refuse_if_locked
from app.spreadsheets import SpreadsheetError, read_table, xlsx_response
from app.training import bp
from app.training.forms import (
    AttendeeForm, CoverageFilterForm, PasteForm, PresenceForm, SessionFilterForm, SessionForm,
)
from app.training.io import AttendanceImporter, export_headers, export_rows, gender_label, pasted_records
from app.training.models import GENDERS, TOPICS, Attendance, TrainingSession
from app.training.queries import (
    attendee_counts, coverage as training_coverage, duplicate_keys, filtered_sessions, page_of, session_counts,
)
from app.units.models import COMMUNE, Unit
from app.units.queries import communes_for
from app.users.models import PROVINCE_STAFF, TRAINER, User

login_required_for(bp)

SESSION_FIELDS = ("title", "topic", "organiser", "start_date", "end_date", "commune_id", "venue", "trainer_names",
                  "audience", "notes")
ATTENDEE_FIELDS = ("session_id", "full_name", "gender", "birth_year", "position", "commune_id", "phone", "present")
CHANGED = "attendance-changed"  # the htmx event that refreshes a session's counts


@bp.app_template_filter("topic")
def topic_label(key):
    return str(TOPICS.get(key, key))


@bp.app_template_filter("gender")
def gender_filter(key):
    return gender_label(key)


# --- The list --------------------------------------------------------------------------

FILTERS = ("commune_id", "topic", "start", "end", "organiser")


@bp.get("/training")
@requires("training.list")
def session_list():
    filters = SessionFilterForm(request.args)
    communes = communes_for(current_user)
    filters.commune_id.choices = [("", _("All communes"))] + [(c.id, c.name) for c in communes]
    filters.validate()
    commune = requested_commune(current_user, filters.commune_id.data)
    values = {"commune_id": commune.id if commune else None, "topic": filters.topic.data or None,
              "start": filters.start.data, "end": filters.end.data, "organiser": (filters.organiser.data or "").strip() or None}
    query = filtered_sessions(current_user, **values)
    sessions, page, pages, count = page_of(query, request.args.get("page", 1, type=int))
    args = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items() if v}
    return render("training/sessions.html", "training/_partials/_sessions.html",
                  sessions=sessions, counts=attendee_counts([s.id for s in sessions]), page=page, pages=pages,
                  count=count, filters=filters, args=args)


# --- Sessions ----------------------------------------------------------------------------

def _province_id_for_form(session=None):
    if session is not None:
        return session.commune.parent_id
    return current_user.province_id


def _session_choices(form: SessionForm, session=None):
    province_id = _province_id_for_form(session)
    communes = select(Unit).where(Unit.kind == COMMUNE).order_by(Unit.name)
    people = select(User).where(User.active.is_(True), User.role.in_((TRAINER, PROVINCE_STAFF))).order_by(User.full_name)
    if province_id is not None:
        communes = communes.where(Unit.parent_id == province_id)
        people = people.where(User.unit_id == province_id)
    form.commune_id.choices = [("", _("— choose a commune —"))] + [(c.id, c.name) for c in db.session.scalars(communes)]
    form.trainer_ids.choices = [(u.id, u.full_name) for u in db.session.scalars(people)]


def _check_session(form: SessionForm, session=None) -> bool:
    """Validate the form; the commune must be one of the province's (and one
    the user may create in), the trainers users of the province."""
    ok = form.validate_on_submit()
    if form.commune_id.data:
        commune = requested_commune(current_user, form.commune_id.data)
        allowed = commune is not None and (
            commune.parent_id == session.commune.parent_id if session is not None
            else can(current_user, "training.create", commune))
        if not allowed:
            form.commune_id.errors.append(_("Choose a commune of your province."))
            ok = False
    valid_trainers = {value for value, _label in form.trainer_ids.choices}
    if any(t not in valid_trainers for t in form.trainer_ids.data or []):
        form.trainer_ids.errors.append(_("Choose trainers from the list."))
        ok = False
    return ok


def _session_snapshot(session) -> dict:
    return {**audit.snapshot(session, SESSION_FIELDS), "trainer_ids": sorted(t.id for t in session.trainers)}


@bp.route("/training/new", methods=["GET", "POST"])
@requires("training.create")
def session_create():
    form = SessionForm()
    _session_choices(form)
    if request.method == "GET":
        form.trainer_ids.data = [current_user.id] if current_user.role == TRAINER else []
        form.start_date.data = today_local()
        return render("training/session_form.html", form=form, training=None)
    if not _check_session(form):
        return render_form_errors("training/session_form.html", form=form, training=None)
    refuse_if_locked(db.session.get(Unit, form.commune_id.data), form.start_date.data)
    session = TrainingSession(created_by_id=current_user.id)
    form.populate_obj(session)
    session.trainers = db.session.scalars(select(User).where(User.id.in_(form.trainer_ids.data or []))).all()
    db.session.add(session)
    audit.record("create", session, after=_session_snapshot(session), unit_id=session.commune_id)
    db.session.commit()
    flash(_("Training session %(title)s was added. Now add its attendees.", title=session.title), "success")
    return redirect(url_for("training.session_detail", id=session.id))


def _attendee_form(session, formdata=None, **data) -> AttendeeForm:
    form = AttendeeForm(formdata=formdata, **data)
    communes = db.session.execute(select(Unit.id, Unit.name).where(
        Unit.parent_id == session.commune.parent_id, Unit.kind == COMMUNE).order_by(Unit.name)).all()
    form.commune_id.choices = [(cid, name) for cid, name in communes]
    return form


def _own_ids(form, attendee=None):
    """Field ids unique on the session page, where the add form and inline edit rows are open at once."""
    for field in form:
        field.id = f"{field.name}-{attendee.id if attendee else 'new'}"
        field.label.field_id = field.id  # the label was made with the old id: keep <label for> on its field
    return form


def _new_attendee_form(session, formdata=None):
    form = _attendee_form(session, formdata=formdata, commune_id=session.commune_id)
    return _own_ids(form)


def _detail_context(session, form=None, **extra):
    attendees = db.session.scalars(select(Attendance).where(Attendance.session_id == session.id)
                                   .options(joinedload(Attendance.commune)).order_by(Attendance.id)).all()
    return {"training": session, "attendees": attendees, "counts": session_counts(session.id),
            "form": form or _new_attendee_form(session), "action_form": EmptyForm(),
            "history": audit.history_of(session), **extra}


@bp.get("/training/<int:id>")
@requires("training.view", load=TrainingSession)
def session_detail(obj: TrainingSession):
    return render("training/session_detail.html", **_detail_context(obj))


@bp.get("/training/<int:id>/counts")
@requires("training.view", load=TrainingSession)
def session_counts_view(obj: TrainingSession):
    return render("training/_partials/_counts.html", training=obj, counts=session_counts(obj.id))


@bp.route("/training/<int:id>/edit", methods=["GET", "POST"])
@requires("training.edit", load=TrainingSession)
def session_edit(obj: TrainingSession):
    form = SessionForm(obj=obj)
    _session_choices(form, obj)
    if request.method == "GET":
        form.version.data = str(obj.version)
        form.trainer_ids.data = [t.id for t in obj.trainers]
        return render("training/session_form.html", form=form, training=obj)
    if form.is_stale(obj):
        form = SessionForm(formdata=None, obj=obj)
        _session_choices(form, obj)
        form.version.data = str(obj.version)
        form.trainer_ids.data = [t.id for t in obj.trainers]
        form.form_errors.append(_("Someone else changed this session while you were editing. The form now shows the "
                                  "current values; make your change again."))
        return render("training/session_form.html", form=form, training=obj, status=409)
    if not _check_session(form, obj):
        return render_form_errors("training/session_form.html", form=form, training=obj)
    # Neither the month it was in nor the month it moves to may be locked.
    refuse_if_locked(obj, obj.start_date)
    refuse_if_locked(db.session.get(Unit, form.commune_id.data), form.start_date.data)
    before = _session_snapshot(obj)
    form.populate_obj(obj)
    obj.trainers = db.session.scalars(select(User).where(User.id.in_(form.trainer_ids.data or []))).all()
    audit.record("update", obj, before=before, after=_session_snapshot(obj), unit_id=obj.commune_id)
    db.session.commit()
    flash(_("Training session %(title)s was saved.", title=obj.title), "success")
    return redirect(url_for("training.session_detail", id=obj.id))


# --- Attendees --------------------------------------------------------------------------------

def _check_attendee(form: AttendeeForm, session) -> bool:
    ok = form.validate_on_submit()
    if form.commune_id.data and form.commune_id.data not in {value for value, _label in form.commune_id.choices}:
        form.commune_id.errors.append(_("Choose a commune of the session's province."))
        ok = False
    return ok


def _duplicate_warning(session, attendee) -> str | None:
    if duplicate_keys(session.id, [attendee.name_key], exclude_id=attendee.id):
        return _("%(name)s was already on the list: check that this is not the same person entered twice.",
                 name=attendee.full_name)
    return None


@bp.post("/training/<int:id>/attendees")
@requires("training.edit", load=TrainingSession)
def attendee_create(obj: TrainingSession):
    form = _new_attendee_form(obj, formdata=request.form)
    if not _check_attendee(form, obj):
        if is_fragment_request():
            return render_form_errors("training/_partials/_attendee_add_error.html", training=obj, form=form)
        return render_form_errors("training/session_detail.html", **_detail_context(obj, form))
    refuse_if_locked(obj, obj.start_date)
    attendee = Attendance(session=obj, present=True)
    form.populate_obj(attendee)
    db.session.add(attendee)
    db.session.flush()
    warning = _duplicate_warning(obj, attendee)
    audit.record("create", attendee, after=audit.snapshot(attendee, ATTENDEE_FIELDS), unit_id=obj.commune_id)
    db.session.commit()
    if is_fragment_request():
        # The new row, and a fresh empty form (out of band) for the next person.
        fresh = _new_attendee_form(obj)
        fresh.full_name.render_kw = {**(fresh.full_name.render_kw or {}), "autofocus": True}
        return render("training/_partials/_attendee_created.html", training=obj, attendee=attendee,
                      form=fresh, warning=warning, action_form=EmptyForm(), trigger=CHANGED)
    if warning:
        flash(warning, "warning")
    flash(_("%(name)s was added.", name=attendee.full_name), "success")
    return redirect(url_for("training.session_detail", id=obj.id) + "#attendee-new")


@bp.get("/attendees/<int:id>/row")
@requires("training.view", load=Attendance)
def attendee_row(obj: Attendance):
    return render("training/_partials/_attendee_row.html", attendee=obj, training=obj.session, action_form=EmptyForm())


@bp.route("/attendees/<int:id>/edit", methods=["GET", "POST"])
@requires("training.edit", load=Attendance)
def attendee_edit(obj: Attendance):
    session = obj.session
    templates = ("training/attendee_form.html", "training/_partials/_attendee_form_row.html")
    if request.method == "GET":
        form = _own_ids(_attendee_form(session, obj=obj), obj)
        form.version.data = str(obj.version)
        return render(*templates, training=session, attendee=obj, form=form)
    form = _own_ids(_attendee_form(session, formdata=request.form, obj=obj), obj)
    if form.is_stale(obj):
        form = _own_ids(_attendee_form(session, obj=obj), obj)
        form.version.data = str(obj.version)
        form.form_errors.append(_("Someone else changed this person while you were editing. The form now shows the "
                                  "current values; make your change again."))
        return render(*templates, training=session, attendee=obj, form=form, status=409)
    if not _check_attendee(form, session):
        return render_form_errors(*templates, training=session, attendee=obj, form=form)
    refuse_if_locked(session, session.start_date)
    before = audit.snapshot(obj, ATTENDEE_FIELDS)
    form.populate_obj(obj)
    audit.record("update", obj, before=before, after=audit.snapshot(obj, ATTENDEE_FIELDS), unit_id=session.commune_id)
    db.session.commit()
    if is_fragment_request():
        return render("training/_partials/_attendee_row.html", attendee=obj, training=session, action_form=EmptyForm(),
                      trigger=CHANGED)
    flash(_("%(name)s was saved.", name=obj.full_name), "success")
    return redirect(url_for("training.session_detail", id=session.id) + f"#attendee-{obj.id}")


@bp.post("/attendees/<int:id>/presence")
@requires("training.edit", load=Attendance)
def attendee_presence(obj: Attendance):
    """One tap: present or absent. The form says which, so a double tap does not undo it."""
    form = PresenceForm()
    if not form.validate_on_submit() or form.present.data not in ("1", "0"):
        abort(400)
    present = form.present.data == "1"
    refuse_if_locked(obj.session, obj.session.start_date)
    if obj.present != present:
        obj.present = present
        audit.record("update", obj, before={"present": not present}, after={"present": present},
                     unit_id=obj.session.commune_id)
        db.session.commit()
    if is_fragment_request():
        return render("training/_partials/_attendee_row.html", attendee=obj, training=obj.session,
                      action_form=EmptyForm(), trigger=CHANGED)
    return redirect(url_for("training.session_detail", id=obj.session_id) + f"#attendee-{obj.id}")


@bp.post("/attendees/<int:id>/delete")
@requires("training.edit", load=Attendance)
def attendee_delete(obj: Attendance):
    if not EmptyForm().validate_on_submit():
        abort(400)
    refuse_if_locked(obj.session, obj.session.start_date)
    session_id, commune_id, name = obj.session_id, obj.session.commune_id, obj.full_name
    audit.record("delete", obj, before=audit.snapshot(obj, ATTENDEE_FIELDS), unit_id=commune_id)
    db.session.delete(obj)
    db.session.commit()
    if is_fragment_request():
        return render("training/_partials/_nothing.html", trigger=CHANGED)
    flash(_("%(name)s was removed from the list.", name=name), "success")
    return redirect(url_for("training.session_detail", id=session_id) + "#attendees")


# --- Many at once: pasted lines or a file, previewed, then confirmed -------------------------------------

IMPORTER = AttendanceImporter()


@bp.route("/training/<int:id>/paste", methods=["GET", "POST"])
@requires("training.edit", load=TrainingSession)
def attendee_paste(obj: TrainingSession):
    form = PasteForm()
    if request.method == "GET":
        return render("training/paste.html", training=obj, form=form)
    if not form.validate_on_submit():
        return render_form_errors("training/paste.html", training=obj, form=form)
    records = pasted_records(form.lines.data, IMPORTER)
    if not records:
        form.lines.errors.append(_("Paste at least one line."))
        return render_form_errors("training/paste.html", training=obj, form=form)
    return imports.preview(IMPORTER, obj, records, source="paste", retry=form)


@bp.get("/training/attendance-template.xlsx")
@requires("training.template")
def import_template():
    return imports.template_response(IMPORTER)


@bp.route("/training/<int:id>/import", methods=["GET", "POST"])
@requires("training.edit", load=TrainingSession)
def attendee_import(obj: TrainingSession):
    return imports.upload(IMPORTER, obj)


@bp.post("/training/batches/<int:id>")
@requires("training.import", load=ImportBatch)
def batch_confirm(obj: ImportBatch):
    return imports.confirm(IMPORTER, obj)


# --- Sign-in sheet and export --------------------------------------------------------------

@bp.get("/training/<int:id>/sign-in-sheet")
@requires("training.view", load=TrainingSession)
def sign_in_sheet(obj: TrainingSession):
    """The printed sheet people sign at the session: always in Vietnamese."""
    with force_locale("vi"):
        return render("training/sign_in_sheet.html", training=obj, attendees=obj.attendees,
                      blank_rows=max(5, 15 - len(obj.attendees)))


@bp.get("/training/<int:id>/attendance.xlsx")
@requires("training.view", load=TrainingSession)
def attendance_export(obj: TrainingSession):
    return xlsx_response(f"diem-danh-{obj.id}-{obj.start_date:%Y%m%d}.xlsx", _("Attendance"), export_headers(),
                         export_rows(obj), widths={2: 28, 5: 24, 6: 22})


# --- Coverage -----------------------------------------------------------------------------

@bp.get("/training/coverage")
@requires("training.coverage")
def coverage():
    filters = CoverageFilterForm(request.args)
    filters.province_id.choices = [(p.id, p.name) for p in pickable_provinces(current_user)]  # an administrator's
    filters.validate()
    province = province_in_scope(current_user, filters.province_id.data)
    if province is None:
        abort(404)
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
