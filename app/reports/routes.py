from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import params, periods
from app.access import can, login_required_for, province_arg, province_for_page, requires
from app.audit import models as audit
from app.editing import edit
from app.equipment.models import EVENT_KINDS
from app.extensions import db
from app.formatting import today_local
from app.htmx import is_fragment_request, redirect, render, render_form_errors
from app.periods import MONTH, QUARTER, YEAR, Period
from app.reports import bp, queries, snapshots, workflow
from app.reports.forms import CommentForm, DeadlineForm, QueueFilterForm, ReportingForm, StepForm
from app.reports.models import APPROVED, RETURNED, STATES, SUBMITTED, PeriodDeadline, default_due_on, submitted_on_time
from app.units.models import COMMUNE, PROVINCE, Unit
from app.visits.models import GROUPS, SERVICES

login_required_for(bp)

# How the history panel names each step.
ACTIONS = {"submit": _l("Submitted"), "approve": _l("Approved"), "return": _l("Returned"), "reopen": _l("Reopened")}


def _commune(unit: Unit) -> Unit:
    if unit.kind != COMMUNE:
        abort(404)
    return unit


def _period(year: int, month: int) -> Period:
    """The month of a report's path; 404 for one that cannot be reported."""
    period = periods.month_of_path(year, month, today_local())
    if period is None:
        abort(404)
    return period


def _page_context(commune: Unit, period: Period, **forms) -> dict:
    report = workflow.report_for(commune.id, period.year, period.number)
    due = queries.due_on(commune.parent_id, period.year, period.number)
    history = queries.report_history(report)
    version = str(report.version) if report else ""
    step = forms.get("step") or StepForm(formdata=None, version=version)
    comment = forms.get("comment") or CommentForm(formdata=None, version=version)
    return {
        "commune": commune, "period": period, "report": report, "state": report.status if report else "draft",
        "due": due, "on_time": submitted_on_time(report.first_submitted_at, due) if report else None,
        "ended": period.end < today_local(), "summary": queries.period_summary(commune, period),
        "history": history, "resubmissions": [e.created_at for e in history if e.action == "submit"][1:],
        "today": today_local(), "step_form": step, "comment_form": comment, "points": queries.points_of(commune),
        "expected": queries.is_expected(queries.reporting_starts(commune.parent, commune.id).get(commune.id), period),
        "services": SERVICES, "groups": GROUPS, "event_kinds": EVENT_KINDS, "actions": ACTIONS,
        # A callable, so the changes section compares with the page's own summary instead of reading it again.
        "changes": lambda summary: snapshots.changes(report, summary),
    }


@bp.get("/communes/<int:id>/reports")
@requires("reports.view", load=Unit)
def commune_reports(unit: Unit):
    commune = _commune(unit)
    today = today_local()
    year = periods.from_args(request.args, today, kinds=(YEAR,), default=Period.whole_year(today.year)).year
    months = queries.year_of_reports(commune, year, today)
    # Quarters and the year are views over their months: approved when every month is.
    views = []
    for label, numbers in ([(f"Q{q}/{year}", range(3 * q - 2, 3 * q + 1)) for q in range(1, 5)]
                           + [(str(year), range(1, 13))]):
        states = [m["status"] for m in months if m["period"].number in numbers]
        if len(states) < len(numbers):
            continue  # not over yet
        views.append({"label": label, "approved": states.count(APPROVED), "months": len(states),
                      "waiting": states.count(SUBMITTED), "returned": states.count(RETURNED)})
    return render("reports/commune.html", commune=commune, year=year, months=months, today=today, views=views,
                  years=periods.selectable_years(today, year))


@bp.get("/communes/<int:id>/reports/<int:year>/<int:month>")
@requires("reports.view", load=Unit)
def report_page(commune: Unit, year: int, month: int):
    return render("reports/report.html", **_page_context(_commune(commune), _period(year, month)))


