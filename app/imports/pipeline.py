"""One import pipeline for every domain: read the file (or pasted lines) →
check each row with the domain's own form → preview with the problems per
cell → the user confirms → claim the batch → insert every row in one
statement → audit. All or nothing.

A domain describes its import with an `Importer` subclass: its columns, the
form that checks one row, how the checked rows are saved. Its routes declare
access (`@requires`) and call `upload`, `preview` and `confirm` here.
"""
import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from flask import abort, flash, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, update
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, IntegerField, SelectField

from app.extensions import db
from app.formatting import fmt_date, fmt_datetime, fmt_day_or_month, fmt_number, fold, parse_date
from app.forms_base import DayOrMonthField, EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.imports.forms import ImportForm
from app.imports.models import ImportBatch
from app.models_base import utcnow
from app.reports.locks import refuse_if_locked
from app.spreadsheets import SpreadsheetError, read_table, xlsx_response

KEEP = timedelta(days=1)  # a preview nobody confirms is dropped after this
YES = {"co", "x", "yes", "y", "1", "true", "co ket noi"}
NO = {"", "khong", "no", "n", "0", "false"}
NOT_CHECKED = ("csrf_token", "version")  # form fields a row of a file never fills


def names(key: str, label) -> set[str]:
    """Ways a header or a value may be written: its key, and its label in both languages (folded)."""
    found = {fold(key)}
    for lang in ("vi", "en"):
        with force_locale(lang):
            found.add(fold(str(label)))
    return found


@dataclass
class Row:
    """One row of the preview: what the file says, what was understood, what is wrong."""

    number: int
    cells: dict  # column key → text shown
    record: dict | None = None  # what would be saved (None when the row has errors)
    errors: dict = dataclass_field(default_factory=dict)  # column key → message
    warnings: list = dataclass_field(default_factory=list)


