"""flask --app wsgi units load PROVINCE: a province and its communes, with
their official codes, from the vietnam-provinces package (2025 two-level list)."""
import difflib

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select
from vietnam_provinces import Province, Ward

from app.extensions import db
from app.formatting import fold as fold_text
from app.units.models import COMMUNE, PROVINCE, Unit

units_cli = AppGroup("units", help="Administrative units.")

PREFIXES = ("thanh pho ", "tinh ")


def fold_name(text: str) -> str:
    """Accent-free lower case without the 'Tỉnh'/'Thành phố' prefix: 'Thái Nguyên' → 'thai nguyen'."""
    text = fold_text(text)
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def find_province(query: str):
    """(province, suggestions): by official code, name or codename, ignoring accents."""
    provinces = list(Province.iter_all())
    q = fold_name(query)
    for p in provinces:
        if q in (str(int(p.code)), f"{int(p.code):02d}", fold_name(p.name), fold_name(p.codename)):
            return p, []
    names = {fold_name(p.name): p.name for p in provinces}
    close = difflib.get_close_matches(q, list(names), n=3, cutoff=0.5)
    return None, [names[c] for c in close]


def unknown_province(query: str, suggestions) -> click.ClickException:
    return click.ClickException(_("No province or city named “%(name)s”. Did you mean: %(names)s?", name=query,
                                  names=", ".join(suggestions) or "—"))


def load_province(province) -> tuple[Unit, int, int]:
    """Insert or update the province and all its communes. Idempotent.
    Returns (province unit, communes added, communes updated)."""
    code = f"{int(province.code):02d}"
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        unit = Unit(code=code, kind=PROVINCE)
        db.session.add(unit)
    unit.name = province.name
    unit.division_type = province.division_type.value
    db.session.flush()

    existing = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.parent_id == unit.id))}
    added = updated = 0
    for ward in Ward.iter_by_province(province.code):
        wcode = f"{int(ward.code):05d}"
        commune = existing.get(wcode)
        if commune is None:
            db.session.add(Unit(code=wcode, kind=COMMUNE, parent=unit, name=ward.name,
                                division_type=ward.division_type.value))
            added += 1
        elif (commune.name, commune.division_type) != (ward.name, ward.division_type.value):
            commune.name, commune.division_type = ward.name, ward.division_type.value
            updated += 1
    return unit, added, updated


@units_cli.command("load")
@click.argument("province")
def load_command(province):
    """Load PROVINCE (name, e.g. "Thái Nguyên" or "thai nguyen", or official code, e.g. 19)."""
    found, suggestions = find_province(province)
    if found is None:
        raise unknown_province(province, suggestions)
    unit, added, updated = load_province(found)
    db.session.commit()
    click.echo(_("%(province)s (%(code)s): %(total)s communes, wards and special zones — %(added)s added, "
                 "%(updated)s updated", province=unit.name, code=unit.code, total=len(unit.children), added=added,
                 updated=updated))
