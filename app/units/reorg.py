"""Commune reorganisations: mergers, and the names units had before them.

A merger (`merge`) moves the merged communes' library points to the commune
they merged into (the successor), with their whole history (visits, equipment,
training attendance stays where it was recorded); the merged communes end the
day before the merger (valid_to) and name their successor; their librarians'
accounts move to the successor. Everything in one transaction, audited.

Roll-ups then compare across the change like for like: per-point figures
follow the points; a successor's month before the merger is approved only when
its own report and those of all the communes that merged into it were
(`fold_month_states`), while the merged communes' own reports are kept as they
were and still lock the records of the points that were theirs (app.reports.locks).

Names from before a reorganisation (a merged commune, or the pre-2025 communes
and districts of a mapping file an administrator loads) resolve to today's
commune when they name one only; otherwise the import asks which is meant.
"""
import csv
import io
from datetime import date, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, or_, select, tuple_

from app.audit import models as audit
from app.extensions import db
from app.formatting import fmt_date, fold
from app.reports.locks import refuse_if_locked
from app.reports.models import APPROVED, DRAFT, RETURNED, SUBMITTED, PeriodReport
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, PointMove, Unit, UnitAlias
from app.users.models import User


class ReorgRefused(Exception):
    """A merger or a mapping file refused, with the reason in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MergePlan(NamedTuple):
    successor: Unit
    merged: list[Unit]
    on: date  # the first day the merged communes belong to the successor
    points: list[LibraryPoint]
    users: list[User]

    @property
    def last_day(self) -> date:
        return self.on - timedelta(days=1)


def _commune(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code.strip(), Unit.kind == COMMUNE))


def plan_merge(into_code: str, codes: list[str], on: date | None, today: date) -> MergePlan:
    """What merging the communes `codes` into `into_code` on `on` would do,
    or ReorgRefused with the reason. Refused: an unknown code, a commune merged
    into itself or into another province, a commune already merged (or a
    successor that is), a date after today (a merger is recorded once it has
    taken effect), and a date that would move records under another approval:
    an approved month of any commune involved on or after the date's month, or
    a submitted one of a merged commune (the province reopens it or decides it first)."""
    if on is None:
        raise ReorgRefused(_("Give the date the merger took effect."))
    if on > today:
        raise ReorgRefused(_("A merger is recorded once it has taken effect: its date cannot be after today."))
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not codes:
        raise ReorgRefused(_("Name at least one commune to merge."))
    successor = _commune(into_code or "")
    if successor is None:
        raise ReorgRefused(_("No commune has the code %(code)s.", code=(into_code or "").strip() or "—"))
    if successor.code in codes:
        raise ReorgRefused(_("A commune cannot be merged into itself (%(name)s).", name=successor.name))
    if not successor.current_on(today):
        raise ReorgRefused(_("%(name)s was itself merged into %(successor)s: merge into that commune.",
                             name=successor.name, successor=_name(successor.successor)))
    merged = []
    for code in codes:
        unit = _commune(code)
        if unit is None:
            raise ReorgRefused(_("No commune has the code %(code)s.", code=code))
        if unit.parent_id != successor.parent_id:
            raise ReorgRefused(_("%(name)s is in %(province)s, not in %(other)s: communes merge within their "
                                 "province.", name=unit.name, province=_name(unit.parent),
                                 other=_name(successor.parent)))
        if unit.valid_to is not None:
            raise ReorgRefused(_("%(name)s was already merged into %(successor)s on %(date)s.", name=unit.name,
                                 successor=_name(unit.successor), date=fmt_date(unit.valid_to + timedelta(days=1))))
        if unit.valid_from is not None and unit.valid_from >= on:
            raise ReorgRefused(_("%(name)s only exists from %(date)s: the merger must come later.", name=unit.name,
                                 date=fmt_date(unit.valid_from)))
        merged.append(unit)
    _refuse_decided_months(successor, merged, on)
    ids = [u.id for u in merged]
    points = db.session.scalars(select(LibraryPoint).where(LibraryPoint.commune_id.in_(ids))
                                .order_by(LibraryPoint.name)).all()
    users = db.session.scalars(select(User).where(User.unit_id.in_(ids)).order_by(User.username)).all()
    return MergePlan(successor, merged, on, points, users)


def _name(unit: Unit | None) -> str:
    return unit.name if unit is not None else "—"


def _refuse_decided_months(successor: Unit, merged: list[Unit], on: date) -> None:
    """One query: the first report that a merger on `on` would put under another commune's approval."""
    later = tuple_(PeriodReport.year, PeriodReport.month) >= tuple_(on.year, on.month)
    report = db.session.execute(
        select(PeriodReport, Unit.name).join(Unit, Unit.id == PeriodReport.commune_id).where(later, or_(
            and_(PeriodReport.commune_id == successor.id, PeriodReport.status == APPROVED),
            and_(PeriodReport.commune_id.in_([u.id for u in merged]),
                 PeriodReport.status.in_((APPROVED, SUBMITTED)))))
        .order_by(PeriodReport.year, PeriodReport.month).limit(1)).first()
    if report is not None:
        raise ReorgRefused(_("The report of %(name)s for %(period)s is %(status)s, on or after the merger's date. "
                             "The province reopens or decides it first, or choose a later date.",
                             name=report[1], period=report[0].period.label, status=report[0].status_label.lower()))


