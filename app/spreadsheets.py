"""Reading and writing .xlsx and .csv: limits, formula neutralising, formats.

Shared by every module that imports or exports a register.
"""
import csv
import io
import re
import zipfile
from datetime import date, datetime

from flask import Response
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.formatting import fmt_number, fold

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(ValueError):
    """A file that cannot be read at all; the message is for the user."""


class UnreadableRow:
    """A row of a .csv file the csv module could not read (a cell over its
    size limit, a stray quote): its message is for the user, by row."""

    def __init__(self, message):
        self.message = message


def read_table(filename: str, data: bytes, problems: list | None = None) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(spreadsheet row number, values)]) from an .xlsx or .csv file.
    Blank rows are skipped; a file over the limits is refused whole. A row
    that cannot be read is left out and its (row number, message) added to
    `problems`; without that list, it refuses the file, naming the row."""
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(_l("The file is larger than 2 MB."))
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise SpreadsheetError(_l("Upload an .xlsx or .csv file."))
    header = None
    body = []
    for number, values in rows:
        if isinstance(values, UnreadableRow):
            if problems is None or header is None:
                raise SpreadsheetError(_l("Row %(row)d: %(problem)s", row=number, problem=values.message))
            problems.append((number, values.message))
            continue
        values = ["" if v is None else v for v in values]
        if all(isinstance(v, str) and not v.strip() for v in values):
            continue
        if header is None:
            header = [str(v).strip() for v in values]
            continue
        body.append((number, values))
        if len(body) > MAX_ROWS:
            raise SpreadsheetError(_l("The file has more than 5,000 rows. Split it into smaller files."))
    if header is None:
        raise SpreadsheetError(_l("The file is empty."))
    return header, body


MAX_UNPACKED = 50 * 1024 * 1024  # a 2 MB .xlsx may not unpack to more than this
MAX_COLUMNS = 40
MAX_SHEET_ROWS = 4 * MAX_ROWS  # blank rows included


def _xlsx_rows(data: bytes):
    """Rows read lazily, at most MAX_COLUMNS wide: a small file that declares a
    huge sheet, or unpacks to a huge one, is refused instead of filling memory."""
    invalid = _l("This is not a valid .xlsx file. Save it again from Excel and retry.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise SpreadsheetError(_l("The file is larger than 2 MB."))
    except zipfile.BadZipFile:
        raise SpreadsheetError(invalid) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the size the file declares
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if number > MAX_SHEET_ROWS:
                raise SpreadsheetError(_l("The file has more than 5,000 rows. Split it into smaller files."))
            yield number, list(row)
        workbook.close()
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(invalid) from None


def _csv_rows(data: bytes):
    """Rows read one by one, at most MAX_COLUMNS wide and MAX_SHEET_ROWS long
    (blank lines included), so a file of empty lines cannot fill memory. A row
    the csv module cannot read (a cell over its size limit, a quote never
    closed) comes as an UnreadableRow, and reading goes on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(_l("The .csv file must be saved as UTF-8.")) from None
    if "\x00" in text:
        raise SpreadsheetError(_l("This is not a text .csv file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # the reader goes on with the next line
            row = UnreadableRow(_l("This row cannot be read: a cell is longer than %(max)s characters, or a "
                                   "quote (\") is not closed.",
                                   max=fmt_number(csv.field_size_limit())))
        if number > MAX_SHEET_ROWS:
            raise SpreadsheetError(_l("The file has more than 5,000 rows. Split it into smaller files."))
        yield number, row if isinstance(row, UnreadableRow) else row[:MAX_COLUMNS]


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with ';
    characters a workbook cannot hold are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def xlsx_response(filename: str, sheet_title: str, headers: list[str], rows, widths=None) -> Response:
    """A workbook of one sheet (see workbook_response)."""
    return workbook_response(filename, [(sheet_title, headers, rows, widths)])


def workbook_response(filename: str, sheets, heading: list[str] = ()) -> Response:
    """A workbook with one sheet per (title, headers, rows, widths or None): a
    bold, frozen header row; dates as dd/mm/yyyy, whole numbers with thousands
    separators, other numbers with one decimal; text neutralised against formulas.

    With `heading` (lines such as the province, the period, the date the
    figures run to and when the file was made), each sheet starts with a block
    for people: its title in bold, the heading lines, one blank row, and then
    the table's header row, which stays frozen under that block."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_title, headers, rows, widths in sheets:
        sheet = workbook.create_sheet(sheet_title[:31])
        if heading:
            sheet.append([neutralise(str(sheet_title))])
            sheet["A1"].font = Font(bold=True, size=14)
            for line in heading:
                sheet.append([neutralise(str(line))])
            sheet.append([])  # the blank row: counted by append, though it holds no cell
        header_row = len(heading) + 3 if heading else 1
        sheet.append([str(h) for h in headers])
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = f"A{header_row + 1}"
        # Cell by cell at its own address: sheet.append() and then sheet[sheet.max_row] looked
        # through every cell written so far for each row (a year of a commune's visits: 14 s).
        for row_number, row in enumerate(rows, start=header_row + 1):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row_number, column, neutralise(value))
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, bool):
                    continue
                elif isinstance(cell.value, int):
                    cell.number_format = "#,##0"
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.0"
        # Widths follow the table's header only: the heading lines above may run
        # on over the empty cells to their right, as a title does.
        for i, header in enumerate(headers, start=1):
            width = (widths or {}).get(i, max(12, min(40, len(str(header)) + 4)))
            sheet.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_response(filename: str, headers: list[str], rows) -> Response:
    """UTF-8 with a byte-order mark (so Excel reads the Vietnamese), dates dd/mm/yyyy.
    A plain table, its header on the first line and nothing above it: a .csv
    is read by programs, so the title block of a workbook has no place here."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([
            v.strftime("%d/%m/%Y") if isinstance(v, (date, datetime)) else neutralise(v)
            for v in row
        ])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


NAME_PREFIXES = ("tinh ", "thanh pho ")  # as app/units/cli.py drops them when matching names


def file_slug(name: str) -> str:
    """A unit's name for a file name: ASCII, lower case, words joined by hyphens,
    without the 'Tỉnh'/'Thành phố' prefix ('Tỉnh Lào Cai' → 'lao-cai').
    Empty when nothing of the name is left."""
    text = fold(name)
    for prefix in NAME_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def whole_number(value, minimum: int, maximum: int) -> int:
    """A whole number from a cell or a form (see app.numbers.parse_whole, the
    one reader): 12, 12.0, "1.500", "1,500", "12.500.000 ₫"; NumberError, a
    ValueError saying why, otherwise."""
    from app.numbers import parse_whole

    return parse_whole(value, minimum, maximum)
