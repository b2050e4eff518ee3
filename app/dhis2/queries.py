"""The mapping's reads and writes, and the figures of a dataValueSets export.

The figures are the dashboard's: visits of the province's points (app.visits
.queries.visits_by_commune counts the same rows) summed per commune, service and
reader group in one GROUP BY. Only communes whose every expected month of the
period is approved are exported: those are the figures the province signs."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, insert, select

from app.dhis2.models import CODE, Dhis2CellMap, Dhis2Mapping, Dhis2PointMap, Dhis2UnitMap
from app.extensions import db
from app.formatting import vi_sort_key
from app.models_base import utcnow
from app.periods import MONTH, QUARTER, Period
from app.reports import queries as reports
from app.reports.locks import begin_write
from app.units.models import COMMUNE, LibraryPoint, Unit
from app.units.queries import province_point_ids
from app.visits.models import GROUPS, SERVICES, VisitCount

# --- The mapping ----------------------------------------------------------------------------------


def mapping_of(province_id: int) -> Dhis2Mapping | None:
    return db.session.scalar(select(Dhis2Mapping).where(Dhis2Mapping.province_id == province_id))


def communes_of(province_id: int) -> list[tuple[int, str, str]]:
    """(id, code, name) of the province's communes, in Vietnamese order."""
    rows = db.session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.parent_id == province_id, Unit.kind == COMMUNE)).all()
    return sorted(((i, c, n) for i, c, n in rows), key=lambda row: vi_sort_key(row[2]))


def points_of(province_id: int) -> list[tuple[int, int, str]]:
    """(id, commune id, name) of the province's library points, by name."""
    rows = db.session.execute(select(LibraryPoint.id, LibraryPoint.commune_id, LibraryPoint.name)
                              .join(Unit, Unit.id == LibraryPoint.commune_id).where(Unit.parent_id == province_id))
    return sorted(((i, c, n) for i, c, n in rows), key=lambda row: vi_sort_key(row[2]))


def replace_mapping(province: Unit, *, scheme: str, data_set: str, attribute_option_combo: str,
                    cells: dict, units: dict, points: dict | None = None, filename: str = "",
                    version: str | None = None) -> Dhis2Mapping:
    """Put `cells` and `units` in place of the province's mapping rows, in the
    caller's transaction (a delete and an insert per table); the mapping's version moves on.
    With `version` (the one a page was shown with, "0" for none yet), raise
    StaleMapping when the mapping has moved on since."""
    # One replacement at a time per province: SQLite takes its write lock now, PostgreSQL locks the
    # province's row; the mapping is then read afresh, as the replacement before this one left it.
    begin_write()
    db.session.execute(select(Unit.id).where(Unit.id == province.id).with_for_update())
    mapping = db.session.scalar(select(Dhis2Mapping).where(Dhis2Mapping.province_id == province.id)
                                .execution_options(populate_existing=True))
    if version is not None and version != (str(mapping.version) if mapping is not None else "0"):
        raise StaleMapping
    if mapping is None:
        mapping = Dhis2Mapping(province_id=province.id)
        db.session.add(mapping)
        db.session.flush()
    else:
        db.session.execute(delete(Dhis2CellMap).where(Dhis2CellMap.mapping_id == mapping.id))
        db.session.execute(delete(Dhis2UnitMap).where(Dhis2UnitMap.mapping_id == mapping.id))
        db.session.execute(delete(Dhis2PointMap).where(Dhis2PointMap.mapping_id == mapping.id))
    mapping.org_unit_scheme, mapping.data_set = scheme, data_set
    mapping.attribute_option_combo, mapping.filename = attribute_option_combo, filename
    mapping.updated_at = utcnow()  # an UPDATE (and a new version) even when only the rows changed
    if cells:
        db.session.execute(insert(Dhis2CellMap), [
            {"mapping_id": mapping.id, "service": s, "reader_group": g, "data_element": de,
             "category_option_combo": coc} for (s, g), (de, coc) in cells.items()])
    if units:
        db.session.execute(insert(Dhis2UnitMap), [
            {"mapping_id": mapping.id, "unit_id": unit_id, "org_unit": ou} for unit_id, ou in units.items()])
    if points:
        db.session.execute(insert(Dhis2PointMap), [
            {"mapping_id": mapping.id, "point_id": point_id, "org_unit": ou} for point_id, ou in points.items()])
    db.session.flush()
    db.session.expire(mapping)
    return mapping


class StaleMapping(Exception):
    """The mapping was saved by someone else since the page was shown."""


# --- The figures ------------------------------------------------------------------------------------


def visits_by_point_cell(province_id: int, start: date, end: date) -> dict[tuple[int, str, str], int]:
    """{(point id, service, group): visits between two days} for the province's
    points: one GROUP BY over the points' rows of the period (the rows
    visits_by_commune sums for the dashboard)."""
    rows = db.session.execute(
        select(VisitCount.point_id, VisitCount.service, VisitCount.reader_group, func.sum(VisitCount.count))
        .where(VisitCount.point_id.in_(province_point_ids(province_id)), VisitCount.day.between(start, end))
        .group_by(VisitCount.point_id, VisitCount.service, VisitCount.reader_group))
    return {(point_id, service, group): int(n) for point_id, service, group, n in rows}


