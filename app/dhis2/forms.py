from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError

from app.dhis2.mapping import is_uid
from app.dhis2.models import CODE, UID
from app.forms_base import VersionedForm
from app.imports.forms import ImportForm

SCHEMES = {UID: _l("by their UID"), CODE: _l("by their code")}


def optional_uid(form, field):
    field.data = (field.data or "").strip()
    if field.data and not is_uid(field.data):
        raise ValidationError(_l("Not a DHIS2 UID: 11 letters or digits, the first a letter."))


class _Settings:
    org_unit_scheme = SelectField(_l("DHIS2 org units are named"), choices=list(SCHEMES.items()), default=UID)
    data_set = StringField(_l("DHIS2 data set (UID, optional)"), validators=[Optional(strip_whitespace=True),
                                                                             optional_uid])
    attribute_option_combo = StringField(_l("DHIS2 attribute option combo (UID, optional)"),
                                         validators=[Optional(strip_whitespace=True), optional_uid],
                                         description=_l("Leave empty for DHIS2's default."))


class MappingUploadForm(ImportForm, _Settings):
    """The mapping file, and the settings that go with it."""


class MappingEditForm(VersionedForm, _Settings):
    """The mapping on a page: the settings here; one text field per visit cell
    and per commune, read by name from the request (cell-<service>-<group>-de,
    cell-<service>-<group>-coc, unit-<commune id>)."""
