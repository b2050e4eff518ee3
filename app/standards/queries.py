"""The equipment standard as of a day, each point's gaps against it, and the
province's progress towards equipping every point.

A point's register as of a day is equipment.standing_on(): what it held that
day, in the condition its history gives. Against the standard of its model:
- working: the quantity in use (for computers that must be online, in use and
  online); a broken item, one under repair or a liquidated one never counts;
  a lot counts by its quantity, however it was split;
- missing: what the working quantity falls short of the least quantity;
- connect: for computers that must be online, what connecting the point's
  computers in use but offline would close;
- repairable: of the rest, what the point's broken items or items under repair
  would close if repaired (computers that must be online: then connected);
- to buy: what is left.
"""
from datetime import date, timedelta

from sqlalchemy import or_, select

from app.equipment import queries as equipment
from app.equipment.models import BROKEN, CATEGORIES, IN_USE, UNDER_REPAIR
from app.extensions import db
from app.standards.models import StandardLine, StandardSettings
from app.training.queries import trained_by_commune
from app.units.models import LibraryPoint, Unit
from app.units.queries import progress_of
from app.visits.queries import visits_by_commune

FULL, PARTLY, NONE, NO_STANDARD = "full", "partly", "none", "no_standard"
TREND_MONTHS = 24  # at most this many months in the trend


def settings_of(province_id: int) -> StandardSettings | None:
    return db.session.scalar(select(StandardSettings).where(StandardSettings.province_id == province_id))


def _lines(province_id: int) -> list:
    return db.session.execute(
        select(StandardLine.point_model, StandardLine.valid_from, StandardLine.category, StandardLine.min_quantity,
               StandardLine.needs_internet)
        .where(StandardLine.province_id == province_id)
        .order_by(StandardLine.point_model, StandardLine.valid_from)).all()


def _valid_on(lines, day: date) -> dict[str, dict[str, tuple[int, bool]]]:
    """standards_on() from the province's lines (as _lines() reads them)."""
    chosen: dict[str, date] = {}
    for model, valid_from, *_rest in lines:
        if model not in chosen or valid_from <= day:
            chosen[model] = valid_from
    order = list(CATEGORIES)
    out: dict[str, dict] = {model: {} for model in chosen}
    for model, valid_from, category, quantity, internet in sorted(lines, key=lambda line: order.index(line[2])):
        if valid_from == chosen[model] and quantity > 0:
            out[model][category] = (quantity, bool(internet))
    return out


def standards_on(province_id: int, day: date) -> dict[str, dict[str, tuple[int, bool]]]:
    """{point model: {category: (least working quantity, with internet)}} of
    the province on `day`, only the categories required: per model, the version
    valid on that day (the latest from on or before it), or the first version
    when the day comes before every version. One query."""
    return _valid_on(_lines(province_id), day)


def lines_valid_from(province_id: int, model: str, valid_from: date) -> dict[str, StandardLine]:
    """{category: line} of one version of a model's standard (empty when there is none from that day)."""
    return {line.category: line for line in db.session.scalars(
        select(StandardLine).where(StandardLine.province_id == province_id, StandardLine.point_model == model,
                                   StandardLine.valid_from == valid_from))}


def _points_on(province_id: int, day: date, commune_id: int | None = None) -> list:
    """(id, commune id, name, model, opened on) of the province's active points
    opened by `day` (as the digital-library progress counts them). One query."""
    query = (select(LibraryPoint.id, LibraryPoint.commune_id, LibraryPoint.name, LibraryPoint.model,
                    LibraryPoint.opened_on)
             .join(Unit, Unit.id == LibraryPoint.commune_id)
             .where(Unit.parent_id == province_id, LibraryPoint.active.is_(True),
                    or_(LibraryPoint.opened_on.is_(None), LibraryPoint.opened_on <= day))
             .order_by(LibraryPoint.name, LibraryPoint.id))
    if commune_id is not None:
        query = query.where(LibraryPoint.commune_id == commune_id)
    return db.session.execute(query).all()


def gap_of(standard: dict[str, tuple[int, bool]] | None, register: dict | None) -> dict:
    """One point's gaps: its register on a day (a standing_on() entry, None
    when it held nothing) against the standard of its model (None when the
    model has none). {"status", "lines": [{"category", "internet", "required",
    "working", "down", "missing", "connect", "repairable", "to_buy"}], and
    "missing", "connect", "repairable", "to_buy": the lines with some of it}."""
    if not standard:
        return {"status": NO_STANDARD, "lines": [], "missing": [], "connect": [], "repairable": [], "to_buy": []}
    register = register or {"by_category": {}, "online": 0}
    lines = []
    for category, (required, internet) in standard.items():
        held = register["by_category"].get(category, {})
        in_use, down = held.get(IN_USE, 0), held.get(BROKEN, 0) + held.get(UNDER_REPAIR, 0)
        working = register["online"] if category == "computer" and internet else in_use
        missing = max(0, required - working)
        connect = min(missing, in_use - working)  # computers in use, not yet online
        repairable = min(missing - connect, down)
        lines.append({"category": category, "internet": internet, "required": required, "working": working,
                      "down": down, "missing": missing, "connect": connect, "repairable": repairable,
                      "to_buy": missing - connect - repairable})
    met = sum(1 for line in lines if not line["missing"])
    status = FULL if met == len(lines) else NONE if met == 0 else PARTLY
    return {"status": status, "lines": lines, "missing": [line for line in lines if line["missing"]],
            "connect": [line for line in lines if line["connect"]],
            "repairable": [line for line in lines if line["repairable"]],
            "to_buy": [line for line in lines if line["to_buy"]]}


