"""The life of a period report: draft → submitted → approved, or submitted →
returned → submitted …; an approved report may be reopened (it goes back to
the librarian as returned, with the reason). Each step checks the state and
the version the person saw, and writes its audit event in the same transaction."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import models as audit
from app.extensions import db
from app.models_base import utcnow
from app.reports import snapshots
from app.reports.models import APPROVED, DRAFT, RETURNED, SUBMITTED, PeriodReport


class TransitionRefused(Exception):
    """The step is not possible from the report's state; the message is for the user."""


def report_for(commune_id: int, year: int, month: int, create: bool = False) -> PeriodReport | None:
    report = db.session.scalar(select(PeriodReport).where(
        PeriodReport.commune_id == commune_id, PeriodReport.year == year, PeriodReport.month == month))
    if report is None and create:
        report = PeriodReport(commune_id=commune_id, year=year, month=month, status=DRAFT)
        db.session.add(report)
        db.session.flush()
    return report


def _check(report: PeriodReport, version: int | None, allowed: tuple[str, ...]):
    if version is not None and version != report.version:
        raise TransitionRefused(_("Someone else changed this report meanwhile. Reload it and try again."))
    if report.status not in allowed:
        raise TransitionRefused(_("The report for %(period)s is %(state)s; this step is not possible now.",
                                  period=report.period.label, state=report.status_label.lower()))


def _record(action: str, report: PeriodReport, before: str, **after):
    audit.record(action, report, unit_id=report.commune_id, before={"status": before},
                 after={"status": report.status, "period": report.period.label, **after})


def submit(report: PeriodReport, user, note: str = "", version: int | None = None) -> None:
    _check(report, version, (DRAFT, RETURNED))
    before = report.status
    report.status, report.note = SUBMITTED, note
    report.submitted_at, report.submitted_by_id = utcnow(), user.id
    if report.first_submitted_at is None:  # timeliness is the first submission's, whatever follows
        report.first_submitted_at = report.submitted_at
    _record("submit", report, before, note=note)
    snapshots.take(report)


def approve(report: PeriodReport, user, version: int | None = None) -> None:
    _check(report, version, (SUBMITTED,))
    report.status, report.comment = APPROVED, ""
    report.decided_at, report.decided_by_id = utcnow(), user.id
    _record("approve", report, SUBMITTED)


def send_back(report: PeriodReport, user, comment: str, version: int | None = None) -> None:
    if not comment.strip():
        raise TransitionRefused(_("Write what the commune must correct."))
    _check(report, version, (SUBMITTED,))
    report.status, report.comment = RETURNED, comment.strip()
    report.decided_at, report.decided_by_id = utcnow(), user.id
    _record("return", report, SUBMITTED, comment=report.comment)


def reopen(report: PeriodReport, user, reason: str, version: int | None = None) -> None:
    if not reason.strip():
        raise TransitionRefused(_("Write why the period is reopened."))
    _check(report, version, (APPROVED,))
    report.status, report.comment = RETURNED, reason.strip()
    report.decided_at, report.decided_by_id = utcnow(), user.id
    _record("reopen", report, APPROVED, reason=report.comment)
