"""Form pieces shared by the domains."""
from flask import current_app, g, session
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField
from wtforms import validators as wtforms_validators
from wtforms.validators import ValidationError

from app import params


def _n(singular, plural):
    """Marks a plural message for extraction (see `make extract`)."""
    return singular, plural


# WTForms' own messages, which it ships in many languages but not Vietnamese:
# listed here so they are extracted into our catalogs and translated there.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Field must be equal to %(other_name)s."),
    _n("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long."),
    _n("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters."),
    _n("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid date value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
)


class _CatalogTranslations:
    """Hands WTForms' messages to our catalog, unformatted (WTForms fills in
    the %(min)d and %(max)d itself)."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


_catalog_translations = _CatalogTranslations()


_signed_tokens: dict = {}  # (secret key, the session's raw token) → the token pages carry


def csrf_token() -> str:
    """Flask-WTF's generate_csrf() for templates (every page carries the token three times: the
    meta tag for htmx, the log-out and language forms), signed once per session and key rather
    than once per request. The signature's time is never checked (WTF_CSRF_TIME_LIMIT is None:
    a form left open for hours must still post), so a token signed earlier is as good."""
    if current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    token = _signed_tokens.get((secret, session.get("csrf_token")))
    if token is None:
        token = generate_csrf()  # puts the session's raw token in first if it has none
        if len(_signed_tokens) >= 10_000:
            _signed_tokens.clear()
        _signed_tokens[(secret, session["csrf_token"])] = token  # the first page's too: kept from the start
    g.csrf_token = token  # where Flask-WTF's generate_csrf() looks first
    return token


class _KeptCSRF(_FlaskFormCSRF):
    """A form's CSRF field takes the token csrf_token() keeps: a form signed its own on every request."""

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()


class Form(FlaskForm):
    """The base of every form: WTForms' messages in the user's language, and
    no whole number beyond what the database holds (a select of ids, or a
    number field without a range of its own, would otherwise pass a number
    no row can have, and the query or the insert would fail)."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            high = params.MAX_ID if isinstance(field, SelectField | SelectMultipleField) else params.MAX_INT
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(v, int) and not isinstance(v, bool) and not -high <= v <= high for v in values):
                field.errors = [*field.errors, _l("Not a valid choice.") if high == params.MAX_ID
                                else _l("Not a valid integer value.")]
                field.data = [] if isinstance(field.data, list) else None  # a view that reads it anyway finds nothing
                valid = False
        return valid

    class Meta:
        csrf_class = _KeptCSRF

        def get_translations(self, form):
            return _catalog_translations

        def render_field(self, field, render_kw):
            # The CSRF token is rendered without an id: a page with several
            # forms would otherwise carry id="csrf_token" several times.
            if field.short_name == self.csrf_field_name:
                render_kw = dict(render_kw, id=False)
            return super().render_field(field, render_kw)


class FilterForm(Form):
    """The filters of a list (a GET form): a value that does not pass its
    field's checks is shown with its error and ignored, never used."""

    class Meta:
        csrf = False

    def read(self) -> "FilterForm":
        """Check every filter; one that fails is left empty (its data None)."""
        if not any(field.raw_data for field in self):
            return self  # nothing was sent: every filter is at its default, there is nothing to check
        self.validate()
        for field in self:
            if field.errors:
                field.data = None
        return self

    def cache_key(self) -> tuple:
        """What the form shows, for app.fragments: each field's value, what was
        typed, and its errors. Choices that differ per user are not in it: a
        template caching such a form adds them to its own key."""
        return tuple((field.name, field.data, tuple(field.raw_data or ()), tuple(map(str, field.errors)))
                     for field in self)


def row_id_choice(value) -> int | None:
    """The coerce of a select of ids: the id, or None for an empty or bad value."""
    return params.row_id(value)


def sane_date(form, field):
    """A date from 2000 to a few years ahead (see app.params.day)."""
    if field.data and params.day(field.data) is None:
        raise ValidationError(_("Enter a date from %(first)s to %(last)s.",
                                 first=params.FIRST_DAY.strftime("%d/%m/%Y"),
                                 last=params.last_day(_today()).strftime("%d/%m/%Y")))


def _today():
    from app.formatting import today_local

    return today_local()


class EmptyForm(Form):
    """Only the CSRF token, for one-button actions (deactivate, log out)."""


