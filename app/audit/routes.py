from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app import params
from app.access import login_required_for, requires
from app.audit import bp, queries
from app.audit.models import changes
from app.extensions import db
from app.formatting import fmt_datetime
from app.forms_base import FilterForm, LocalDateField, row_id_choice, sane_date
from app.htmx import render
from app.spreadsheets import csv_response
from app.units.queries import communes_for

login_required_for(bp)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_SIZE = 100
MAX_EXPORT = 50_000
KINDS = {
    "period_report": _l("Period reports"), "visit_count": _l("Reader visits"), "library_point": _l("Library points"),
    "equipment_item": _l("Equipment"), "equipment_event": _l("Equipment"), "user_account": _l("Users and logins"),
    "unit": _l("Units and targets"), "period_deadline": _l("Deadlines"), "stock_take": _l("Stock-take"),
    "standard_settings": _l("Equipment standard"),
}


class AuditFilterForm(FilterForm):
    user = StringField(_l("User"), validators=[Optional(), Length(max=40)])
    commune = SelectField(_l("Commune"), coerce=row_id_choice, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    start = LocalDateField(_l("From"), validators=[Optional(), sane_date])
    end = LocalDateField(_l("To"), validators=[Optional(), sane_date])


def _form():
    form = AuditFilterForm(request.args).read()
    form.commune.choices = [("", _l("All communes"))] + [(c.id, c.name) for c in communes_for(current_user)]
    form.kind.choices = [("", _l("All kinds"))] + sorted({(k, str(v)) for k, v in KINDS.items()}, key=lambda kv: kv[1])
    return form


def _query(form):
    kinds = [k for k, v in KINDS.items() if v == KINDS[form.kind.data]] if form.kind.data in KINDS else None
    return queries.filtered_events(current_user, form.user.data, form.commune.data, kinds, form.start.data,
                                   form.end.data)


@bp.app_template_filter("audit_changes")
def audit_changes(event):
    return changes(event)


@bp.get("/audit")
@requires("audit.view")
def events():
    form = _form()
    page = params.page()
    rows = db.session.scalars(_query(form).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    names = queries.unit_names(e.unit_id for e in rows if e.unit_id)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("audit/events.html", "audit/_partials/_events.html", form=form, events=rows[:PAGE_SIZE],
                  more=len(rows) > PAGE_SIZE, page=page, names=names, kinds=KINDS, args=args)


@bp.get("/audit/export.csv")
@requires("audit.view")
def export():
    form = _form()
    events = db.session.scalars(_query(form).limit(MAX_EXPORT)).all()
    names = queries.unit_names()
    headers = [_("Time"), _("User"), _("Action"), _("Object"), _("Object id"), _("Unit"), _("Before"), _("After"),
               _("Source address")]
    rows = ([fmt_datetime(e.created_at), e.username, e.action, e.object_type, e.object_id, names.get(e.unit_id, ""),
             e.before, e.after, e.source_address] for e in events)
    return csv_response("nhat-ky.csv", headers, rows)
