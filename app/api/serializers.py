"""Rows and figures as JSON: plain codes (never translated labels), ISO dates, whole numbers."""
from app.equipment.models import CATEGORIES, CONDITIONS
from app.periods import Period
from app.units.models import CHECKLIST
from app.visits.models import GROUPS, SERVICES


def iso(value):
    return value.isoformat() if value is not None else None


def period(p: Period) -> dict:
    return {"kind": p.kind, "year": p.year, "number": p.number, "start": p.start.isoformat(),
            "end": p.end.isoformat(), "label": p.label}


def window(days: tuple) -> dict:
    return {"from": days[0].isoformat(), "to": days[1].isoformat()}


def unit(u) -> dict:
    return {"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "parent_id": u.parent_id}


def point(p) -> dict:
    return {"id": p.id, "name": p.name, "commune_id": p.commune_id, "address": p.address, "model": p.model,
            "active": p.active, "opened_on": iso(p.opened_on),
            "checklist": {key: iso(getattr(p, key)) for key in CHECKLIST}}


def service_group(cells: dict) -> dict:
    """{service: {group: visits}} with every service and group, zero where none were counted."""
    return {service: {group: cells.get((service, group), 0) for group in GROUPS} for service in SERVICES}


def category_condition(by_category: dict) -> dict:
    """{category: {condition: quantity}} with every category and condition, zero where none."""
    return {category: {condition: by_category.get(category, {}).get(condition, 0) for condition in CONDITIONS}
            for category in CATEGORIES}


def growth(value) -> float | None:
    return round(value, 2) if value is not None else None


def report_state(state: dict | None, deadlines: dict) -> dict | None:
    if state is None:
        return None
    return {
        **{key: state[key] for key in ("expected", "submitted", "on_time", "late", "overdue", "approved",
                                       "returned")},
        "status": state["status"], "reporting_from": iso(state["start"]),
        "months": [{"month": month, "status": state["months"].get(month, ("draft", None))[0],
                    "first_submitted_at": iso(state["months"].get(month, ("draft", None))[1]),
                    "due_on": iso(due)} for month, due in sorted(deadlines.items())],
    }


def effective(by_commune: dict) -> dict:
    return {"points": by_commune["points"], "effective": by_commune["effective"],
            "failed": dict(sorted(by_commune["failed"].items()))}


def province_row(row: dict, deadlines: dict) -> dict:
    """A commune's row of the province roll-up (app.dashboard.queries.province_rollup)."""
    return {
        "id": row["id"], "code": row["code"], "name": row["name"],
        "visits": row["visits"], "last_year": row["last_year"], "growth_percent": growth(row["growth"]),
        "target_status": row["status"],
        "equipment": {"by_group": row["by_group"], "computers_in_use": row["computers"],
                      "computers_down": row["computers_down"], "computers_online": row["online"],
                      "points_online": row["points_online"]},
        "effective_points": effective(row["effective"]),
        "training": {"sessions": row["sessions"], "trained": row["trained"]},
        "reports": {**{k: row["report"][k] for k in ("expected", "submitted", "on_time", "late", "approved",
                                                      "returned")}, "status": row["report"]["status"]},
    }