class Importer:
    """What a domain tells the pipeline. Subclasses set the class attributes
    and override the hooks below `save`."""

    kind: str  # ImportBatch.kind
    owner_key: str = "point_id"  # the ImportBatch column naming the owner
    columns: dict  # column key → label: the template's headers, in order
    required: tuple = ()  # columns a file must have
    header_aliases: dict = {}  # folded header → column key, beside the labels
    value_aliases: dict = {}  # column key → {folded word: value}
    defaults: dict = {}  # column key → value of an empty cell
    field_of: dict = {}  # column key → form field, where the names differ
    plain: tuple = ()  # columns of whole numbers shown without thousands separators (a birth year)
    form: type  # the domain's form, which checks one row

    # Texts of the pages (lazy strings, set by the subclass).
    title = page_steps = ""
    save_note = _l("Check the preview. Nothing is saved until you confirm, and then all rows are saved together.")
    template_filename = template_sheet = ""
    # Set by add_routes: the endpoints of this import's routes.
    template_endpoint = upload_endpoint = confirm_endpoint = ""

    # --- Hooks ---------------------------------------------------------------------------------

    def context(self, owner) -> dict:
        """What the checks of one upload look up once (e.g. the province's communes)."""
        return {}

    def bind(self, form, context: dict) -> None:
        """Set choices that depend on the owner, from the context."""

    def prepare(self, context: dict, data: dict, cells: dict) -> dict:
        """Turn cells the generic rules cannot read into form data; returns
        {column key: message} for cells that name nothing known."""
        return {}

    def record(self, form, owner) -> dict:
        """What is kept of a checked row: the form's values, as the form would set them on a record."""
        target = SimpleNamespace()
        form.populate_obj(target)
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in vars(target).items()
                if k not in NOT_CHECKED}

    def check_all(self, owner, rows: list[Row]) -> None:
        """Checks across rows (duplicates, locked periods): add to row.errors / row.warnings."""

    def locked_days(self, owner, records: list[dict]) -> list[date]:
        """Days whose period must not be locked when the rows are saved."""
        return []

    def save(self, owner, records: list[dict], batch: ImportBatch) -> int:
        """Insert the records (one statement) and audit it; returns how many were saved."""
        raise NotImplementedError

    def back_url(self, owner) -> str:
        raise NotImplementedError

    def back_label(self, owner) -> str:
        raise NotImplementedError

    def done_url(self, owner) -> str:
        return self.back_url(owner)

    def saved_message(self, count: int) -> str:
        raise NotImplementedError

    def save_label(self, count: int) -> str:
        raise NotImplementedError

    def summary(self, records: list[dict]) -> str:
        """A line under "ready to save" (e.g. the visits in the file)."""
        return ""

    def example_rows(self) -> list[list]:
        return []

    # --- The pipeline's own work -----------------------------------------------------------------

    def header_keys(self) -> dict[str, str]:
        keys = {name: key for key, label in self.columns.items() for name in names(key, label)}
        keys.update(self.header_aliases)
        return keys

    def positions(self, headers: list[str]) -> tuple[dict[str, int], list[str]]:
        """Column key → index in the file; and the labels of required columns missing."""
        keys, found = self.header_keys(), {}
        for i, header in enumerate(headers):
            key = keys.get(fold(header))
            if key and key not in found:
                found[key] = i
        return found, [str(self.columns[k]) for k in self.required if k not in found]

    def field_name(self, key: str) -> str:
        return self.field_of.get(key, key)

    def check(self, owner, records: list[tuple[int, dict]]) -> list[Row]:
        """Every row through the domain's form, then the checks across rows."""
        context = self.context(owner)
        probe = self.form(formdata=None, meta={"csrf": False})
        self.bind(probe, context)
        choices = {key: self._choice_lookup(key, probe[self.field_name(key)]) for key in self.columns
                   if isinstance(probe._fields.get(self.field_name(key)), SelectField)}
        column_of = {self.field_name(key): key for key in self.columns}
        # The labels the preview shows for chosen values, translated once per upload.
        labels = {key: {value: str(label) for value, label in probe[self.field_name(key)].choices or []}
                  for key in choices}
        # One form checks every row in turn: binding its fields once, not once per row, is most of the cost.
        form = self.form(formdata=None, meta={"csrf": False})
        self.bind(form, context)
        rows = []
        for number, cells in records:
            cells = {key: _clean(cells.get(key)) for key in self.columns}
            data, errors = {}, {}
            for key in self.columns:
                value, name = cells[key], self.field_name(key)
                kind = probe._fields.get(name)
                if value == "" and key in self.defaults:
                    value = self.defaults[key]
                if kind is None:
                    continue  # read by prepare()
                if isinstance(kind, BooleanField):
                    word = fold(value)
                    if word in YES:
                        data[name] = "y"
                    elif word not in NO:
                        errors[key] = _("Write “có” or “không”.")
                elif key in choices:
                    data[name] = choices[key].get(fold(value), value) if value != "" else ""
                elif isinstance(kind, DateField):
                    data[name] = _date_text(value)
                elif isinstance(kind, IntegerField) and isinstance(value, float) and value.is_integer():
                    data[name] = str(int(value))
                else:
                    data[name] = str(value)
            errors.update(self.prepare(context, data, cells))
            form.process(formdata=MultiDict(data))
            form.validate()
            for name, messages in form.errors.items():
                if name in NOT_CHECKED or not messages:
                    continue
                errors.setdefault(column_of.get(name, next(iter(self.columns))), str(messages[0]))
            row = Row(number, {key: _shown(cells[key], plain=key in self.plain) for key in self.columns},
                      errors=errors)
            if not errors:
                row.record = {**self.record(form, owner), "row": number}
                row.cells = self.display(form, labels)
            rows.append(row)
        self.check_all(owner, rows)
        for row in rows:
            if row.errors:
                row.record = None
        return rows

    def display(self, form, labels: dict) -> dict:
        """The checked values as the preview shows them (labels, not keys)."""
        shown = {}
        for key in self.columns:
            field = form._fields.get(self.field_name(key))
            if field is None:
                shown[key] = ""
            elif isinstance(field, BooleanField):
                shown[key] = _("yes") if field.data else _("no")
            elif key in labels:
                shown[key] = labels[key].get(field.data, field.data or "")
            elif isinstance(field, DayOrMonthField):
                shown[key] = fmt_day_or_month(field.data, field.precision)
            else:
                shown[key] = _shown(field.data, plain=key in self.plain)
        return shown

    def _choice_lookup(self, key: str, field) -> dict[str, str]:
        lookup = {}
        for value, label in field.choices or []:
            if value not in ("", None):
                lookup.update(dict.fromkeys(names(str(value), label), value))
        lookup.update(self.value_aliases.get(key, {}))
        return lookup

    def date_fields(self) -> list[str]:
        probe = self.form(formdata=None, meta={"csrf": False})
        return [name for name, field in probe._fields.items() if isinstance(field, DateField)]

    def load(self, batch: ImportBatch) -> list[dict]:
        """The records kept in a batch, with their dates back as dates."""
        dates = self.date_fields()
        return [{k: date.fromisoformat(v) if k in dates and v else v for k, v in record.items()}
                for record in json.loads(batch.rows)]