def _done(commune: Unit, period: Period, message: str | None = None):
    """After a step: the row of the queue for htmx, or back to the page it came from."""
    if message:
        flash(message, "success")
    if is_fragment_request() and request.form.get("from") == "queue":
        report = workflow.report_for(commune.id, period.year, period.number)
        due = queries.due_on(commune.parent_id, period.year, period.number)
        row = queries.queue_row(commune.id, commune.name, report, due, today_local())
        return render("reports/_partials/_queue_row.html", row=row, period=period, fresh=True)
    if request.form.get("from") == "queue":
        return redirect(url_for("reports.queue", **periods.as_args(period)))
    return redirect(url_for("reports.report_page", id=commune.id, year=period.year, month=period.number))


def _refused(commune: Unit, period: Period, error: str):
    flash(error, "error")
    if is_fragment_request():
        return render("_partials/_flashes_oob.html", status=409)
    return _done(commune, period)


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


@bp.post("/communes/<int:id>/reports/<int:year>/<int:month>/submit")
@requires("reports.submit", load=Unit)
def submit(unit: Unit, year: int, month: int):
    commune, period = _commune(unit), _period(year, month)
    form = StepForm()
    if not form.validate_on_submit():
        return render_form_errors("reports/report.html", **_page_context(commune, period, step=form))
    if period.end >= today_local():
        return _refused(commune, period, _("%(period)s has not ended yet; submit it from the 1st of next month.",
                                           period=period.label))
    report = workflow.report_for(commune.id, year, month, create=True)
    try:
        workflow.submit(report, current_user, form.note.data or "",
                        version=_version(form) if form.version.data else None)
    except workflow.TransitionRefused as refused:
        db.session.rollback()
        return _refused(commune, period, str(refused))
    db.session.commit()
    return _done(commune, period, _("The report for %(period)s was sent to the province.", period=period.label))