def gaps_on(province_id: int, day: date, commune_id: int | None = None) -> dict[int, dict]:
    """{point id: its gaps on `day` (gap_of) with "id", "commune_id", "name",
    "model"} for the province's active points (or one commune's) opened by
    then. Four queries, whatever the number of points."""
    standards = standards_on(province_id, day)
    standing = equipment.standing_on(province_id, day, commune_id)
    return {pid: {"id": pid, "commune_id": commune, "name": name, "model": model,
                  **gap_of(standards.get(model), standing.get(pid))}
            for pid, commune, name, model, _opened in _points_on(province_id, day, commune_id)}


def gaps_of_points(points, day: date) -> dict[int, dict]:
    """gaps_on() for the given points (of one commune, as a librarian's home
    or a point's page shows them); empty when there are none."""
    points = list(points)
    if not points:
        return {}
    communes = {p.commune_id for p in points}
    commune_id = communes.pop() if len(communes) == 1 else None
    gaps = gaps_on(points[0].commune.parent_id, day, commune_id)
    return {p.id: gaps[p.id] for p in points if p.id in gaps}


def _counts(gaps) -> dict:
    counts = dict.fromkeys((FULL, PARTLY, NONE, NO_STANDARD), 0)
    for gap in gaps:
        counts[gap["status"]] += 1
    counts["measured"] = counts[FULL] + counts[PARTLY] + counts[NONE]
    return counts


def purchase_list(gaps) -> list[dict]:
    """Per category (computers online apart from other computers), over the
    points measured: how many lack it, the quantity missing, how much of that
    connecting and repairs would close, and what is left to buy. Categories nothing lacks are left out."""
    rows: dict[tuple[str, bool], dict] = {}
    for gap in gaps:
        for line in gap["missing"]:
            row = rows.setdefault((line["category"], line["internet"]),
                                  {"category": line["category"], "internet": line["internet"], "points": 0,
                                   "missing": 0, "connect": 0, "repairable": 0, "to_buy": 0})
            row["points"] += 1
            for key in ("missing", "connect", "repairable", "to_buy"):
                row[key] += line[key]
    order = list(CATEGORIES)
    return sorted(rows.values(), key=lambda r: (-r["missing"], order.index(r["category"]), r["internet"]))


def month_ends(first: date, last: date, limit: int = TREND_MONTHS) -> list[date]:
    """The last day of each month from `first`'s to `last`'s, `last` itself
    for its own month; at most the latest `limit` months."""
    days, month = [], first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        days.append(min(following - timedelta(days=1), last))
        month = following
    return days[-limit:]


def fully_equipped_by_month(province_id: int, days: list[date]) -> list[tuple[date, int, int]]:
    """[(day, points fully equipped, points measured)] for each of `days`:
    three queries for all of them (the points, the standard's lines, the
    register and its condition changes)."""
    if not days:
        return []
    lines = _lines(province_id)
    standards = {day: _valid_on(lines, day) for day in days}
    registers = equipment.standing_on_days(province_id, days)
    points = _points_on(province_id, max(days))
    out = []
    for day in days:
        gaps = [gap_of(standards[day].get(model), registers[day].get(pid))
                for pid, _commune, _name, model, opened in points if opened is None or opened <= day]
        counts = _counts(gaps)
        out.append((day, counts[FULL], counts["measured"]))
    return out


def progress(province_id: int, day: date) -> dict:
    """The province's progress on `day`: {"gaps": {point id: gaps}, "counts":
    points fully / partly / not equipped (and those whose model has no
    standard), "purchases": purchase_list()}."""
    gaps = gaps_on(province_id, day)
    return {"gaps": gaps, "counts": _counts(gaps.values()), "purchases": purchase_list(gaps.values())}


def report_rows(user, province_id: int, day: date, start: date) -> dict:
    """The progress report's figures on `day`, per commune of the province (by
    name): its active points, those fully equipped, the quantity missing by
    category, the points at each digital-library step, people trained and
    readers served from `start` to `day`; the province's totals; the communes
    behind (a point short of the standard or of a digital-library step, or no
    point at all). One aggregate query per table."""
    result = progress(province_id, day)
    steps, communes = progress_of(user, province_id, on=day)
    trained = trained_by_commune(province_id, start, day) if start <= day else {}
    visits = visits_by_commune(province_id, start, day) if start <= day else {}
    by_commune: dict[int, list] = {}
    for gap in result["gaps"].values():
        by_commune.setdefault(gap["commune_id"], []).append(gap)
    rows = []
    for commune in communes:
        gaps = by_commune.get(commune["id"], [])
        counts = _counts(gaps)
        row = {"id": commune["id"], "name": commune["name"], "points": commune["points"], "counts": counts,
               "missing": purchase_list(gaps), "steps": commune["steps"],
               "trained": trained.get(commune["id"], {}).get("trained", 0), "visits": visits.get(commune["id"], 0)}
        reasons = []
        if not commune["points"]:
            reasons.append("no_point")
        if counts[PARTLY] or counts[NONE]:
            reasons.append("equipment")
        if commune["points"] and min(commune["steps"]) < commune["points"]:
            reasons.append("digital")
        row["behind"] = reasons
        rows.append(row)
    totals = {"points": sum(r["points"] for r in rows), "counts": result["counts"],
              "steps": [n for _label, n in steps], "trained": sum(r["trained"] for r in rows),
              "visits": sum(r["visits"] for r in rows), "communes": len(rows)}
    return {"rows": rows, "totals": totals, "steps": steps, "purchases": result["purchases"],
            "behind": [r for r in rows if r["behind"]]}

