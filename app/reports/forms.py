import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app import periods
from app.formatting import today_local
from app.forms_base import Form, LocalDateField, VersionedForm, no_control_chars
from app.periods import MONTH, Period
from app.reports.models import STATES
from app.visits.forms import PercentField


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


class MonthField(StringField):
    """A month typed as mm/yyyy (or m/yyyy, m-yyyy); the 1st of it, None when left empty."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        match = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", text)
        if not match or not 1 <= int(match[1]) <= 12 or int(match[2]) < periods.FIRST_YEAR:
            self.data = text
            raise ValueError(_l("Enter a month as mm/yyyy, e.g. 01/2026."))
        self.data = date(int(match[2]), int(match[1]), 1)

    def _value(self):
        if isinstance(self.data, date):
            return self.data.strftime("%m/%Y")
        return self.data or ""


class ReportingForm(VersionedForm):
    """A province's reporting rules: its first reported month, and when a library point operates effectively."""

    reporting_from = MonthField(_l("First reported month (mm/yyyy)"), validators=[Optional()])
    effective_needs_computer = BooleanField(_l("A working, internet-connected computer on the period's last day"))
    effective_needs_visits = BooleanField(_l("Reader visits recorded in every month of the period"))
    effective_needs_reports = BooleanField(_l("The commune's reports of the period that are due submitted"))
    effective_target_min = PercentField(_l("Target: lowest share (%)"),
                                        validators=[InputRequired(), NumberRange(min=0, max=100)])
    effective_target_max = PercentField(_l("Target: highest share (%)"),
                                        validators=[InputRequired(), NumberRange(min=0, max=100)])

    def validate_reporting_from(self, field):
        if isinstance(field.data, date) and field.data > today_local():
            raise ValidationError(_l("The first reported month cannot be in the future."))

    def validate_effective_target_max(self, field):
        if (self.effective_target_min.data is not None and field.data is not None
                and field.data < self.effective_target_min.data):
            raise ValidationError(_l("The highest share cannot be below the lowest."))
