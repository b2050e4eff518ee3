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


@units_cli.command("merge")
@click.option("--into", "into", required=True, help="Official code of the commune the others merge into.")
@click.option("--date", "on", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="The day the merger took effect (YYYY-MM-DD or DD/MM/YYYY).")
@click.argument("codes", nargs=-1, required=True)
def merge_command(into, on, codes):
    """Merge the communes CODES into the commune --into on --date: their library points (with all their
    records) and librarians move to it; the merged communes end the day before. All or nothing, audited."""
    from app.formatting import fmt_date, today_local
    from app.units import reorg

    try:
        plan = reorg.merge(into, list(codes), on.date(), today_local())
    except reorg.ReorgRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    db.session.commit()
    click.echo(_("%(merged)s merged into %(name)s on %(date)s: %(points)s library points and %(users)s users moved.",
                 merged=", ".join(u.name for u in plan.merged), name=plan.successor.name, date=fmt_date(plan.on),
                 points=len(plan.points), users=len(plan.users)))


@units_cli.command("mapping")
@click.argument("province")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def mapping_command(province, path):
    """Load PROVINCE's mapping of names and codes from before 2025 to today's communes from a CSV file
    (columns old_code, old_name, old_district, new_code). It replaces the province's previous mapping."""
    from app.units import reorg

    found, suggestions = find_province(province)
    unit = db.session.scalar(select(Unit).where(Unit.code == f"{int(found.code):02d}")) if found else None
    if unit is None:
        raise unknown_province(province, suggestions)
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    try:
        count = reorg.load_mapping(unit, text)
    except reorg.ReorgRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    db.session.commit()
    click.echo(_("%(province)s: %(count)s names from before 2025 mapped to today's communes.", province=unit.name,
                 count=count))
