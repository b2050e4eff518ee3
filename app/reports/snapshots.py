"""Snapshots of a period report: the month's figures and the cells behind them,
kept at each submission, and what changed between two of them — so the province
sees what the commune corrected after a return, and the librarian what she has
corrected so far.

A snapshot is plain JSON (ReportSnapshot.figures):

    {"figures": {"visits": 12, "by_service": {"reading": 9, …}, "by_group": {…},
                 "received": {category: quantity}, "events": {kind: events},
                 "sessions": 1, "trained": 4},
     "points": {"3": "Điểm thư viện …"},                        # names for the labels
     "visits": {"3|2025-06-03|reading|adults": 4, …},            # cells with a count
     "equipment": {"7": {"description", "category", "quantity", "condition"}, …},
     "training": {"9": {"name", "session", "present"}, …}}

The figures are those of queries.period_summary(), the ones the report page
shows. The cells are read in one statement (a UNION ALL of one select per kind),
so the report page pays one query for them when it compares with the figures now.
"""
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, String, cast, exists, literal, null, select, union_all

from app.equipment.models import CATEGORIES, CONDITIONS, EVENT_KINDS, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.formatting import fold
from app.models_base import utcnow
from app.reports import queries
from app.reports.models import APPROVED, SUBMITTED, PeriodReport, ReportSnapshot
from app.training.models import Attendance, TrainingSession
from app.units.models import LibraryPoint
from app.visits.models import GROUPS, SERVICES, VisitCount

CELL_KINDS = ("visits", "equipment", "training")


class Change(NamedTuple):
    label: str
    before: object  # None: not there before (added)
    now: object  # None: not there now (removed)


# --- Taking a snapshot ----------------------------------------------------------------

def take(report: PeriodReport) -> ReportSnapshot:
    """Keep the report's month as it is at this submission (workflow.submit calls it)."""
    if report.id is None:
        db.session.flush()
    period = report.period
    summary = queries.period_summary(report.commune, period)
    snapshot = ReportSnapshot(report_id=report.id, taken_at=utcnow(),
                              figures=contents(summary, report.commune_id, period.start, period.end))
    db.session.add(snapshot)
    return snapshot


def contents(summary: dict, commune_id: int, start: date, end: date) -> dict:
    """A snapshot's JSON: the figures of `summary` (a period_summary()) and the
    commune's cells of [start, end], read in one statement."""
    by_service, by_group = {}, {}
    for (service, group), n in summary["breakdown"].items():
        by_service[service] = by_service.get(service, 0) + int(n)
        by_group[group] = by_group.get(group, 0) + int(n)
    figures = {
        "visits": int(summary["visits"]), "by_service": by_service, "by_group": by_group,
        "received": {k: int(n) for k, n in summary["items_added"].items()},
        "events": {k: int(n) for k, n in summary["events"].items()},
        "sessions": int(summary["sessions"]), "trained": int(summary["trained"]),
    }
    return {"figures": figures, **_cells(commune_id, start, end)}


def _cells(commune_id: int, start: date, end: date) -> dict:
    """The commune's visit cells with a count in [start, end]; its points' equipment
    items received in it or with an event in it; the attendance of its people in
    sessions starting in it. One UNION ALL; every select has the same seven
    columns: kind, id, day, three texts, a number."""
    no_day, no_text = cast(null(), Date), cast(null(), String)
    visits = (
        select(literal("visits"), VisitCount.point_id, VisitCount.day, LibraryPoint.name, VisitCount.service,
               VisitCount.reader_group, VisitCount.count)
        .join(LibraryPoint, LibraryPoint.id == VisitCount.point_id)
        .where(LibraryPoint.commune_id == commune_id, VisitCount.day.between(start, end), VisitCount.count > 0)
    )
    changed = exists().where(EquipmentEvent.item_id == EquipmentItem.id, EquipmentEvent.occurred_on.between(start, end))
    equipment = (
        select(literal("equipment"), EquipmentItem.id, no_day, EquipmentItem.description, EquipmentItem.category,
               EquipmentItem.condition, EquipmentItem.quantity)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .where(LibraryPoint.commune_id == commune_id, EquipmentItem.received_on.between(start, end) | changed)
    )
    training = (
        select(literal("training"), Attendance.id, no_day, Attendance.full_name, TrainingSession.title, no_text,
               cast(Attendance.present, Integer))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.commune_id == commune_id, TrainingSession.start_date.between(start, end))
    )
    out = {"points": {}, **{kind: {} for kind in CELL_KINDS}}
    for kind, ref, day, text1, text2, text3, number in db.session.execute(union_all(visits, equipment, training)):
        if kind == "visits":
            out["points"][str(ref)] = text1
            out["visits"][f"{ref}|{day.isoformat()}|{text2}|{text3}"] = int(number)
        elif kind == "equipment":
            out["equipment"][str(ref)] = {"description": text1, "category": text2, "quantity": int(number),
                                          "condition": text3}
        else:
            out["training"][str(ref)] = {"name": text1, "session": text2, "present": bool(number)}
    return out


# --- What the report page shows ------------------------------------------------------

def changes(report: PeriodReport | None, summary: dict) -> dict | None:
    """The report page's "Changes since the previous submission", or None when there
    is nothing to compare yet. A report sent again (submitted, or approved since)
    compares its last two submissions: what the approver must see is what the commune
    changed between them. One being corrected (returned) compares its last submission
    with the figures now, `summary` being the page's. One query for the snapshots, and
    one for the cells now when the report is being corrected."""
    if report is None or report.submitted_at is None:
        return None  # never submitted: no snapshot
    latest = db.session.scalars(select(ReportSnapshot).where(ReportSnapshot.report_id == report.id)
                                .order_by(ReportSnapshot.id.desc()).limit(2)).all()
    if report.status in (SUBMITTED, APPROVED):
        if len(latest) < 2:
            return None
        newer, older = latest
        return {"since": older.taken_at, "until": newer.taken_at, **diff(older.figures, newer.figures)}
    if not latest:
        return None  # submitted before snapshots were kept
    period = report.period
    now = contents(summary, report.commune_id, period.start, period.end)
    return {"since": latest[0].taken_at, "until": None, **diff(latest[0].figures, now)}


