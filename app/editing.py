"""One rule for two people editing the same record (SPEC: the second gets a
conflict message, not a silent overwrite).

A form shows the version the record had (`shown`); a post whose version is
older than the record's is answered 409 with the form filled anew from the
current record and a message above it (`conflict`), so nothing typed over the
other person's change is saved and nothing typed is silently lost: the person
sees the current values and makes their change again.
"""
from flask_babel import lazy_gettext as _l

from app.htmx import render

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