def _decide(unit: Unit, year: int, month: int, step: str):
    commune, period = _commune(unit), _period(year, month)
    form = CommentForm() if step in ("return", "reopen") else StepForm()
    if not form.validate_on_submit():
        if is_fragment_request():
            return _refused(commune, period, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return render_form_errors("reports/report.html", **_page_context(commune, period, comment=form))
    report = workflow.report_for(commune.id, year, month)
    if report is None:
        return _refused(commune, period, _("%(commune)s has not submitted %(period)s.", commune=commune.name,
                                           period=period.label))
    try:
        if step == "approve":
            workflow.approve(report, current_user, version=_version(form))
        elif step == "return":
            workflow.send_back(report, current_user, form.comment.data, version=_version(form))
        else:
            workflow.reopen(report, current_user, form.comment.data, version=_version(form))
    except workflow.TransitionRefused as refused:
        db.session.rollback()
        return _refused(commune, period, str(refused))
    db.session.commit()
    messages = {"approve": _("%(commune)s, %(period)s: approved.", commune=commune.name, period=period.label),
                "return": _("%(commune)s, %(period)s: returned with your comment.", commune=commune.name,
                             period=period.label),
                "reopen": _("%(commune)s, %(period)s: reopened.", commune=commune.name, period=period.label)}
    return _done(commune, period, messages[step])


@bp.post("/communes/<int:id>/reports/<int:year>/<int:month>/approve")
@requires("reports.decide", load=Unit)
def approve(commune: Unit, year: int, month: int):
    return _decide(commune, year, month, "approve")


@bp.post("/communes/<int:id>/reports/<int:year>/<int:month>/return")
@requires("reports.decide", load=Unit)
def return_report(commune: Unit, year: int, month: int):
    return _decide(commune, year, month, "return")


@bp.post("/communes/<int:id>/reports/<int:year>/<int:month>/reopen")
@requires("reports.decide", load=Unit)
def reopen(commune: Unit, year: int, month: int):
    return _decide(commune, year, month, "reopen")


# --- The province's queue -------------------------------------------------------------

@bp.get("/reports")
@requires("reports.queue")
def queue():
    province = province_for_page(current_user)
    filters = QueueFilterForm(request.args)
    period = filters.period
    rows, due = queries.queue(province, period, today_local())
    counts = {state: sum(1 for r in rows if r["status"] == state) for state in STATES}
    counts["late"] = sum(1 for r in rows if r["late"])
    if filters.status.data in STATES:
        rows = [r for r in rows if r["status"] == filters.status.data]
    if filters.late.data == "late":
        rows = [r for r in rows if r["late"]]
    elif filters.late.data == "on_time":
        rows = [r for r in rows if r["on_time"]]
    return render("reports/queue.html", "reports/_partials/_queue_table.html", province=province, period=period,
                  rows=rows, due=due, counts=counts, filters=filters,
                  deadline_form=DeadlineForm(formdata=None, due_on=due), form=StepForm(formdata=None), states=STATES,
                  province_arg=province_arg(current_user, province),
                  view="full" if request.args.get("view") == "full" else "lines")  # a phone: one line per commune


@bp.get("/reports/completeness")
@requires("reports.queue")
def completeness():
    """Completeness and timeliness of a month, a quarter or a year."""
    province = province_for_page(current_user)
    today = today_local()
    period = periods.from_args(request.args, today, kinds=(MONTH, QUARTER, YEAR))
    figures = queries.completeness(province, period, today)
    return render("reports/completeness.html", province=province, period=period, figures=figures,
                  years=periods.selectable_years(today, period.year), province_arg=province_arg(current_user, province))


@bp.post("/reports/<int:year>/<int:month>/approve")
@requires("reports.queue")
def approve_selected(year: int, month: int):
    _period(year, month)  # 404 for a month that cannot be reported
    if not StepForm().validate_on_submit():
        abort(400)
    ids = params.posted_ids("commune")  # 400 for a value that is not an id: no page sends one
    approved = 0
    for commune in queries.communes_by_ids(ids):
        report = workflow.report_for(commune.id, year, month)
        if report is None or report.status != SUBMITTED or not can(current_user, "reports.decide", commune):
            continue
        workflow.approve(report, current_user)
        approved += 1
    db.session.commit()
    skipped = len(ids) - approved
    flash(_("%(num)d reports approved.", num=approved) +
          (" " + _("%(num)d selected were not waiting for approval and were left as they are.", num=skipped)
           if skipped else ""), "success" if approved else "error")
    return redirect(url_for("reports.queue", **periods.as_args(Period.month(year, month))))


@bp.post("/provinces/<int:id>/deadlines/<int:year>/<int:month>")
@requires("reports.set_deadline", load=Unit)
def set_deadline(commune: Unit, year: int, month: int):
    if commune.kind != PROVINCE:
        abort(404)
    period = _period(year, month)
    form = DeadlineForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.due_on.errors) or _("Enter a date as dd/mm/yyyy."), "error")
        return redirect(url_for("reports.queue", **periods.as_args(period), province=commune.id))
    if form.due_on.data <= period.end:
        flash(_("The due date must be after the end of %(period)s.", period=period.label), "error")
        return redirect(url_for("reports.queue", **periods.as_args(period), province=commune.id))
    deadline = queries.deadline_of(commune.id, year, month)
    before = deadline.due_on if deadline else default_due_on(year, month)
    if deadline is None:
        deadline = PeriodDeadline(province_id=commune.id, year=year, month=month, due_on=form.due_on.data)
        db.session.add(deadline)
    deadline.due_on = form.due_on.data
    audit.record("set_deadline", deadline, unit_id=commune.id, before={"due_on": before},
                 after={"period": period.label, "due_on": deadline.due_on})
    db.session.commit()
    flash(_("%(period)s is now due on %(date)s.", period=period.label, date=deadline.due_on.strftime("%d/%m/%Y")),
          "success")
    return redirect(url_for("reports.queue", **periods.as_args(period), province=commune.id))


# Names the templates use for the states.
@bp.app_template_filter("report_state")
def report_state(key):
    return str(STATES.get(key, key))


@bp.route("/provinces/<int:id>/reporting", methods=["GET", "POST"])
@requires("reports.settings", load=Unit)
def settings(province: Unit):
    """The province's reporting rules: from which month reports are expected,
    and what makes a library point operate effectively, with its target band."""
    if province.kind != PROVINCE:
        abort(404)
    return edit(province, lambda **kw: ReportingForm(obj=province, **kw), "reports/settings.html",
                fields=("reporting_from", "effective_needs_computer", "effective_needs_visits",
                        "effective_needs_reports", "effective_target_min", "effective_target_max"),
                unit_id=province.id, location=url_for("dashboard.province_dashboard", province=province.id),
                province=province,
                message=lambda: _("The reporting rules of %(province)s were saved.", province=province.name))
