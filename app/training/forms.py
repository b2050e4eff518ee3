import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from app.formatting import today_local
from app.forms_base import (
    ChoiceField,
    FilterForm,
    Form,
    LocalDateField,
    LocalIntegerField,
    VersionedForm,
    no_control_chars,
    row_id_choice,
    sane_date,
)
from app.training.models import GENDERS, MIN_BIRTH_YEAR, TOPICS

MAX_PASTE_LINES = 500
PHONE_RE = re.compile(r"^\+?[0-9 .\-]{6,20}$")


def birth_year_in_range(form, field):
    if field.data is not None and not MIN_BIRTH_YEAR <= field.data <= today_local().year:
        raise ValidationError(_l("Enter a birth year from %(min)d to %(max)d.", min=MIN_BIRTH_YEAR,
                                 max=today_local().year))


def phone_number(form, field):
    if field.data and not PHONE_RE.match(field.data.strip()):
        raise ValidationError(_l("Enter a phone number of digits only, e.g. 0912 345 678."))


class SessionForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), no_control_chars],
                        description=_l("e.g. Using the province's digital library for commune librarians"))
    topic = SelectField(_l("Topic"), choices=list(TOPICS.items()))
    organiser = StringField(_l("Organiser"), validators=[DataRequired(), Length(max=200), no_control_chars],
                            description=_l("e.g. Thái Nguyên Province Library"))
    start_date = LocalDateField(_l("Start date"), validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy."))])
    end_date = LocalDateField(_l("End date"), validators=[Optional()],
                              description=_l("Leave empty for a one-day session."))
    # Choices are the communes of the province; a commune outside it gets its own message (see the route).
    commune_id = SelectField(_l("Commune"), coerce=row_id_choice, validate_choice=False,
                             validators=[DataRequired(message=_l("Choose a commune."))])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200), no_control_chars],
                        description=_l("e.g. commune cultural house, hamlet Đồng Tâm"))
    trainer_ids = SelectMultipleField(_l("Trainers (users)"), coerce=int, validators=[Optional()],
                                      description=_l("Hold Ctrl (or long-press on a phone) to choose several."))
    trainer_names = StringField(_l("Other trainers"), validators=[Optional(), Length(max=300), no_control_chars],
                                description=_l("Names of trainers without an account, separated by commas."))
    audience = StringField(_l("Audience"), validators=[Optional(), Length(max=300), no_control_chars],
                           description=_l("e.g. commune cultural officers, teachers, pupils"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000), no_control_chars],
                          render_kw={"rows": 2})

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def populate_obj(self, obj):
        for name in ("title", "topic", "organiser", "start_date", "venue", "trainer_names", "audience", "notes",
                     "commune_id"):
            setattr(obj, name, self[name].data if self[name].data is not None else "")
        obj.end_date = self.end_date.data or self.start_date.data


class AttendeeForm(VersionedForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(message=_l("Enter the person's full name.")),
                                                         Length(max=120), no_control_chars],
                            render_kw={"autocomplete": "off"})
    gender = ChoiceField(_l("Gender"), choices=[("", _l("—"))] + list(GENDERS.items()),
                         validators=[DataRequired(message=_l("Choose male or female."))])
    birth_year = LocalIntegerField(_l("Birth year"), validators=[Optional(), birth_year_in_range],
                                   render_kw={"inputmode": "numeric"})
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120), no_control_chars],
                           description=None)
    commune_id = SelectField(_l("Commune"), coerce=row_id_choice, validate_choice=False,
                             validators=[DataRequired(message=_l("Choose a commune."))])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=20), phone_number],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})

    def populate_obj(self, obj):
        from app.formatting import fold

        obj.full_name = " ".join(self.full_name.data.split())
        obj.name_key = fold(obj.full_name)[:120]
        obj.gender = self.gender.data
        obj.birth_year = self.birth_year.data
        obj.position = (self.position.data or "").strip()
        obj.commune_id = self.commune_id.data
        obj.phone = (self.phone.data or "").strip()


class PresenceForm(Form):
    present = HiddenField(validators=[AnyOf(("1", "0"))])  # present or absent, never a toggle


class PasteForm(Form):
    lines = TextAreaField(_l("One person per line"), validators=[DataRequired(message=_l("Paste at least one line."))],
                          description=_l("Name; gender; birth year; position — separated by semicolons or tabs "
                                         "(as copied from Excel)."),
                          render_kw={"rows": 12})

    def validate_lines(self, field):
        count = sum(1 for line in (field.data or "").splitlines() if line.strip())
        if count > MAX_PASTE_LINES:
            raise ValidationError(_l("At most %(max)d lines at once; you pasted %(num)d. Split them into several "
                                     "pastes.", max=MAX_PASTE_LINES, num=count))
        if any(ord(c) < 32 and c not in "\t\n\r" for c in field.data or ""):
            raise ValidationError(_l("This text contains characters that are not allowed."))


class SessionFilterForm(FilterForm):
    commune_id = SelectField(_l("Commune"), coerce=row_id_choice, validators=[Optional()], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[("", _l("All topics"))] + list(TOPICS.items()), validators=[Optional()])
    start = LocalDateField(_l("From"), validators=[Optional(), sane_date])
    end = LocalDateField(_l("To"), validators=[Optional(), sane_date])
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=60)])


class CoverageFilterForm(FilterForm):
    province_id = SelectField(_l("Province"), coerce=row_id_choice, validators=[Optional()], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[("", _l("All topics"))] + list(TOPICS.items()), validators=[Optional()])
    year = LocalIntegerField(_l("Year"), validators=[Optional()], render_kw={"inputmode": "numeric"})
