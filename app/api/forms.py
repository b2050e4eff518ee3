from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.forms_base import Form, no_control_chars, row_id_choice


class TokenForm(Form):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80), no_control_chars],
                       description=_l("For example: the national library statistics system."))
    # Offered to administrators only (province staff make tokens of their own province).
    province = SelectField(_l("Province"), coerce=row_id_choice, validate_choice=False)
