"""How a quantity of a category reads in a sentence: "1 printer, 6 chairs"
("1 máy in, 6 ghế"). Each phrase is written out for ngettext, so every
language gets its own plural."""
from flask_babel import gettext as _
from flask_babel import ngettext

from app.equipment.models import CATEGORIES


def counted(category: str, n: int, internet: bool = False) -> str:
    """`n` items of `category`, as a phrase (computers online named so)."""
    if category == "computer" and internet:
        return ngettext("%(num)d internet-connected computer", "%(num)d internet-connected computers", n)
    phrases = {
        "cabinet": lambda: ngettext("%(num)d cabinet", "%(num)d cabinets", n),
        "shelf": lambda: ngettext("%(num)d shelf or book rack", "%(num)d shelves or book racks", n),
        "desk": lambda: ngettext("%(num)d desk", "%(num)d desks", n),
        "chair": lambda: ngettext("%(num)d chair", "%(num)d chairs", n),
        "computer": lambda: ngettext("%(num)d computer", "%(num)d computers", n),
        "printer": lambda: ngettext("%(num)d printer", "%(num)d printers", n),
        "audio_visual": lambda: ngettext("%(num)d audio-visual set", "%(num)d audio-visual sets", n),
        "network": lambda: ngettext("%(num)d network device", "%(num)d network devices", n),
        "other": lambda: ngettext("%(num)d other item", "%(num)d other items", n),
    }
    return phrases[category]() if category in phrases else f"{n} {CATEGORIES.get(category, category)}"


def category_name(category: str, internet: bool = False) -> str:
    """A category as a purchase list names it (computers online apart)."""
    if category == "computer" and internet:
        return _("Internet-connected computer")
    return str(CATEGORIES.get(category, category))


def listing(lines, key: str) -> str:
    """The lines' `key` quantities as one phrase: "1 printer, 6 chairs"."""
    return ", ".join(counted(line["category"], line[key], line["internet"]) for line in lines if line[key])
