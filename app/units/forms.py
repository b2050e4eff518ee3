from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_base import (
    FilterForm,
    Form,
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


class MergeForm(Form):
    """A commune merger (app.units.reorg): the communes merged, the one they merge into, the date."""

    province = HiddenField()
    into_id = SelectField(_l("Merged into"), coerce=row_id_choice,
                          validators=[DataRequired(message=_l("Choose the commune they merge into."))])
    merged_ids = SelectMultipleField(_l("Communes merged"), coerce=int,
                                     validators=[DataRequired(message=_l("Choose at least one commune to merge."))],
                                     description=_l("Hold Ctrl (or ⌘) to choose several."))
    on = LocalDateField(_l("Date the merger took effect"),
                        validators=[DataRequired(message=_l("Give the date the merger took effect."))],
                        description=_l("The merged communes end the day before."))


class MappingForm(Form):
    """A mapping file of names and codes from before 2025 (app.units.reorg.load_mapping)."""

    province = HiddenField()
    file = FileField(_l("Mapping file (CSV)"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("Columns old_code, old_name, old_district, new_code; it replaces the "
                                    "province's previous mapping."))
