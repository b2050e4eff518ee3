from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_base import (
    FilterForm,
    LocalDateField,
    VersionedForm,
    no_control_chars,
    not_in_future,
    row_id_choice,
)
from app.units.models import CHECKLIST, POINT_MODELS


class PointForm(VersionedForm):
    commune_id = SelectField(_l("Commune"), coerce=row_id_choice,
                             validators=[DataRequired(message=_l("Choose a commune."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_control_chars])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300), no_control_chars])
    model = SelectField(_l("Model"), choices=list(POINT_MODELS.items()))
    opened_on = LocalDateField(_l("Opened on"), validators=[Optional()])
    internet_computer_on = LocalDateField(CHECKLIST["internet_computer_on"], validators=[Optional()])
    software_installed_on = LocalDateField(CHECKLIST["software_installed_on"], validators=[Optional()])
    staff_trained_on = LocalDateField(CHECKLIST["staff_trained_on"], validators=[Optional()])
    serving_readers_on = LocalDateField(CHECKLIST["serving_readers_on"], validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000), no_control_chars])


class PointFilterForm(FilterForm):
    commune_id = SelectField(_l("Commune"), coerce=row_id_choice, validators=[Optional()], validate_choice=False)
    q = StringField(_l("Search"), validators=[Optional(), Length(max=60)])
    show_inactive = BooleanField(_l("Show deactivated points"))


# Posted by the one-tap confirmation of a proposed training date, with only the token and
# the version: the checklist saves the proposal (see units.routes.point_checklist).
CONFIRM_TRAINED = "confirm_trained"


class ChecklistForm(VersionedForm):
    """The digital-library steps of a point, each with the date it became true."""

    internet_computer_on = LocalDateField(CHECKLIST["internet_computer_on"], validators=[Optional(), not_in_future])
    software_installed_on = LocalDateField(CHECKLIST["software_installed_on"], validators=[Optional(), not_in_future])
    staff_trained_on = LocalDateField(CHECKLIST["staff_trained_on"], validators=[Optional(), not_in_future])
    serving_readers_on = LocalDateField(CHECKLIST["serving_readers_on"], validators=[Optional(), not_in_future])
