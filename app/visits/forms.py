import hashlib
import json
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app import periods
from app.forms_base import ChoiceField, Form, LocalDateField, VersionedForm, no_control_chars, not_in_future
from app.numbers import NumberError, parse_whole
from app.periods import MONTH, Period
from app.visits.models import GROUPS, MAX_COUNT, SERVICES

FIRST_DAY = date(periods.FIRST_YEAR, 1, 1)


def not_before_2000(form, field):
    if field.data and field.data < FIRST_DAY:
        raise ValidationError(_l("The date is too far in the past."))


def parse_cell(value: str | None) -> tuple[str, str] | None:
    """'reading:children' → ('reading', 'children'); None when it names no cell."""
    service, _, group = (value or "").partition(":")
    return (service, group) if service in SERVICES and group in GROUPS else None


class TallyForm(Form):
    """One tap: `cell` adds 1 to a cell, `undo` takes 1 away from it."""

    day = LocalDateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy.")), not_in_future,
                                                 not_before_2000])
    cell = HiddenField()
    undo = HiddenField()
    tap = HiddenField()  # the id the phone made for this tap (app.js); a page without JS sends none

    @property
    def tap_id(self) -> str | None:
        """The tap's id in its one spelling (lower-case UUID), None when none
        was sent; ValueError when one was sent that is not a UUID."""
        if not self.tap.data:
            return None
        if len(self.tap.data) > 36:
            raise ValueError(self.tap.data)
        return str(uuid.UUID(self.tap.data))

    def validate_cell(self, field):
        if (parse_cell(field.data) is None) == (parse_cell(self.undo.data) is None):
            raise ValidationError(_l("Choose a service and a reader group."))

    @property
    def step(self) -> tuple[tuple[str, str], int]:
        if parse_cell(self.cell.data):
            return parse_cell(self.cell.data), 1
        return parse_cell(self.undo.data), -1


class DayForm(Form):
    """Which day a page shows (a GET form)."""

    class Meta:
        csrf = False

    day = LocalDateField(_l("Date"), validators=[Optional(), not_in_future, not_before_2000])


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PeriodForm(Form):
    """The period of a summary: a year, and optionally one month (a GET form:
    ?year=…&month=…). The request's period is read by app.periods.from_args;
    this form only shows it (PeriodForm.showing)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), coerce=_int_or_none, validate_choice=False)
    month = SelectField(_l("Month"), coerce=_int_or_none, validate_choice=False)

    @classmethod
    def showing(cls, period: Period, today: date) -> "PeriodForm":
        form = cls(formdata=None, year=period.year, month=period.number if period.kind == MONTH else None)
        form.year.choices = [(y, str(y)) for y in periods.selectable_years(today, period.year)]
        form.month.choices = [("", _l("Whole year"))] + [(m, f"{m:02d}") for m in range(1, 13)]
        return form


class MonthForm(Form):
    """Which month and reader group the month grid shows (a GET form)."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[Optional()], render_kw={"type": "month"})
    group = SelectField(_l("Reader group"), choices=list(GROUPS.items()), validate_choice=False)


class CountField(StringField):
    """A count typed in a grid cell: empty is 0; whole numbers 0 to 10.000
    (read by app.numbers.parse_whole, like every number field and import);
    a cell the post does not name at all is left unchanged (None)."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off", "maxlength": 8})
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            self.data = None  # not sent at all: left as it is
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = 0
            return
        try:
            self.data = parse_whole(raw, 0, MAX_COUNT)
        except NumberError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if not self.data else str(self.data)


def grid_digest(values: dict) -> str:
    """A short digest of the stored values a grid was shown with: if it differs
    at save time, someone else changed the grid meanwhile."""
    text = json.dumps(sorted((str(k), v) for k, v in values.items() if v))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grid_form(keys, data: dict | None = None):
    """A form with one CountField per grid cell (named by `keys`, e.g.
    'reading:children' or '2026-06-01:reading') and the digest it was shown
    with. With `data` it shows those values; without, it reads the posted form."""

    class GridForm(Form):
        seen = HiddenField()
        # Shown once some typed counts are unusual for the point (app.visits.plausibility): ticking it saves them.
        confirm_unusual = BooleanField(_l("These counts are right: save them as they are"))
        unusual_comment = StringField(_l("Comment for the province (optional)"),
                                      validators=[Optional(), Length(max=500), no_control_chars])

    for key in keys:
        setattr(GridForm, key, CountField())
    return GridForm(formdata=None, data=data) if data is not None else GridForm()


class PercentField(FloatField):
    """A percentage typed as 5, 5.5 or 5,5 (the Vietnamese decimal comma)."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").replace("%", "").strip()]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a number, e.g. 5 or 5,5.")) from None


class TargetForm(VersionedForm):
    growth_target_min = PercentField(_l("Lowest growth (%)"),
                                     validators=[InputRequired(), NumberRange(min=-100, max=1000)])
    growth_target_max = PercentField(_l("Highest growth (%)"),
                                     validators=[InputRequired(), NumberRange(min=-100, max=1000)])

    def validate_growth_target_max(self, field):
        if (self.growth_target_min.data is not None and field.data is not None
                and field.data < self.growth_target_min.data):
            raise ValidationError(_l("The highest growth cannot be below the lowest."))


class VisitRowForm(Form):
    """One day's count of one service and reader group: a row of an import."""

    day = LocalDateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy.")), not_in_future,
                                                 not_before_2000])
    service = ChoiceField(_l("Service"), choices=list(SERVICES.items()))
    reader_group = ChoiceField(_l("Reader group"), choices=list(GROUPS.items()))
    count = CountField(_l("Visits"))


class FlagReviewForm(Form):
    """The province's follow-up of an unusual count: checked, or needs correction (with what to correct)."""

    state = SelectField(_l("Follow-up"), choices=[("checked", _l("Checked")), ("needs_fix", _l("Needs correction"))])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=1000), no_control_chars])
    back = HiddenField()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.state.data == "needs_fix" and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors,
                                   _l("Say what needs correcting: the librarian reads it on their home page.")]
            ok = False
        return ok
