from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms_base import VersionedForm, no_control_chars
from app.resources.models import KINDS


def web_link(form, field):
    """Only http(s) addresses: a javascript: or data: link would run in the reader's browser."""
    parts = urlsplit((field.data or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data.strip():
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class ResourceForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), no_control_chars])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    link = StringField(_l("Link"), validators=[DataRequired(), Length(max=500), web_link],
                       render_kw={"inputmode": "url", "placeholder": "https://"},
                       filters=[lambda v: v.strip() if v else v])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000), no_control_chars],
                                render_kw={"rows": 3})