def diff(before: dict, after: dict) -> dict:
    """What changed from one snapshot to another: {"figures": [Change], "cells":
    {"visits" | "equipment" | "training": [Change]}, "changed": bool}. Labels are
    translated; a figure missing from a snapshot counts 0, a cell missing is None."""
    figures = _figure_changes(before.get("figures", {}), after.get("figures", {}))
    cells = {"visits": _visit_changes(before, after),
             "equipment": _record_changes(before.get("equipment", {}), after.get("equipment", {}), EQUIPMENT),
             "training": _record_changes(before.get("training", {}), after.get("training", {}), TRAINING)}
    return {"figures": figures, "cells": cells, "changed": bool(figures or any(cells.values()))}


# The figures in the order the report page shows them: (key, names of its parts or None for one number).
FIGURES = (("visits", None), ("by_service", SERVICES), ("by_group", GROUPS), ("received", CATEGORIES),
           ("events", EVENT_KINDS), ("sessions", None), ("trained", None))


def _figure_label(key: str, part: str | None) -> str:
    if key == "visits":
        return _("Reader visits")
    if key == "by_service":
        return f"{_('Reader visits')} · {SERVICES.get(part, part)}"
    if key == "by_group":
        return f"{_('Reader visits')} · {GROUPS.get(part, part)}"
    if key == "received":
        return f"{_('Received')}: {CATEGORIES.get(part, part)}"
    if key == "events":
        return f"{_('Equipment')} · {EVENT_KINDS.get(part, part)}"
    if key == "sessions":
        return _("Training sessions held in the commune")
    return _("People of the commune trained")


def _ordered(keys, names: dict) -> list:
    """Keys in the order of their names' table; unknown ones after, sorted."""
    order = list(names)
    return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))


def _figure_changes(before: dict, after: dict) -> list[Change]:
    out = []
    for key, names in FIGURES:
        if names is None:
            if before.get(key, 0) != after.get(key, 0):
                out.append(Change(_figure_label(key, None), before.get(key, 0), after.get(key, 0)))
            continue
        old, new = before.get(key, {}), after.get(key, {})
        for part in _ordered(set(old) | set(new), names):
            if old.get(part, 0) != new.get(part, 0):
                out.append(Change(_figure_label(key, part), old.get(part, 0), new.get(part, 0)))
    return out


def _visit_changes(before: dict, after: dict) -> list[Change]:
    """Changed visit cells, by point, day, service and group."""
    names = {**before.get("points", {}), **after.get("points", {})}
    old, new = before.get("visits", {}), after.get("visits", {})
    services, groups = list(SERVICES), list(GROUPS)

    def order(key):
        point, day, service, group = key.split("|")
        return (fold(names.get(point, "")), point, day, services.index(service) if service in services else 99,
                groups.index(group) if group in groups else 99)

    out = []
    for key in sorted((k for k in set(old) | set(new) if old.get(k) != new.get(k)), key=order):
        point, day, service, group = key.split("|")
        label = " · ".join((names.get(point, f"#{point}"), date.fromisoformat(day).strftime("%d/%m/%Y"),
                            str(SERVICES.get(service, service)), str(GROUPS.get(group, group))))
        out.append(Change(label, old.get(key), new.get(key)))
    return out


class Record(NamedTuple):
    """How one kind of record reads in the list of changes."""

    label: Callable[[dict], str]  # the record's label, from its values
    summary: Callable[[dict], str]  # the record in a few words, when it was added or removed
    fields: tuple  # (field, its label or None when the record's label says enough, how its value reads)


EQUIPMENT = Record(
    label=lambda r: r["description"],
    summary=lambda r: f"{CATEGORIES.get(r['category'], r['category'])} × {r['quantity']} · "
                      f"{CONDITIONS.get(r['condition'], r['condition'])}",
    fields=(("description", _l("Description"), str), ("category", _l("Category"), lambda v: str(CATEGORIES.get(v, v))),
            ("quantity", _l("Quantity"), int), ("condition", _l("Condition"), lambda v: str(CONDITIONS.get(v, v)))),
)
TRAINING = Record(
    label=lambda r: f"{r['name']} · {r['session']}",
    summary=lambda r: _("Present") if r["present"] else _("Absent"),
    fields=(("name", _l("Full name"), str), ("session", _l("Training"), str),
            ("present", None, lambda v: _("Present") if v else _("Absent"))),
)


def _record_changes(old: dict, new: dict, kind: Record) -> list[Change]:
    """Records added or removed (None on the missing side), and each changed field of the others."""
    out = []
    for key in set(old) | set(new):
        before, now = old.get(key), new.get(key)
        if before == now:
            continue
        label = kind.label(now or before)
        if before is None or now is None:
            out.append((label, key, Change(label, before and kind.summary(before), now and kind.summary(now))))
            continue
        for field, field_label, show in kind.fields:
            if before.get(field) != now.get(field):
                out.append((label, key, Change(f"{label} · {field_label}" if field_label else label,
                                               show(before.get(field)), show(now.get(field)))))
    return [change for _label, _key, change in sorted(out, key=lambda c: (fold(c[0]), c[1]))]
