from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from app.forms_base import Form


class ImportForm(Form):
    """The upload of a spreadsheet, for every import."""

    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file to upload."))],
                     render_kw={"accept": ".xlsx,.csv"})