def _clean(value):
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _date_text(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    parsed = parse_date(str(value))
    return parsed.isoformat() if parsed else str(value)


def _shown(value, plain: bool = False) -> str:
    """A value as the preview shows it: dates dd/mm/yyyy, numbers 1.234.567 (a year as it is)."""
    if isinstance(value, (date, datetime)):
        return fmt_date(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float)):
        whole = float(value).is_integer()
        if plain:
            return str(int(value)) if whole else str(value)
        return fmt_number(int(value)) if whole else fmt_number(value)
    return "" if value is None else str(value)


# --- The routes of an import ------------------------------------------------------------------

def add_routes(bp, importer: "Importer", owner_model, *, template: tuple[str, str], upload: tuple[str, str],
               confirm: tuple[str, str]) -> None:
    """The three routes of an import on a domain's blueprint, each a (URL rule,
    access action) so that access is declared like any route's:
    `<bp>.import_template`, `<bp>.import_upload` (owner by id), `<bp>.import_confirm` (batch by id)."""
    from app.access import requires

    def import_template():
        return template_response(importer)

    def import_upload(owner):
        return upload_page(importer, owner)

    def import_confirm(batch):
        return confirm_batch(importer, batch)

    importer.template_endpoint, importer.upload_endpoint, importer.confirm_endpoint = (
        f"{bp.name}.import_template", f"{bp.name}.import_upload", f"{bp.name}.import_confirm")
    bp.add_url_rule(template[0], view_func=requires(template[1])(import_template), methods=["GET"])
    bp.add_url_rule(upload[0], view_func=requires(upload[1], load=owner_model)(import_upload), methods=["GET", "POST"])
    bp.add_url_rule(confirm[0], view_func=requires(confirm[1], load=ImportBatch)(import_confirm), methods=["POST"])


# --- Views ------------------------------------------------------------------------------------

def template_response(importer: Importer):
    """The spreadsheet to fill: the column names in Vietnamese and example rows."""
    with force_locale("vi"):
        headers = [str(label) for label in importer.columns.values()]
        rows = importer.example_rows()
    return xlsx_response(importer.template_filename, importer.template_sheet, headers, rows)


