"""One flow for deleting a record entered by mistake (an equipment item or
event, a training session or attendee).

GET shows a confirmation page: what will be deleted and what goes with it, or
why it cannot be (a refusal, or the approved period that covers it), with a
plain POST form — so it works without JavaScript; htmx may post straight to the
same URL after its own confirm dialog. POST begins the write transaction,
reads the record again (locked on PostgreSQL), asks the refusal and the period
locks again (423, nothing changed), and calls the domain's `delete`, which
writes the audit event with the values and deletes; then one commit.
"""
from collections.abc import Callable, Iterable
from datetime import date, datetime

from flask import abort, request
from werkzeug.exceptions import Conflict

from app.extensions import db
from app.forms_base import EmptyForm
from app.htmx import render, saved
from app.reports.locks import PeriodLocked, period_lock, refuse_if_locked

# (object judged by its commune, the days of the record in that commune)
Covered = Iterable[tuple[object, Iterable[date | None]]]


class Refused(Conflict):
    """A deletion the record's state forbids (e.g. a liquidated item): 409 with the reason."""

    show_description = True  # app.errors shows this message instead of the generic one


def local_day(moment: datetime | None) -> date | None:
    """The day a stored UTC moment fell on in Asia/Ho_Chi_Minh."""
    from flask_babel import to_user_timezone

    return to_user_timezone(moment).date() if moment is not None else None


def lock_message(covered: Covered) -> str | None:
    """Why the record cannot be deleted now: the approval of a period that covers it, or None."""
    for obj, days in covered:
        for day in sorted({day.replace(day=1) for day in days if day is not None}):
            lock = period_lock(obj, day)
            if lock is not None:
                return PeriodLocked(lock).description
    return None


def confirm_delete(record, template: str, *, refusal: Callable[[], str | None], covered: Callable[[], Covered],
                   delete: Callable[[], str], location: str, partial: str | None = None, done: dict | None = None,
                   also: tuple = (), **page):
    """The confirmation page (GET) and the deletion (POST) of `record`.

    `refusal()` says why the record's state forbids deleting it (or None);
    `covered()` names the (object, days) whose periods must not be approved;
    `delete()` audits and deletes, and returns the message to flash. A fragment
    request gets `partial` rendered with `done` (e.g. an empty row and a trigger).
    `also`: records the checks read besides `record` (an event's item), read again with it."""
    form = EmptyForm()
    if request.method == "GET":
        return render(template, form=form, record=record, refusal=refusal(), lock=lock_message(covered()), **page)
    if not form.validate_on_submit():
        abort(400)
    refuse_if_locked(record)  # no days: only begins the write transaction (SQLite), so what follows is current
    for row in (record, *also):
        db.session.expire(row)  # its collections too (an item's events)
        # Only the row's own table is locked: PostgreSQL refuses FOR UPDATE on the
        # outer join of an eagerly loaded relation (an event's recorded_by).
        db.session.refresh(row, with_for_update={"of": type(row)})
    problem = refusal()
    if problem:
        db.session.rollback()
        raise Refused(problem)
    for obj, days in covered():
        refuse_if_locked(obj, *[day for day in days if day is not None])
    message = delete()
    db.session.commit()
    return saved(location, message, partial, **(done or {}))
