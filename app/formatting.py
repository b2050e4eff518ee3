"""Dates dd/mm/yyyy, numbers 1.234.567, VND, in Asia/Ho_Chi_Minh.

The same formats are used in both languages: the data is Vietnamese
administrative data and reports are compared side by side.
"""
import unicodedata
from datetime import date, datetime, time, timedelta

import pytz
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import format_datetime, get_translations, to_user_timezone


def fmt_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value) -> str:
    if value is None:
        return ""
    return format_datetime(value, "dd/MM/yyyy HH:mm")


def fmt_number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")  # what format_decimal gives for vi_VN, without its cost per cell
    return format_decimal(value, locale="vi_VN")


def fmt_vnd(value) -> str:
    if value is None:
        return ""
    return f"{fmt_number(value)} ₫"


_LABELS: dict = {}  # (catalog, id of a labels dict) → (the dict, its labels translated)


def labels(choices: dict) -> list[tuple[str, str]]:
    """[(key, label)] of a module-level dict of lazy_gettext labels (SERVICES,
    GROUPS, …), in the current language: translated once per process and
    language, not each time a page shows them."""
    key = (get_translations(), id(choices))
    try:
        return _LABELS[key][1]
    except KeyError:
        translated = [(name, str(label)) for name, label in choices.items()]
        _LABELS[key] = (choices, translated)  # the dict is kept, so its id is never reused
        return translated


_DAYS: dict = {}  # timezone name → (the instant its day began, the instant it ends, the day)


def today_local() -> date:
    """Today in Asia/Ho_Chi_Minh (BABEL_DEFAULT_TIMEZONE; the server may run in
    UTC). Converted once per day and process, then read off the day's bounds:
    most requests ask (the page cache's key holds the day)."""
    from app.models_base import utcnow

    now = utcnow()
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    kept = _DAYS.get(name)
    if kept is None or not kept[0] <= now < kept[1]:
        zone = pytz.timezone(name)
        day = now.astimezone(zone).date()
        start, end = (zone.localize(datetime.combine(d, time())) for d in (day, day + timedelta(days=1)))
        kept = _DAYS[name] = (start, end, day)
    return kept[2]


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (as typed) or yyyy-mm-dd (as a date input sends)."""
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


DAY, MONTH = "day", "month"  # the precision of a date known only to its month (a receipt date "08/2013")


def parse_day_or_month(text) -> tuple[date, str] | None:
    """A date typed as dd/mm/yyyy or yyyy-mm-dd (precision DAY), or a month
    typed as mm/yyyy, m/yyyy or yyyy-mm (precision MONTH, the 1st of the month:
    whatever reads it as of a day counts it from the month's start); None when
    it is neither."""
    if isinstance(value := text, datetime):
        return value.date(), DAY
    if isinstance(value, date):
        return value, DAY
    text = str(text or "").strip()
    day = parse_date(text)
    if day is not None:
        return day, DAY
    for fmt in ("%m/%Y", "%Y-%m", "%m-%Y", "%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date(), MONTH
        except ValueError:
            continue
    return None


def fmt_day_or_month(value, precision: str | None = DAY) -> str:
    """dd/mm/yyyy, or mm/yyyy for a date known only to its month."""
    if value is None:
        return ""
    return value.strftime("%m/%Y") if precision == MONTH else fmt_date(value)


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Thái  Nguyên' → 'thai nguyen'.
    For matching what people type or put in spreadsheets."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return " ".join(text.replace("_", " ").split())


def add_label_filters(bp, **choices) -> None:
    """Template filters that show a stored key by its label in the user's
    language: add_label_filters(bp, category=CATEGORIES) gives {{ item.category|category }}."""
    for name, labels in choices.items():
        bp.add_app_template_filter(lambda key, labels=labels: str(labels.get(key, key)), name)


def register(app):
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_datetime, "datetime")
    app.add_template_filter(fmt_number, "number")
    app.add_template_filter(fmt_vnd, "vnd")


# --- Vietnamese order and search -------------------------------------------------------------
# PyICU is not available; the dictionary order is short to write down. Letters in the order of the
# Vietnamese alphabet (ă, â after a; đ after d; ê after e; ô, ơ after o; ư after u), and the tones
# compared only when the letters are equal: none, huyền, hỏi, ngã, sắc, nặng.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: 1000 + i for i, letter in enumerate(_ALPHABET)}
_SHAPES = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> list[list]:
    """[letter with its shape, tone rank] for each character of `text`, lower case."""
    out: list[list] = []
    for char in unicodedata.normalize("NFD", str(text).lower()):
        if char in _TONE_RANK and out:
            out[-1][1] = _TONE_RANK[char]
        elif char in _SHAPES and out:
            out[-1][0] = unicodedata.normalize("NFC", out[-1][0] + char)
        elif unicodedata.category(char) != "Mn":
            out.append([char, 0])
    return out


def vi_sort_key(text) -> tuple:
    """A sort key in Vietnamese dictionary order: 'Phường Tích Lương' before
    'Phường Trung Thành', 'Xã An' before 'Xã Ân' before 'Xã Bình', 'Đồng' after 'Dương'."""
    pairs = list(_letters(text or ""))
    letters = tuple(_LETTER_RANK.get(letter, 0 if letter.isspace() else ord(letter)) for letter, _tone in pairs)
    return letters, tuple(tone for _letter, tone in pairs), str(text)


def vi_sorted(items, key=lambda item: item):
    """`items` in Vietnamese order of key(item)."""
    return sorted(items, key=lambda item: vi_sort_key(key(item)))


def syllables(text) -> list[str]:
    """Lower-case syllables (words) of `text`, accents kept."""
    text = unicodedata.normalize("NFC", str(text or "")).lower()
    return "".join(c if c.isalnum() else " " for c in text).split()


def _syllable_matches(wanted: str, syllable: str) -> bool:
    # Typed without accents: any accents match ('phu' → Phú, Phụ). Typed with them: those accents.
    return fold(syllable) == wanted if fold(wanted) == wanted else syllable == wanted


def matches_name(query, name) -> bool:
    """Whether `name` holds the syllables of `query`, in that order and next to each other, whole
    syllables only: 'phu' finds 'Xã Phú Bình' and 'Phụ Khánh' but not 'Phường …'; 'Phú' finds Phú
    only. An empty query matches everything."""
    wanted = syllables(query)
    if not wanted:
        return True
    have = syllables(name)
    return any(all(_syllable_matches(w, s) for w, s in zip(wanted, have[i:i + len(wanted)], strict=True))
               for i in range(len(have) - len(wanted) + 1))
