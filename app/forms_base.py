"""Form pieces shared by the domains."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import ValidationError


class EmptyForm(FlaskForm):
    """Only the CSRF token, for one-button actions (deactivate, log out)."""


class VersionedForm(FlaskForm):
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


def no_control_chars(form, field):
    if field.data and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
        raise ValidationError(_l("This text contains characters that are not allowed."))
