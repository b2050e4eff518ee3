"""Whole numbers and đồng as people type them: the one reader, used by every
form field, grid cell and import; fmt_number (app.formatting) is the one writer.

What is read, in both languages (the data is Vietnamese administrative data, and
a whole-number field never takes decimals, so a dot or a comma followed by
exactly three digits can only group thousands):

    12500000 · 12.500.000 · 12,500,000 · 12 500 000 · 12.500.000 ₫ · 12.500.000 đ · 12.500.000 VND

What is refused, each with a message that says why: decimals (``1.5``,
``1.00``, ``12.500.000,00``), groups not of three (``12,5,00``, ``1.0000``),
mixed separators (``1.500,000``), anything else (``abc``, ``1e6``, ``12tr``).
A range is checked here too, and its message shows the limits formatted as
the pages show numbers: "Number must be between 0 and 10.000."
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import fmt_number

# Thousands separators a person or a spreadsheet may use: dot, comma, space,
# no-break space, narrow no-break space, apostrophe (Swiss style, from some exports).
_DIGITS = "0123456789"
_SEPARATORS = ".,  \u00a0\u202f'’"
_CURRENCY = re.compile(r"^(?:₫|vnd|vnđ|đ|d|đồng|dong)\s*|\s*(?:₫|vnd|vnđ|đ|d|đồng|dong)\.?$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?:([" + _SEPARATORS + r"])\d{3})(?:\1\d{3})*")
_DECIMALS = re.compile(r"(?:\d+|" + _GROUPED.pattern + r")[.,]\d{1,2}")

GARBAGE = _l("Enter a whole number.")
DECIMALS = _l("Enter a whole number, without decimals.")
GROUPS = _l("Group the digits by three, e.g. 12.500.000.")


class NumberError(ValueError):
    """A value that is not an acceptable whole number; str() is the message for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message

    def __str__(self):
        return str(self.message)


def parse_whole(value, minimum: int | None = None, maximum: int | None = None) -> int:
    """The whole number in `value` (text typed or read from a cell, an int, or
    a float with nothing after the point), within [minimum, maximum] when
    given; NumberError with the reason otherwise. Empty text is an error too:
    a field that may be left empty checks that before calling this."""
    if isinstance(value, bool):
        raise NumberError(GARBAGE)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NumberError(GARBAGE)
        if not value.is_integer():
            raise NumberError(DECIMALS)
        value = int(value)
    if not isinstance(value, int):
        try:
            value = _read_text(str(value))
        except NumberError as error:
            if error.message is GARBAGE and minimum is not None and maximum is not None:
                raise NumberError(_("Enter a whole number from %(min)s to %(max)s.",
                                    min=fmt_number(minimum), max=fmt_number(maximum))) from None
            raise
    check_range(value, minimum, maximum)
    return value


def check_range(value: int, minimum: int | None, maximum: int | None) -> None:
    """NumberError naming the limits (formatted 10.000) when `value` is outside them."""
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise NumberError(range_message(minimum, maximum))


def range_message(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return _("Number must be between %(min)s and %(max)s.", min=fmt_number(minimum), max=fmt_number(maximum))
    if minimum is not None:
        return _("Number must be at least %(min)s.", min=fmt_number(minimum))
    return _("Number must be at most %(max)s.", max=fmt_number(maximum))


def _read_text(text: str) -> int:
    text = text.strip()
    sign = 1
    if text[:1] in ("-", "−"):  # a minus is read, so that the range can refuse it by name
        sign, text = -1, text[1:].strip()
    text = _CURRENCY.sub("", text).strip()
    if text.isascii() and text.isdigit():
        return sign * int(text)
    if _GROUPED.fullmatch(text):
        return sign * int(re.sub(r"\D", "", text))
    if _DECIMALS.fullmatch(text):
        raise NumberError(DECIMALS)
    if text and all(c in _DIGITS + _SEPARATORS for c in text) and text[0] in _DIGITS and text[-1] in _DIGITS:
        raise NumberError(GROUPS)
    raise NumberError(GARBAGE)