class VersionedForm(Form):
    """A form that edits a versioned record carries the version it was shown with."""

    version = HiddenField()

    def is_stale(self, obj) -> bool:
        return str(obj.version) != (self.version.data or "")

    def populate_obj(self, obj):
        """Everything but the version, which only the database moves on."""
        for name, field in self._fields.items():
            if name not in ("version", "csrf_token"):
                field.populate_obj(obj, name)


def own_ids(form, suffix):
    """Field ids unique on a page where several copies of a form are open at
    once (an add row and inline edit rows): `name-suffix`. Labels follow their
    fields; names, and so what is posted, stay the same."""
    for field in form:
        field.id = f"{field.name}-{suffix}"
        field.label.field_id = field.id
    return form


class LocalDateField(DateField):
    """A date typed as dd/mm/yyyy or sent by <input type="date"> as yyyy-mm-dd."""

    def __init__(self, label=None, validators=None, **kwargs):
        # No placeholder: it renders as <input type="date">, where the browser
        # draws its own date mask and a placeholder is not allowed.
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date as dd/mm/yyyy.")) from None


class DayOrMonthField(DateField):
    """A date that may be known only to its month: dd/mm/yyyy or mm/yyyy
    (a receipt date "08/2013"). `data` is the date (the month's 1st), and
    `precision` "day" or "month"; populate_obj sets both, the precision on
    the attribute named by `precision_attr`. A text input, not a date input,
    since a browser's date input cannot hold a month alone."""

    def __init__(self, label=None, validators=None, precision_attr=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "autocomplete": "off"})
        kwargs["render_kw"].setdefault("type", "text")
        super().__init__(label, validators, **kwargs)
        self.precision_attr = precision_attr
        self.precision = "day"

    def process_formdata(self, valuelist):
        from app.formatting import parse_day_or_month

        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if raw == "":
            self.data, self.precision = None, "day"
            return
        parsed = parse_day_or_month(raw)
        if parsed is None:
            self.data = None
            raise ValueError(_l("Enter a date as dd/mm/yyyy, or a month as mm/yyyy."))
        self.data, self.precision = parsed

    def _value(self):
        from app.formatting import fmt_day_or_month

        if self.raw_data:
            return self.raw_data[0]
        return fmt_day_or_month(self.data, self.precision) if self.data else ""

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data)
        if self.precision_attr:
            setattr(obj, self.precision_attr, self.precision if self.data else None)


class LocalIntegerField(IntegerField):
    """A whole number typed as 450000, 450.000, 450 000, 450,000 or 450.000 ₫
    (read by app.numbers.parse_whole, as every grid cell and import is)."""

    def process_formdata(self, valuelist):
        from app.numbers import NumberError, parse_whole

        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if raw == "":
            self.data = None
            return
        try:
            self.data = parse_whole(raw)  # the range is the field's NumberRange, which names it formatted
        except NumberError as error:
            self.data = None
            raise ValueError(str(error)) from None


class NumberRange(wtforms_validators.NumberRange):
    """WTForms' NumberRange, with its limits shown as the pages show numbers
    ("Số phải từ 0 đến 10.000", not "10000")."""

    def __call__(self, form, field):
        from app.numbers import NumberError, check_range

        if field.data is None:
            return super().__call__(form, field)
        try:
            check_range(field.data, self.min, self.max)
        except NumberError as error:
            raise ValidationError(str(error)) from None


def not_in_future(form, field):
    from app.formatting import today_local

    if field.data and field.data > today_local():
        raise ValidationError(_l("The date cannot be in the future."))


def no_control_chars(form, field):
    if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
        raise ValidationError(_l("This text contains characters that are not allowed."))


class ChoiceField(SelectField):
    """A select whose refusal names what was sent and what may be chosen: a
    post no page would send, or a spreadsheet cell, gets a message the user
    can act on instead of "Not a valid choice"."""

    def pre_validate(self, form):
        if not self.validate_choice or (isinstance(self.choices, list)
                                        and self.data in {choice[0] for choice in self.choices}):
            return  # the common case, without WTForms' normalising of every choice (an import checks thousands)
        try:
            super().pre_validate(form)
        except ValidationError:
            allowed = ", ".join(str(label) for value, label in self.choices if value not in ("", None))
            sent = self.raw_data[0].strip() if self.raw_data else ""
            if not sent:
                raise ValidationError(_("Choose one of: %(choices)s.", choices=allowed)) from None
            raise ValidationError(_("“%(value)s” is not one of: %(choices)s.", value=sent, choices=allowed)) from None