def upload_page(importer: Importer, owner):
    """GET: the upload page. POST: read the file and show its preview."""
    form = ImportForm()
    page = {"importer": importer, "owner": owner, "form": form}
    if request.method == "GET":
        return render("imports/upload.html", **page)
    if not form.validate_on_submit():
        return render_form_errors("imports/upload.html", **page)
    file = form.file.data
    unreadable = []  # (row, message) of rows the file's format breaks, shown in the preview with the others
    try:
        headers, rows = read_table(file.filename, file.read(), unreadable)
    except SpreadsheetError as error:
        form.file.errors.append(str(error))
        return render_form_errors("imports/upload.html", **page)
    positions, missing = importer.positions(headers)
    if missing:
        problem = (1, ", ".join(missing),
                   _("Missing column. The first row must hold the column names of the template."))
        return _render_preview(importer, owner, [], [problem], None, file.filename, "file")
    if not rows and not unreadable:
        form.file.errors.append(_("The file has no rows below the column names."))
        return render_form_errors("imports/upload.html", **page)
    records = [(number, {key: values[i] if i < len(values) else "" for key, i in positions.items()})
               for number, values in rows]
    return preview(importer, owner, records, source="file", filename=file.filename, unreadable=unreadable)


def preview(importer: Importer, owner, records, source: str, filename: str = "", retry=None, unreadable=()):
    """Check the rows; keep them in a batch when none has an error; show the
    preview (422 with the problems). `retry` is a form shown again under the
    problems (the pasted lines); `unreadable` the (row, message) of rows that
    could not be read at all."""
    rows = importer.check(owner, records)
    problems = [(row.number, str(importer.columns[key]), message)
                for row in rows for key, message in row.errors.items()]
    problems = sorted(problems + [(number, "", str(message)) for number, message in unreadable],
                      key=lambda problem: problem[0])
    # Old previews nobody confirmed, and this user's earlier preview for the same owner, are dropped.
    owner_column = getattr(ImportBatch, importer.owner_key)
    db.session.execute(delete(ImportBatch).where(
        (ImportBatch.created_at < utcnow() - KEEP)
        | ((ImportBatch.user_id == current_user.id) & (owner_column == owner.id) & (ImportBatch.kind == importer.kind)
           & ImportBatch.saved_at.is_(None))))
    batch = None
    if not problems:
        batch = ImportBatch(kind=importer.kind, user_id=current_user.id, source=source, filename=(filename or "")[:200],
                            rows=json.dumps([row.record for row in rows], ensure_ascii=False),
                            **{importer.owner_key: owner.id})
        db.session.add(batch)
    db.session.commit()
    return _render_preview(importer, owner, rows, problems, batch, filename, source, retry)


def _render_preview(importer, owner, rows, problems, batch, filename, source, retry=None):
    records = [row.record for row in rows if row.record is not None]
    return render("imports/preview.html", importer=importer, owner=owner, rows=rows, errors=problems,
                  warnings=[(row.number, w) for row in rows for w in row.warnings], batch=batch, filename=filename,
                  source=source, retry=retry, confirm_form=EmptyForm(),
                  summary=importer.summary(records) if batch else "", status=422 if problems else 200)


def confirm_batch(importer: Importer, batch: ImportBatch):
    """Save a previewed batch: all rows in one transaction, once."""
    if batch.kind != importer.kind:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    owner = batch.owner
    if batch.saved_at is not None:
        return _already_saved(importer, owner, batch)
    records = importer.load(batch)
    refuse_if_locked(owner, *importer.locked_days(owner, records))
    # Taking the batch is the claim: a second confirmation, concurrent or later, finds it taken.
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.saved_at.is_(None))
        .values(saved_at=utcnow(), rows="[]").execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        db.session.refresh(batch)
        return _already_saved(importer, owner, batch)
    count = importer.save(owner, [{k: v for k, v in r.items() if k != "row"} for r in records], batch)
    db.session.commit()
    flash(importer.saved_message(count), "success")
    return redirect(importer.done_url(owner))


def _already_saved(importer, owner, batch):
    flash(_("This file was already saved on %(date)s. Nothing was added twice.", date=fmt_datetime(batch.saved_at)),
          "info")
    return redirect(importer.done_url(owner))
