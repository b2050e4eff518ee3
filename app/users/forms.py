import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from app.forms_base import Form, VersionedForm, no_control_chars, row_id_choice
from app.users.models import ROLES

COMMON_PASSWORDS = {
    "12345678", "123456789", "1234567890", "password", "password1", "matkhau", "matkhau123",
    "abc12345", "qwerty123", "11111111", "00000000", "thuvien", "thuvien123", "admin123",
}


def password_problem(password: str, username: str = ""):
    """Why a password is too weak (a translatable message), or None."""
    if len(password) < 8:
        return _l("Use at least 8 characters.")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        return _l("Use both letters and digits.")
    if password.lower() in COMMON_PASSWORDS or (username and username.lower() in password.lower()):
        return _l("This password is too easy to guess. Choose another.")
    return None


def strong_password(form, field):
    username = getattr(form, "_username", "")
    if hasattr(form, "username") and form.username.data:
        username = form.username.data
    problem = password_problem(field.data or "", username)
    if problem:
        raise ValidationError(problem)


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), strong_password],
                                 render_kw={"autocomplete": "new-password"},
                                 description=_l("At least 8 characters, with letters and digits."))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(),
                                        EqualTo("new_password", message=_l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class UserForm(VersionedForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=40),
                    Regexp(r"^[a-z0-9._-]+$",
                           message=_l("Use lower-case letters without accents, digits, dot, dash or underscore."))],
        render_kw={"autocapitalize": "none"},
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120), no_control_chars])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120),
                                                 Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                                        message=_l("Enter a valid email address."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20),
                                                 Regexp(r"^[0-9 +().-]+$", message=_l("Enter a valid phone number."))])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLES.items()], validators=[DataRequired()])
    unit_id = SelectField(_l("Unit"), coerce=row_id_choice,
                          validate_choice=False,
                          description=_l("A librarian belongs to a commune; "
                                         "a trainer or province staff to a province."))
    language = SelectField(_l("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])
    password = PasswordField(_l("Temporary password"), validators=[Optional(), Length(max=200), strong_password],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("The user must change it at the first login."))


class ResetPasswordForm(Form):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), Length(max=200), strong_password],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("The user must change it at the next login. "
                                            "All of the user's sessions end now."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(),
                                        EqualTo("password", message=_l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])
    next = StringField()


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=60)])
    role = SelectField(_l("Role"), choices=[("", _l("All roles"))] + [(k, v) for k, v in ROLES.items()],
                       validators=[Optional()])
    show_inactive = BooleanField(_l("Show deactivated users"))
