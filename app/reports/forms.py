from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.formatting import today_local
from app.forms_base import Form, LocalDateField, no_control_chars
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = today_local()
        months, year, month = [], today.year, today.month
        for _ in range(24):
            month -= 1
            if month == 0:
                year, month = year - 1, 12
            months.append((f"{year}-{month:02d}", f"{month:02d}/{year}"))
        self.month.choices = months
        if self.month.data not in dict(months):
            self.month.data = months[0][0]
        self.status.choices = [("", _l("All states"))] + list(STATES.items())
        self.late.choices = [("", _l("All")), ("late", _l("Late or missing")), ("on_time", _l("On time"))]

    @property
    def year_month(self) -> tuple[int, int]:
        year, month = self.month.data.split("-")
        return int(year), int(month)


class DeadlineForm(Form):
    due_on = LocalDateField(_l("Due date"), validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy."))])
