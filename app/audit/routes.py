from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app import params
from app.access import login_required_for, requires
from app.audit import bp, describe, queries
from app.extensions import db
from app.formatting import fmt_datetime
from app.forms_base import FilterForm, LocalDateField, row_id_choice, sane_date
from app.htmx import render
from app.spreadsheets import csv_response
from app.units.queries import commune_choices, communes_for

login_required_for(bp)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_SIZE = 100
MAX_EXPORT = 50_000


class AuditFilterForm(FilterForm):
    user = StringField(_l("User"), validators=[Optional(), Length(max=40)])
    commune = SelectField(_l("Commune"), coerce=row_id_choice, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    start = LocalDateField(_l("From"), validators=[Optional(), sane_date])
    end = LocalDateField(_l("To"), validators=[Optional(), sane_date])


def _form():
    form = AuditFilterForm(request.args).read()
    form.commune.choices = commune_choices(communes_for(current_user), _l("All communes"))
    form.kind.choices = [("", _l("All kinds"))] + [(key, label) for key, (label, _c) in describe.DOMAINS.items()]
    return form


def _query(form):
    return queries.filtered_events(current_user, form.user.data, form.commune.data,
                                   describe.domain_condition(form.kind.data), form.start.data, form.end.data)


@bp.app_template_filter("audit_described")
def audit_described(events):
    """(event, action, object, changes) of each event, in the reader's language (for the history panels)."""
    return describe.described(events)


@bp.get("/audit")
@requires("audit.view")
def events():
    form = _form()
    page = params.page()
    rows = db.session.scalars(_query(form).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    names = queries.unit_names(e.unit_id for e in rows if e.unit_id)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("audit/events.html", "audit/_partials/_events.html", form=form,
                  events=describe.described(rows[:PAGE_SIZE]), more=len(rows) > PAGE_SIZE, page=page, names=names,
                  args=args)


@bp.get("/audit/export.csv")
@requires("audit.view")
def export():
    form = _form()
    events = db.session.scalars(_query(form).limit(MAX_EXPORT)).all()
    names = queries.unit_names()
    refs = describe.Names(events)
    # Readable columns first; the machine codes and the stored JSON after them, for whoever processes the file.
    headers = [_("Time"), _("User"), _("Action"), _("Object"), _("Object id"), _("Unit"), _("Changes"),
               _("Source address"), _("Action code"), _("Object type code"), _("Before (JSON)"), _("After (JSON)")]
    rows = ([fmt_datetime(e.created_at), e.username, describe.action_label(e.action),
             describe.object_label(e.object_type), e.object_id, names.get(e.unit_id, ""),
             describe.changes_text(e, refs), e.source_address, e.action, e.object_type, e.before, e.after]
            for e in events)
    return csv_response("nhat-ky.csv", headers, rows)
