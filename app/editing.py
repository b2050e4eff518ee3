"""One rule for two people editing the same record (SPEC: the second gets a
conflict message, not a silent overwrite).

A form shows the version the record had (`shown`); a post whose version is
older than the record's is answered 409 with the form filled anew from the
current record and a message above it (`conflict`), so nothing is saved over
the other person's change: the person is told, sees the current values and
makes their change again.
"""
from flask import request
from flask_babel import lazy_gettext as _l

from app.audit import models as audit
from app.extensions import db
from app.htmx import render, render_form_errors, saved

CONFLICT = _l("Someone else changed this while you were editing. The form now shows the current values; "
              "make your change again.")


def shown(form, record):
    """A form about to be shown for `record`, carrying the record's version."""
    form.version.data = str(record.version)
    return form


def conflict(fresh_form, record, template: str, partial: str | None = None, message=CONFLICT, **context):
    """Answer a stale post: 409 with `fresh_form()` (a form filled from the
    record as it is now) and `message` among the form's errors."""
    form = shown(fresh_form(), record)
    form.form_errors.append(str(message))
    return render(template, partial, status=409, form=form, **context)


def edit(record, make_form, template: str, *, fields, unit_id, location: str, message, **page):
    """A whole edit page of a versioned record whose form saves its fields as
    they are: GET shows the form; a stale post gets the conflict; an invalid one
    its errors (422); a valid one is saved with an audit event of `fields`
    before and after, and answered with a 303 to `location` and `message()`.
    `make_form(**kwargs)` builds the form for the record (with its choices)."""
    form = make_form()
    if request.method == "GET":
        return render(template, form=shown(form, record), **page)
    if form.is_stale(record):
        return conflict(lambda: make_form(formdata=None), record, template, **page)
    if not form.validate_on_submit():
        return render_form_errors(template, form=form, **page)
    before = audit.snapshot(record, fields)
    form.populate_obj(record)
    audit.record("update", record, before=before, after=audit.snapshot(record, fields), unit_id=unit_id)
    db.session.commit()
    return saved(location, message())
