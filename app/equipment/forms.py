from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.validators import NumberRange as YearRange

from app.equipment.models import (
    ACTIVE_CONDITIONS,
    CATEGORIES,
    CONDITIONS,
    EVENT_KINDS,
    FUNDING_SOURCES,
    MISSING,
    OTHER_CONDITION,
    OTHER_QUANTITY,
    OUTCOMES,
    RECORDABLE_KINDS,
)
from app.forms_base import (
    ChoiceField,
    DayOrMonthField,
    FilterForm,
    LocalDateField,
    LocalIntegerField,
    NumberRange,
    VersionedForm,
    no_control_chars,
    not_in_future,
)

MAX_VND = 10_000_000_000  # ten billion đồng: far above any library item


class ItemForm(VersionedForm):
    category = ChoiceField(_l("Category"), choices=list(CATEGORIES.items()))
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=200), no_control_chars],
                              description=_l("e.g. Dell desktop computer, wooden book rack 5 levels"))
    asset_code = StringField(_l("Asset code"), validators=[Optional(), Length(max=40), no_control_chars])
    quantity = LocalIntegerField(_l("Quantity"), default=1,
                                 validators=[InputRequired(), NumberRange(min=1, max=10000)],
                                 render_kw={"inputmode": "numeric", "min": 1})
    condition = ChoiceField(_l("Condition"), choices=[(k, CONDITIONS[k]) for k in ACTIVE_CONDITIONS])
    internet_connected = BooleanField(_l("Connected to the internet"), description=_l("For computers."))
    funding_source = ChoiceField(_l("Funding source"), choices=list(FUNDING_SOURCES.items()), default="commune")
    received_on = DayOrMonthField(_l("Received on"), validators=[Optional(), not_in_future],
                                  precision_attr="received_precision",
                                  description=_l("dd/mm/yyyy, or mm/yyyy when only the month is known"))
    unit_value = LocalIntegerField(_l("Unit value (VND)"), validators=[Optional(), NumberRange(min=0, max=MAX_VND)],
                                   render_kw={"inputmode": "numeric", "min": 0})
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000), no_control_chars],
                          render_kw={"rows": 2})
    maintenance_months = LocalIntegerField(
        _l("Maintenance every (months)"), validators=[Optional(), NumberRange(min=0, max=120)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 120},
        description=_l("Empty: the province's interval for its category. 0: no scheduled maintenance."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = kwargs.get("obj")
        if item is not None and not self.received_on.raw_data and item.received_precision:
            self.received_on.precision = item.received_precision  # an item's "08/2013" is shown as it was given

    def validate_internet_connected(self, field):
        if field.data and self.category.data not in ("computer", "network"):
            raise ValidationError(_l("Only computers and network devices are connected to the internet."))


class EventForm(VersionedForm):
    """An event of an item; it carries the item's version, as its condition may change."""

    kind = SelectField(_l("What happened"), choices=[(k, EVENT_KINDS[k]) for k in RECORDABLE_KINDS])
    occurred_on = LocalDateField(_l("Date"),
                                 validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy.")), not_in_future])
    new_condition = SelectField(_l("Condition afterwards"),
                                choices=[("", _l("— unchanged —"))] + [(k, CONDITIONS[k]) for k in ACTIVE_CONDITIONS],
                                validators=[Optional()])
    cost = LocalIntegerField(_l("Cost (VND)"), validators=[Optional(), NumberRange(min=0, max=MAX_VND)],
                             render_kw={"inputmode": "numeric", "min": 0})
    quantity = LocalIntegerField(_l("How many of them"), validators=[Optional(), NumberRange(min=1, max=10000)],
                                 description=_l("Leave empty for all. Fewer than all with a new condition: "
                                                "they become a row of their own."),
                                 render_kw={"inputmode": "numeric", "min": 1})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000), no_control_chars],
                                render_kw={"rows": 2})

    condition_now = None  # the item's condition, set by the route: choosing it again changes nothing
    quantity_now = None  # the item's quantity, set by the route

    def validate_quantity(self, field):
        from app.formatting import fmt_number

        if field.data is not None and self.quantity_now is not None and field.data > self.quantity_now:
            raise ValidationError(_l("This row holds %(num)s. Enter at most %(num)s, or leave empty for all.",
                                     num=fmt_number(self.quantity_now)))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.kind.data == "condition_change" and not self.new_condition.data:
            self.new_condition.errors = [*self.new_condition.errors, _l("Choose the new condition.")]
            ok = False
        # An entry must change something, or carry a cost or a description.
        changes = self.new_condition.data not in ("", None, self.condition_now)
        if ok and not (changes or self.cost.data or (self.description.data or "").strip()):
            self.description.errors = [*self.description.errors, _l(
                "Say what was done, enter its cost or choose the condition afterwards: "
                "an entry that changes nothing is not saved.")]
            ok = False
        return ok


class RestoreForm(VersionedForm):
    condition = SelectField(_l("Condition now"), choices=[(k, CONDITIONS[k]) for k in ACTIVE_CONDITIONS])
    occurred_on = LocalDateField(_l("Date"),
                                 validators=[DataRequired(message=_l("Enter a date as dd/mm/yyyy.")), not_in_future])
    description = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000), no_control_chars],
                                render_kw={"rows": 2})


class RegisterFilterForm(FilterForm):
    category = SelectField(_l("Category"), choices=[("", _l("All categories"))] + list(CATEGORIES.items()),
                           validators=[Optional()])
    condition = SelectField(_l("Condition"), choices=[("", _l("All active")), ("all", _l("All, with liquidated"))]
                            + list(CONDITIONS.items()), validators=[Optional()])
    funding_source = SelectField(_l("Funding source"),
                                 choices=[("", _l("All sources"))] + list(FUNDING_SOURCES.items()),
                                 validators=[Optional()])
    year = LocalIntegerField(_l("Received in year"), validators=[Optional(), YearRange(min=1950, max=2100)],
                             render_kw={"inputmode": "numeric"})



class StocktakeFindingForm(VersionedForm):
    """What a stock-take found of an item, when it is not there as the register says."""

    outcome = SelectField(_l("What was found"), choices=[(k, OUTCOMES[k]) for k in (MISSING, OTHER_CONDITION,
                                                                                     OTHER_QUANTITY)])
    new_condition = SelectField(_l("Condition found"),
                                choices=[("", _l("— choose —"))] + [(k, CONDITIONS[k]) for k in ACTIVE_CONDITIONS],
                                validators=[Optional()])
    found_quantity = LocalIntegerField(_l("Quantity found"), validators=[Optional(), NumberRange(min=1, max=10000)],
                                       render_kw={"inputmode": "numeric", "min": 1})
    description = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000), no_control_chars],
                                render_kw={"rows": 2})

    condition_now = None  # set by the route
    quantity_now = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.outcome.data == OTHER_CONDITION and self.new_condition.data in ("", None, self.condition_now):
            self.new_condition.errors = [*self.new_condition.errors,
                                         _l("Choose the condition found, different from the registered one.")]
            ok = False
        if self.outcome.data == OTHER_QUANTITY and self.found_quantity.data in (None, self.quantity_now):
            if not self.found_quantity.errors:
                self.found_quantity.errors = [*self.found_quantity.errors, _l(
                    "Enter the quantity found, different from the registered one (nothing found: choose "
                    "“Not found”).")]
            ok = False
        return ok
