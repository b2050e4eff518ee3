"""Form pieces shared by the domains."""
from flask_babel import get_translations, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import ValidationError


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


class Form(FlaskForm):
    """The base of every form: WTForms' messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return _catalog_translations


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


class LocalDateField(DateField):
    """A date typed as dd/mm/yyyy or sent by <input type="date"> as yyyy-mm-dd."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("render_kw", {}).setdefault("placeholder", "dd/mm/yyyy")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date as dd/mm/yyyy.")) from None


class LocalIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a whole number.")) from None


def not_in_future(form, field):
    from app.formatting import today_local

    if field.data and field.data > today_local():
        raise ValidationError(_l("The date cannot be in the future."))


def no_control_chars(form, field):
    if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
        raise ValidationError(_l("This text contains characters that are not allowed."))
