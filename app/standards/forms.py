from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import Optional, ValidationError

from app.equipment.models import CATEGORIES
from app.forms_base import FilterForm, LocalDateField, LocalIntegerField, NumberRange, VersionedForm, sane_date
from app.standards.models import MAX_QUANTITY


class StandardForm(VersionedForm):
    """A point model's standard: the least working quantity of each category
    (empty or 0: not required), and whether the computers must be online.
    One `min_<category>` field per category, added below."""

    computer_internet = BooleanField(_l("The computers must be connected to the internet"))

    def quantity_fields(self):
        return [self[f"min_{category}"] for category in CATEGORIES]

    def quantities(self) -> dict[str, int]:
        return {category: self[f"min_{category}"].data or 0 for category in CATEGORIES}


for _category, _label in CATEGORIES.items():
    setattr(StandardForm, f"min_{_category}", LocalIntegerField(
        _label, validators=[Optional(), NumberRange(min=0, max=MAX_QUANTITY)]))


class SettingsForm(VersionedForm):
    """The dispatch's deadline (the progress report's default "as of") and the
    day from which the report counts readers served and people trained."""

    start_date = LocalDateField(_l("Counted from (start of the campaign)"), validators=[Optional(), sane_date],
                                description=_l("Readers served and people trained are counted from this day."))
    deadline = LocalDateField(_l("Deadline of the dispatch"), validators=[Optional(), sane_date],
                              description=_l("The progress report is shown as of this day unless another is chosen."))

    def validate_deadline(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The deadline cannot come before the start date."))


class AsOfForm(FilterForm):
    """The day a page's figures are read on (a GET form)."""

    on = LocalDateField(_l("As of"), validators=[Optional(), sane_date])