def merge(into_code: str, codes: list[str], on: date | None, today: date, user=None) -> MergePlan:
    """Merge the communes `codes` into `into_code` on `on`, in the current
    transaction (the caller commits, or rolls back on ReorgRefused). The write
    lock is taken first, so the checks and the writes see the same state."""
    refuse_if_locked(None)  # no days: only begins the write transaction (SQLite)
    plan = plan_merge(into_code, codes, on, today)
    successor, last_day = plan.successor, plan.last_day
    if plan.points:
        db.session.execute(insert(PointMove), [
            {"point_id": p.id, "from_unit_id": p.commune_id, "to_unit_id": successor.id, "moved_on": plan.on}
            for p in plan.points])
    for point in plan.points:
        audit.record("update", point, before={"commune_id": point.commune_id}, after={"commune_id": successor.id},
                     user=user, unit_id=successor.id)
        point.commune_id = successor.id
    for account in plan.users:
        audit.record("update", account, before={"unit_id": account.unit_id}, after={"unit_id": successor.id},
                     user=user, unit_id=successor.id)
        account.unit_id = successor.id
    for unit in plan.merged:
        audit.record("merge", unit, before={"valid_to": None, "successor_id": None},
                     after={"valid_to": last_day, "successor_id": successor.id}, user=user, unit_id=unit.id)
        unit.valid_to, unit.successor_id = last_day, successor.id
    audit.record("merge", successor, after={"merged": ", ".join(f"{u.name} ({u.code})" for u in plan.merged),
                                            "moved_on": plan.on, "points": len(plan.points),
                                            "users": len(plan.users)}, user=user, unit_id=successor.id)
    db.session.flush()
    return plan


# --- Roll-ups across a merger ------------------------------------------------------------

# From the least to the most advanced: a successor's month shows the least advanced of its parts.
_ORDER = {DRAFT: 0, RETURNED: 1, SUBMITTED: 2, APPROVED: 3}


def current_of(units: dict[int, tuple[date | None, int | None]], today: date) -> dict[int, int]:
    """{unit id: the current commune it is part of today} for the units no longer
    current, following chains of mergers, from {id: (valid_to, successor id)}."""
    out = {}
    for unit_id in units:
        seen, target = {unit_id}, unit_id
        while units.get(target, (None, None))[0] is not None and units[target][0] < today:
            target = units[target][1]
            if target is None or target in seen:
                break
            seen.add(target)
        if target is not None and target != unit_id:
            out[unit_id] = target
    return out


