from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app import periods
from app.formatting import today_local
from app.forms_base import Form, LocalDateField, no_control_chars
from app.periods import MONTH, Period
from app.reports.models import STATES


class StepForm(Form):
    """Submit / approve: the version seen, and an optional note."""

    version = HiddenField()
    note = TextAreaField(_l("Note for the province (optional)"),
                         validators=[Optional(), Length(max=2000), no_control_chars], render_kw={"rows": 2})


class CommentForm(Form):
    """Return / reopen: the version seen and a comment, which is required."""

    version = HiddenField()
    comment = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("Write a comment for the commune.")),
                                                       Length(max=2000), no_control_chars], render_kw={"rows": 3})


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    month = SelectField(_l("Month"), validate_choice=False)
    status = SelectField(_l("State"), validate_choice=False)
    late = SelectField(_l("Deadline"), validate_choice=False)

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata, **kwargs)
        today = today_local()
        # The month is read like every page's period (app.periods), by default the last that has ended.
        self.period = periods.from_args(formdata or {}, today, kinds=(MONTH,))
        # The months that have ended, and the running one or an older one when a link asks for it.
        months = sorted({*periods.ended_months(today), self.period}, key=lambda m: m.start, reverse=True)
        self.month.choices = [(month_value(m), m.label) for m in months]
        self.month.data = month_value(self.period)
        self.status.choices = [("", _l("All states"))] + list(STATES.items())
        self.late.choices = [("", _l("All")), ("late", _l("Late or missing")), ("on_time", _l("On time"))]


def month_value(period: Period) -> str:
    """A month as the queue's month selector names it (the ?month=YYYY-MM spelling)."""
    return f"{period.year}-{period.number:02d}"


class DeadlineForm(Form):
    due_on = LocalDateField(_l("Due date"), validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy."))])