def dhis2_period(period: Period) -> str:
    """DHIS2's ISO period: 202611 (a month), 2026Q4 (a quarter), 2026 (a year)."""
    if period.kind == MONTH:
        return f"{period.year}{period.number:02d}"
    if period.kind == QUARTER:
        return f"{period.year}Q{period.number}"
    return str(period.year)


@dataclass
class Export:
    """What a dataValueSets export for a period would send, and what it leaves out."""

    period: Period
    dhis2_period: str
    ended: bool
    mapping: Dhis2Mapping | None
    values: dict = field(default_factory=dict)  # (data element, org unit, combo) → value
    approved: list = field(default_factory=list)  # communes exported: (id, code, name)
    not_approved: list = field(default_factory=list)  # (id, code, name, approved months, expected months, visits)
    unmapped_communes: list = field(default_factory=list)  # approved, no org unit: (id, code, name, visits)
    unmapped_cells: list = field(default_factory=list)  # (service, group, visits in the approved, mapped communes)
    total: int = 0  # the dashboard's figure: every visit of the province in the period
    sent: int = 0

    @property
    def by_element(self) -> list[tuple[str, int, int]]:
        """(data element, values, their sum), by data element."""
        out = {}
        for (element, _ou, _coc), value in self.values.items():
            count, total = out.get(element, (0, 0))
            out[element] = (count + 1, total + value)
        return [(element, *out[element]) for element in sorted(out)]

    def data_values(self) -> list[dict]:
        """The dataValues, in a steady order (org unit, data element, combo)."""
        aoc = self.mapping.attribute_option_combo if self.mapping else ""
        out = []
        for (element, org_unit, combo), value in sorted(self.values.items(), key=lambda kv: (kv[0][1], kv[0][0],
                                                                                              kv[0][2])):
            row = {"dataElement": element, "period": self.dhis2_period, "orgUnit": org_unit}
            if combo:
                row["categoryOptionCombo"] = combo
            if aoc:
                row["attributeOptionCombo"] = aoc
            row["value"] = str(value)
            out.append(row)
        return out

    def as_json(self) -> dict:
        """DHIS2's dataValueSets JSON: dataValues, and the data set and the
        org unit scheme when the mapping names them."""
        document = {}
        if self.mapping is not None and self.mapping.data_set:
            document["dataSet"] = self.mapping.data_set
        if self.mapping is not None and self.mapping.org_unit_scheme == CODE:
            document["orgUnitIdScheme"] = "CODE"
        document["dataValues"] = self.data_values()
        return document

    def csv_rows(self) -> list[list[str]]:
        return [[v["dataElement"], v["period"], v["orgUnit"], v.get("categoryOptionCombo", ""),
                 v.get("attributeOptionCombo", ""), v["value"], "", "", "", ""] for v in self.data_values()]


CSV_HEADER = ["dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value", "storedby", "lastupdated",
              "comment", "followup"]


def build_export(province: Unit, period: Period, today: date) -> Export:
    """The export of `period` for the province. Every mapped cell of every
    approved commune's org unit (and of its points reported apart) is sent,
    zeros included (the province signed them); cells, communes and points that
    map onto the same DHIS2 value are added up."""
    mapping = mapping_of(province.id)
    export = Export(period=period, dhis2_period=dhis2_period(period), ended=period.end < today, mapping=mapping)
    figures = visits_by_point_cell(province.id, period.start, period.end)
    points_by_commune = {}
    for point_id, commune_id, _name in points_of(province.id):
        points_by_commune.setdefault(commune_id, []).append(point_id)
    export.total = sum(figures.values())
    by_point = {}
    for (point_id, _s, _g), n in figures.items():
        by_point[point_id] = by_point.get(point_id, 0) + n
    states, _deadlines = reports.report_states(province, period, today)
    cells = {(c.service, c.reader_group): (c.data_element, c.category_option_combo) for c in mapping.cells} \
        if mapping else {}
    units = {u.unit_id: u.org_unit for u in mapping.units} if mapping else {}
    own = {p.point_id: p.org_unit for p in mapping.points} if mapping else {}
    targets = {}  # point id → the org unit its visits go to, for the points of approved communes
    for commune_id, code, name in communes_of(province.id):
        state = states.get(commune_id, {})
        expected, approved = state.get("expected", 0), state.get("approved", 0)
        its_points = points_by_commune.get(commune_id, [])
        visits = sum(by_point.get(point_id, 0) for point_id in its_points)
        if not export.ended or expected == 0 or approved < expected:
            export.not_approved.append((commune_id, code, name, approved, expected, visits))
            continue
        export.approved.append((commune_id, code, name))
        left = [point_id for point_id in its_points if not (own.get(point_id) or units.get(commune_id))]
        targets.update({point_id: own.get(point_id) or units[commune_id] for point_id in its_points
                        if point_id not in left})
        if left or (commune_id not in units and not its_points):
            export.unmapped_communes.append((commune_id, code, name, sum(by_point.get(p, 0) for p in left)))
    for service in SERVICES:
        for group in GROUPS:
            if (service, group) not in cells:
                export.unmapped_cells.append((service, group, sum(figures.get((point_id, service, group), 0)
                                                                  for point_id in targets)))
                continue
            element, combo = cells[(service, group)]
            for point_id, org_unit in targets.items():
                key = (element, org_unit, combo)
                export.values[key] = export.values.get(key, 0) + figures.get((point_id, service, group), 0)
    export.sent = sum(export.values.values())
    return export