def fold_month_states(states: dict[int, dict], units: dict[int, tuple[date | None, int | None]], months,
                      today: date) -> dict[int, dict]:
    """The report states of a province's communes (reports.report_states) as
    today's communes: a commune no longer current is left out, and for every
    month it still existed in, its successor's month becomes the least advanced
    of the two (approved only when both were; first submitted when the last of
    them was). The merged commune's own report rows are not touched."""
    into = current_of(units, today)
    for old_id, new_id in into.items():
        old, new = states.get(old_id), states.get(new_id)
        if old is None or new is None:
            continue
        valid_to = units[old_id][0]
        for month in months:
            if month.start > valid_to:
                continue
            mine = new["months"].get(month.number, (DRAFT, None))
            theirs = old["months"].get(month.number, (DRAFT, None))
            status = min(mine[0], theirs[0], key=lambda s: _ORDER.get(s, 0))
            submitted = None if None in (mine[1], theirs[1]) else max(mine[1], theirs[1])
            new["months"][month.number] = (status, submitted)
    return {unit_id: state for unit_id, state in states.items() if unit_id not in into}


def fold_counts(counts: dict[int, object], into: dict[int, int]) -> dict[int, object]:
    """{commune id: number or {key: number}} with the figures of communes no
    longer current added to today's commune they are part of."""
    out = {}
    for unit_id, value in counts.items():
        target = into.get(unit_id, unit_id)
        if target not in out:
            out[target] = dict(value) if isinstance(value, dict) else value
        elif isinstance(value, dict):
            out[target] = {k: out[target].get(k, 0) + v for k, v in value.items()}
        else:
            out[target] += value
    return out


def successors_in(province_id: int, today: date) -> dict[int, int]:
    """{merged commune id: today's commune} for a province. One query."""
    rows = db.session.execute(select(Unit.id, Unit.valid_to, Unit.successor_id).where(
        Unit.parent_id == province_id, Unit.kind == COMMUNE)).all()
    return current_of({r[0]: (r[1], r[2]) for r in rows}, today)


# --- Names from before a reorganisation -------------------------------------------------

COMMUNE_PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ")
DISTRICT_PREFIXES = ("huyen ", "quan ", "thi xa ", "thanh pho ", "tp ", "tp. ")


def _strip(text: str, prefixes) -> str:
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    return text


def _keys(name: str, prefixes=COMMUNE_PREFIXES) -> set[str]:
    folded = fold(name or "").strip()
    return {folded, _strip(folded, prefixes)} - {""}


class NameLookup(NamedTuple):
    current: dict[str, set[int]]  # today's names
    old: dict[str, set[int]]  # names before a merger or the 2025 reorganisation
    districts: dict[str, set[int]]  # pre-2025 district names
    by_district: dict[tuple[str, str], set[int]]  # (commune, district) before 2025
    names: dict[int, str]  # today's communes' names


def name_lookup(province_id: int, today: date) -> NameLookup:
    """Every way a commune of the province may be written, today's names
    first. Two queries: the province's communes, its mapping file's rows."""
    units = db.session.execute(select(Unit.id, Unit.name, Unit.code, Unit.valid_to, Unit.successor_id).where(
        Unit.parent_id == province_id, Unit.kind == COMMUNE)).all()
    into = current_of({u.id: (u.valid_to, u.successor_id) for u in units}, today)
    lookup = NameLookup({}, {}, {}, {}, {u.id: u.name for u in units if u.id not in into})
    for u in units:
        table = lookup.old if u.id in into else lookup.current
        for key in _keys(u.name) | {u.code}:
            table.setdefault(key, set()).add(into.get(u.id, u.id))
    for alias in db.session.scalars(select(UnitAlias).where(UnitAlias.province_id == province_id)):
        target = into.get(alias.unit_id, alias.unit_id)
        names = _keys(alias.old_name)
        for key in names | ({alias.old_code} if alias.old_code else set()):
            lookup.old.setdefault(key, set()).add(target)
        for district in _keys(alias.old_district, DISTRICT_PREFIXES):
            lookup.districts.setdefault(district, set()).add(target)
            for key in names:
                lookup.by_district.setdefault((key, district), set()).add(target)
    return lookup


