"""What a token may list and read, and the figures the pages show, for the API.

The lists go through app.access's scoping (the creator's scope) and the token's
province; the figures are the pages' own queries (app.dashboard.queries,
app.reports.queries, app.visits.queries, app.equipment.queries), so the API
gives the same numbers as the dashboard, the commune page and the report queue.
"""
from datetime import date

from sqlalchemy import func, select

from app.access import scope_points, visible_units
from app.api.models import ApiToken
from app.dashboard import queries as dashboard
from app.equipment import queries as equipment
from app.extensions import db
from app.periods import Period
from app.reports import queries as reports
from app.training import queries as training
from app.units.models import COMMUNE, LibraryPoint, Unit
from app.visits import queries as visits


def page(query, limit: int, offset: int) -> tuple[list, int]:
    """(rows from `offset`, how many there are in all) of a select."""
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return db.session.scalars(query.limit(limit).offset(offset)).all(), count


def communes(user, province_id: int):
    """The communes of the token's province its creator may see, by code."""
    return (select(Unit).where(Unit.kind == COMMUNE, Unit.parent_id == province_id, Unit.id.in_(visible_units(user)))
            .order_by(Unit.code, Unit.id))


def points(user, province_id: int, commune_id: int | None = None):
    """The library points of the token's province its creator may see, by commune and name."""
    query = scope_points(select(LibraryPoint).join(Unit, Unit.id == LibraryPoint.commune_id)
                         .where(Unit.parent_id == province_id), user)
    if commune_id is not None:
        query = query.where(LibraryPoint.commune_id == commune_id)
    return query.order_by(LibraryPoint.commune_id, LibraryPoint.name, LibraryPoint.id)


def tokens_for(user):
    """The tokens a user manages: their province's (every token for an administrator), newest first."""
    query = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    if user.role != "admin":
        query = query.where(ApiToken.province_id == user.province_id)
    return db.session.scalars(query).all()


# --- Figures -------------------------------------------------------------------------------------

def province_figures(province: Unit, period: Period, today: date) -> dict:
    """The province dashboard's roll-up, as the dashboard computes it."""
    return dashboard.province_rollup(province, period, today)


def _states_and_effective(province: Unit, period: Period, today: date):
    day = dashboard.as_of(period, today)
    standing = equipment.standing_on(province.id, day)
    states, deadlines = reports.report_states(province, period, today)
    effective = dashboard.effective_points(province, period, today, standing, states)
    return day, standing, states, deadlines, effective


def by_category(standing_points) -> dict:
    """{category: {condition: quantity}} summed over the points of a standing_on() result."""
    out = {}
    for point in standing_points:
        for category, by_condition in point["by_category"].items():
            target = out.setdefault(category, {})
            for condition, quantity in by_condition.items():
                target[condition] = target.get(condition, 0) + quantity
    return out


def commune_figures(commune: Unit, period: Period, today: date) -> dict:
    """A commune's page for a period (app.dashboard.queries.commune_detail), with its register by category
    and condition, its sessions and people trained, its reports and its points operating effectively."""
    province = commune.parent
    detail = dashboard.commune_detail(commune, period, today)
    day, standing, states, deadlines, effective = _states_and_effective(province, period, today)
    own = [p for p in standing.values() if p["commune_id"] == commune.id]
    register = equipment.by_commune({k: p for k, p in standing.items() if p["commune_id"] == commune.id})
    held = training.sessions_by_commune(province.id, period.start, period.end).get(commune.id, 0)
    trained = training.trained_by_commune(province.id, period.start, period.end).get(
        commune.id, {"trained": 0, "male": 0, "female": 0})
    return {"detail": detail, "as_of": day, "by_category": by_category(own),
            "register": register.get(commune.id), "sessions": held, "trained": trained,
            "report": states.get(commune.id), "deadlines": deadlines,
            "effective": effective["by_commune"].get(commune.id, {"points": 0, "effective": 0, "failed": {}}),
            "effective_points": effective["points"]}


def point_figures(point: LibraryPoint, period: Period, today: date) -> dict:
    """A point's visits (total, the same days last year, by service and group), its register on the period's
    last day by category and condition, and the effective-point criteria it failed (None: inactive)."""
    province = point.commune.parent
    current, previous = period.window(today), period.previous_window(today)
    started = current[0] <= current[1]  # empty on the period's first day (Period.window)
    ids = [point.id]
    day, standing, states, _deadlines, effective = _states_and_effective(province, period, today)
    return {
        "current": current, "previous": previous, "as_of": day,
        "visits": visits.total(ids, *current) if started else 0,
        "last_year": visits.total(ids, *previous),
        "breakdown": visits.breakdown(ids, *current) if started else {},
        "standing": standing.get(point.id),
        "failed": effective["points"].get(point.id),
    }


def report_states(province: Unit, period: Period, today: date):
    return reports.report_states(province, period, today)