def resolve(lookup: NameLookup, text: str) -> set[int]:
    """Today's communes that `text` may mean: one (found), several (ambiguous:
    ask which), or none. Today's names win; then an old commune with its
    district ("Xã Tân Cương, huyện Đại Từ"), an old commune or code, a district."""
    folded = fold(text or "").strip()
    for key in _keys(text):
        if key in lookup.current:
            return lookup.current[key]
    parts = [p.strip() for p in folded.replace(" - ", ",").split(",") if p.strip()]
    if len(parts) >= 2:
        commune, district = _strip(parts[0], COMMUNE_PREFIXES), _strip(parts[1], DISTRICT_PREFIXES)
        if (commune, district) in lookup.by_district:
            return lookup.by_district[(commune, district)]
        if district in lookup.districts and commune in lookup.old:
            both = lookup.old[commune] & lookup.districts[district]
            if both:
                return both
    for key in _keys(text):
        if key in lookup.old:
            return lookup.old[key]
    district = _strip(folded, DISTRICT_PREFIXES)
    return lookup.districts.get(district, set())


# --- The mapping file ----------------------------------------------------------------

MAPPING_COLUMNS = ("old_code", "old_name", "old_district", "new_code")


def load_mapping(province: Unit, text: str) -> int:
    """Replace the province's mapping of pre-2025 names with the rows of a CSV
    file (columns old_code, old_name, old_district, new_code; a header row).
    All rows are checked first: one bad row refuses the file, nothing saved.
    Returns the number of rows kept; audited."""
    if province is None or province.kind != PROVINCE:
        raise ReorgRefused(_("Choose a province."))
    try:
        return _load_mapping(province, text)
    except csv.Error:
        raise ReorgRefused(_("The file is not a CSV file in UTF-8.")) from None


def _load_mapping(province: Unit, text: str) -> int:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if not {"new_code"} <= set(headers) or not {"old_name", "old_code"} & set(headers):
        raise ReorgRefused(_("The file needs the columns %(columns)s.", columns=", ".join(MAPPING_COLUMNS)))
    reader.fieldnames = headers
    communes = dict(db.session.execute(select(Unit.code, Unit.id).where(
        Unit.parent_id == province.id, Unit.kind == COMMUNE)).all())
    rows = set()
    for number, row in enumerate(reader, start=2):
        values = {k: (row.get(k) or "").strip() for k in MAPPING_COLUMNS}
        if not any(values.values()):
            continue
        if values["new_code"] not in communes:
            raise ReorgRefused(_("Row %(row)s: no commune of %(province)s has the code “%(code)s”.", row=number,
                                 province=province.name, code=values["new_code"]))
        if not values["old_name"] and not values["old_code"]:
            raise ReorgRefused(_("Row %(row)s: give the old name or the old code.", row=number))
        if len(values["old_code"]) > 10 or len(values["old_name"]) > 120 or len(values["old_district"]) > 120:
            raise ReorgRefused(_("Row %(row)s: a value is too long.", row=number))
        rows.add((values["old_code"], values["old_name"], values["old_district"], communes[values["new_code"]]))
    if not rows:
        raise ReorgRefused(_("The file has no rows."))
    before = db.session.scalar(select(func.count()).select_from(UnitAlias).where(
        UnitAlias.province_id == province.id))
    db.session.execute(delete(UnitAlias).where(UnitAlias.province_id == province.id))
    db.session.execute(insert(UnitAlias), [
        {"province_id": province.id, "old_code": c, "old_name": n, "old_district": d, "unit_id": u}
        for c, n, d, u in sorted(rows)])
    audit.record("load_mapping", province, before={"rows": before}, after={"rows": len(rows)}, unit_id=province.id)
    return len(rows)
