"""Audit events in the reader's language: the action, the object, and each
changed field with its before and after values, every one through the catalog.

The trail stores machine codes and JSON (`update`, `{"condition": "broken"}`);
people read "Đã sửa", "Tình trạng: Hỏng → Đã thanh lý". The CSV export keeps
the codes in columns of their own. A test walks every `audit.record` call of
the app and fails when an action or a field has no label here.
"""
import json
import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, not_, or_, select

from app.audit.models import AuditEvent
from app.equipment.models import CATEGORIES, CONDITIONS, EVENT_KINDS, FUNDING_SOURCES, OUTCOMES, EquipmentItem
from app.extensions import db
from app.formatting import fmt_date, fmt_datetime, fmt_number, fmt_vnd
from app.reports.models import STATES
from app.resources.models import KINDS as RESOURCE_KINDS
from app.training.models import GENDERS, TOPICS, TrainingSession
from app.units.models import CHECKLIST, POINT_MODELS, LibraryPoint, Unit
from app.users.models import ROLES, User
from app.visits.models import FLAG_STATES, GROUPS, SERVICES

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "activate": _l("Reactivated"),
    "deactivate": _l("Deactivated"),
    "restore": _l("Restored from liquidation"),
    "import": _l("Imported from a file"),
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "logout_others": _l("Logged out other devices"),
    "language": _l("Changed language"),
    "password_change": _l("Changed own password"),
    "password_change_failed": _l("Failed password change"),
    "password_reset": _l("Password reset by an administrator"),
    "throttle_lift": _l("Login limit lifted"),
    "submit": _l("Report submitted"),
    "approve": _l("Report approved"),
    "return": _l("Report returned"),
    "reopen": _l("Report reopened"),
    "set_deadline": _l("Due date set"),
    "update_standard": _l("Equipment standard changed"),
    "stocktake_start": _l("Stock-take started"),
    "stocktake_complete": _l("Stock-take completed"),
    "split": _l("Part of the lot split off"),
    "merge_rows": _l("Rows of a lot merged"),
    "tally": _l("Visit tallied"),
    "tally_undo": _l("Tally undone"),
    "visits_set": _l("Visit counts entered"),
    "follow_up": _l("Unusual value followed up"),
    "merge": _l("Communes merged"),
    "load_mapping": _l("Pre-2025 names mapped"),
    "propose_liquidation": _l("Liquidation proposed"),
    "withdraw_liquidation": _l("Liquidation proposal withdrawn"),
    "approve_liquidation": _l("Liquidation approved"),
    "refuse_liquidation": _l("Liquidation refused"),
    "record_minutes": _l("Liquidation minutes recorded"),
    "liquidate": _l("Liquidated"),
    "update_maintenance": _l("Maintenance intervals changed"),
    "api_token_create": _l("API token made"),
    "api_token_revoke": _l("API token revoked"),
    "api_call": _l("Read through the API"),
    "api_refused": _l("API call refused"),
}

OBJECT_TYPES = {
    "equipment_item": _l("Equipment item"),
    "equipment_event": _l("Equipment event"),
    "stock_take": _l("Stock-take"),
    "liquidation_proposal": _l("Liquidation proposal"),
    "liquidation_line": _l("Item of a liquidation proposal"),
    "standard_settings": _l("Equipment standard"),
    "library_point": _l("Library point"),
    "visit_count": _l("Reader visits"),
    "training_session": _l("Training session"),
    "attendance": _l("Attendee"),
    "period_report": _l("Period report"),
    "period_deadline": _l("Due date"),
    "shared_resource": _l("Shared resource"),
    "user_account": _l("User"),
    "login_throttle": _l("Login limit"),
    "unit": _l("Unit"),
    "dhis2_mapping": _l("DHIS2 mapping"),
    "api_token": _l("API token"),
}

FIELDS = {
    # equipment
    "point_id": _l("Library point"), "category": _l("Category"), "description": _l("Description"),
    "asset_code": _l("Asset code"), "quantity": _l("Quantity"), "condition": _l("Condition"),
    "internet_connected": _l("Connected to the internet"), "funding_source": _l("Funding source"),
    "received_on": _l("Received on"), "unit_value": _l("Unit value (VND)"), "notes": _l("Notes"),
    "item_id": _l("Item"), "kind": _l("Kind"), "occurred_on": _l("Date"), "cost": _l("Cost (VND)"),
    "old_condition": _l("Condition before"), "new_condition": _l("New condition"), "items": _l("Items"),
    "item_ids": _l("Item numbers"), "model": _l("Model"), "valid_from": _l("Valid from"),
    "events": _l("Its history"), "stock_take_id": _l("Stock-take"), "recorded_by_id": _l("Recorded by"),
    "evidence": _l("Condition of the items (evidence)"), "decision_number": _l("Decision number"),
    "decision_date": _l("Decision date"), "decision_issuer": _l("Issued by"),
    "minutes_date": _l("Date of the minutes"), "council": _l("Liquidation council (members)"),
    "proceeds": _l("Proceeds (VND)"),
    "maintenance_months": _l("Maintenance every (months)"), "wear_life": _l("Useful life per category (years)"),
    "outcome": _l("Finding"), "split_from_id": _l("Split from"), "split_off": _l("Split off as"),
    "split_quantity": _l("Quantity split off"), "merged_row": _l("Row merged into this one"), "id": _l("Number"),
    # library points and units
    "commune_id": _l("Commune"), "name": _l("Name"), "address": _l("Address"), "opened_on": _l("Opened on"),
    "active": _l("Active"), **CHECKLIST,
    "growth_target_min": _l("Growth target, lower bound (%)"),
    "growth_target_max": _l("Growth target, upper bound (%)"),
    "reporting_from": _l("Reports expected from"),
    "effective_needs_computer": _l("Effective: needs a working internet-connected computer"),
    "effective_needs_visits": _l("Effective: needs visits recorded every month"),
    "effective_needs_reports": _l("Effective: needs reports submitted"),
    "effective_target_min": _l("Effective points target, lower bound (%)"),
    "effective_target_max": _l("Effective points target, upper bound (%)"),
    "start_date": _l("Start date"), "deadline": _l("Deadline"),
    # visits
    "day": _l("Date"), "service": _l("Service"), "reader_group": _l("Reader group"), "count": _l("Count"),
    "value": _l("Value entered"), "state": _l("Follow-up"), "province_comment": _l("Province's comment"),
    "rows": _l("Rows"), "from": _l("From"), "to": _l("To"), "file": _l("File"), "source": _l("Entered by"),
    # training
    "title": _l("Title"), "topic": _l("Topic"), "organiser": _l("Organiser"), "end_date": _l("End date"),
    "venue": _l("Venue"), "trainer_names": _l("Trainers"), "trainer_ids": _l("Trainer accounts"),
    "audience": _l("Audience"), "session_id": _l("Training session"), "full_name": _l("Full name"),
    "gender": _l("Gender"), "birth_year": _l("Birth year"), "position": _l("Position"), "phone": _l("Phone"),
    "present": _l("Present"), "attendees": _l("Attendees"), "attendance_ids": _l("Attendee numbers"),
    # reports
    "status": _l("Status"), "period": _l("Period"), "note": _l("Note"), "comment": _l("Comment"),
    "reason": _l("Reason"), "due_on": _l("Due on"),
    # resources
    "link": _l("Link"),
    # the DHIS2 mapping
    "org_unit_scheme": _l("DHIS2 org units named by"), "data_set": _l("DHIS2 data set"),
    "attribute_option_combo": _l("DHIS2 attribute option combo"), "cells": _l("Visit cells mapped"),
    "communes": _l("Communes mapped"),
    # users and logins
    "username": _l("Username"), "email": _l("Email"), "role": _l("Role"), "unit_id": _l("Unit"),
    "language": _l("Language"), "sessions": _l("Sessions ended"), "key": _l("Limit on"),
    "valid_to": _l("Valid until"), "successor_id": _l("Merged into"), "merged": _l("Communes merged"),
    "moved_on": _l("Merger date"),
    # The library points a DHIS2 mapping names apart, or a merger moved: the action says which.
    "points": _l("Library points"), "users": _l("Users moved"),
    "path": _l("Address read"), "answer": _l("Answer (HTTP status)"), "prefix": _l("Token"),
    "failures": _l("Failed attempts"), "locks": _l("Pauses"), "locked_until": _l("Paused until"),
}

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}  # each in its own language, as the footer shows them
LOGIN_FAILURES = {"locked": _l("too many failed attempts"), "inactive": _l("account deactivated"),
                  "bad_credentials": _l("wrong username or password")}
IMPORT_SOURCES = {"file": _l("file"), "paste": _l("pasted list")}
THROTTLE_KEYS = {"account": _l("account"), "address": _l("address"), "pair": _l("account from an address"),
                 "device": _l("device")}
CODES = {  # field → labels of its stored codes
    "category": CATEGORIES, "condition": CONDITIONS, "old_condition": CONDITIONS, "new_condition": CONDITIONS,
    "funding_source": FUNDING_SOURCES, "model": POINT_MODELS, "service": SERVICES, "reader_group": GROUPS,
    "topic": TOPICS, "gender": GENDERS, "status": STATES, "role": ROLES, "language": LANGUAGES,
    "reason": LOGIN_FAILURES, "source": IMPORT_SOURCES, "state": FLAG_STATES, "outcome": OUTCOMES,
}
KIND_CODES = {"equipment_event": EVENT_KINDS, "shared_resource": RESOURCE_KINDS}
MONEY = {"unit_value", "cost", "proceeds"}
PERCENT = {"growth_target_min", "growth_target_max", "effective_target_min", "effective_target_max"}
PLAIN = {"birth_year", "phone", "asset_code", "answer", "path", "prefix"}  # shown as typed or as sent
REFERENCES = {"commune_id": Unit, "unit_id": Unit, "point_id": LibraryPoint, "item_id": EquipmentItem,
              "split_from_id": EquipmentItem, "split_off": EquipmentItem,
              "session_id": TrainingSession, "recorded_by_id": User, "successor_id": Unit}
ID_LISTS = {"item_ids", "attendance_ids"}
CELL = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\w+):(\w+)$")  # a visit cell of "visits_set": day:service:group
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# --- Domains of the viewer's filter -------------------------------------------------------------

_visits_import = and_(AuditEvent.object_type == "library_point", AuditEvent.action == "import",
                      AuditEvent.after.contains('"kind": "visits"'))
_visit_actions = and_(AuditEvent.object_type == "library_point",
                      AuditEvent.action.in_(("tally", "tally_undo", "visits_set", "follow_up")))
_equipment_import = and_(AuditEvent.object_type == "library_point", AuditEvent.action == "import",
                         AuditEvent.after.contains('"item_ids"'))
_growth_target = and_(AuditEvent.object_type == "unit", AuditEvent.after.contains('"growth_target_min"'))
_reporting_rules = and_(AuditEvent.object_type == "unit", AuditEvent.after.contains('"reporting_from"'))


def _types(*names):
    return AuditEvent.object_type.in_(names)


# key → (label, the condition on AuditEvent that picks its events). Visit counts are audited on their
# library point (one row per tap would be too many objects), so "visits" picks them by action.
DOMAINS = {
    "equipment": (_l("Equipment"), lambda: or_(_types("equipment_item", "equipment_event", "stock_take",
                                                       "standard_settings", "liquidation_proposal",
                                                       "liquidation_line"), _equipment_import)),
    "visits": (_l("Reader visits"), lambda: or_(_types("visit_count"), _visit_actions, _visits_import,
                                                _growth_target)),
    "training": (_l("Training"), lambda: _types("training_session", "attendance")),
    "reports": (_l("Period reports"), lambda: or_(_types("period_report", "period_deadline"), _reporting_rules)),
    "points": (_l("Library points"), lambda: and_(
        _types("library_point"), not_(or_(_visit_actions, _visits_import, _equipment_import)))),
    "resources": (_l("Shared resources"), lambda: _types("shared_resource")),
    "dhis2": (_l("DHIS2"), lambda: _types("dhis2_mapping")),
    "users": (_l("Users and logins"), lambda: or_(_types("user_account", "login_throttle", "api_token"),
                                                  AuditEvent.object_type == "")),
}


def domain_condition(key: str):
    """The SQL condition of a domain of the filter; None for an unknown key."""
    return DOMAINS[key][1]() if key in DOMAINS else None


# --- Labels and values ------------------------------------------------------------------------------

def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def object_label(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type)) if object_type else ""


def _loads(text: str):
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class Names:
    """Names of the records events refer to by id, loaded with one query per kind of record."""

    def __init__(self, events):
        wanted: dict[str, set] = {}

        def collect(payload: dict):
            for key, value in payload.items():
                model = REFERENCES.get(key)
                if model is not None and isinstance(value, int):
                    wanted.setdefault(model.__name__, set()).add(value)
                elif key == "trainer_ids" and isinstance(value, list):
                    wanted.setdefault("User", set()).update(v for v in value if isinstance(v, int))
                elif isinstance(value, list):  # the records deleted with this one (an item's events)
                    for row in value:
                        if isinstance(row, dict):
                            collect(row)

        for event in events:
            for payload in (_loads(event.before), _loads(event.after)):
                collect(payload or {})
        self.names: dict[tuple[str, int], str] = {}
        columns = {"Unit": (Unit, Unit.name), "LibraryPoint": (LibraryPoint, LibraryPoint.name),
                   "EquipmentItem": (EquipmentItem, EquipmentItem.description),
                   "TrainingSession": (TrainingSession, TrainingSession.title), "User": (User, User.full_name)}
        for name, ids in wanted.items():
            model, column = columns[name]
            for row_id, label in db.session.execute(select(model.id, column).where(model.id.in_(ids))):
                self.names[(name, row_id)] = label

    def of(self, model, value) -> str:
        return self.names.get((model.__name__, value)) or f"#{value}"


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, int | float):
        return fmt_number(value)
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    text = str(value)
    if ISO_DATE.match(text):
        return fmt_date(date.fromisoformat(text))
    if ISO_DATETIME.match(text):
        try:
            return fmt_datetime(datetime.fromisoformat(text))
        except ValueError:
            return text
    return text


def value_text(field: str, value, object_type: str = "", names: Names | None = None) -> str:
    """One stored value in the reader's language."""
    if value is None or value == "":
        return "—"
    if field in CODES and isinstance(value, str):
        return str(CODES[field].get(value, value))
    if field == "kind" and isinstance(value, str):
        if value == "visits":
            return str(_l("Reader visits"))
        return str(KIND_CODES.get(object_type, EVENT_KINDS).get(value, value))
    if field in MONEY and isinstance(value, int | float):
        return fmt_vnd(value)
    if field in PERCENT and isinstance(value, int | float):
        return f"{fmt_number(value)} %"
    if field in PLAIN:
        return str(value)
    if field in REFERENCES and isinstance(value, int):
        return names.of(REFERENCES[field], value) if names else f"#{value}"
    if field == "trainer_ids" and isinstance(value, list):
        return ", ".join(names.of(User, v) if names else f"#{v}" for v in value) or "—"
    if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        # records kept with a deletion (an item's events, a session's attendees): one bracket each
        return " ".join("(" + "; ".join(f"{field_label(k)}: {value_text(k, v, object_type, names)}"
                                        for k, v in row.items() if v not in (None, "", []))
                        + ")" for row in value)
    if field in ID_LISTS and isinstance(value, list):
        shown = ", ".join(f"#{v}" for v in value[:10])
        return (shown + (", …" if len(value) > 10 else "")) or "—"
    if field == "key" and isinstance(value, str) and ":" in value:
        kind, subject = value.split(":", 1)
        return f"{THROTTLE_KEYS[kind]} {subject}" if kind in THROTTLE_KEYS else value
    if field in CATEGORIES and isinstance(value, str):  # a line of the equipment standard: "3" or "3, internet"
        quantity, _sep, internet = value.partition(",")
        return quantity.strip() + (f", {_l('connected to the internet')}" if internet.strip() else "")
    return _text(value)


def field_label(field: str) -> str:
    """A field's label; a visit cell of "visits_set" as "05/01/2026 · Reading on site · Children"."""
    if field in FIELDS:
        return str(FIELDS[field])
    if field in CATEGORIES:  # the equipment standard keeps one line per category
        return str(CATEGORIES[field])
    cell = CELL.match(field)
    if cell:
        day, service, group = cell.groups()
        return " · ".join((fmt_date(date.fromisoformat(day)), str(SERVICES.get(service, service)),
                           str(GROUPS.get(group, group))))
    return field


def changes(event: AuditEvent, names: Names | None = None) -> list[tuple[str, str | None, str]]:
    """(label, before or None, after) of what an event changed, in the reader's
    language. Every field of "after" that differs from "before" (all of them for
    a creation); for a deletion, which keeps only "before", its fields."""
    before, after = _loads(event.before), _loads(event.after)
    if before is None or after is None:
        return []
    kind = event.object_type

    def shown(field, value):
        return value_text(field, value, kind, names)

    if not after:
        return [(field_label(k), None, shown(k, v)) for k, v in before.items()]
    if not before:  # a creation or a step: what it holds, without the empty fields
        return [(field_label(k), None, shown(k, v)) for k, v in after.items() if v not in (None, "", [])]
    return [(field_label(k), shown(k, before[k]) if k in before else None, shown(k, v))
            for k, v in after.items() if before.get(k) != v]


def changes_text(event: AuditEvent, names: Names | None = None) -> str:
    """The changes as one line (the CSV export's readable column)."""
    return "; ".join(f"{label}: {b} → {a}" if b is not None else f"{label}: {a}"
                     for label, b, a in changes(event, names))


def described(events) -> list[tuple[AuditEvent, str, str, list]]:
    """(event, action label, object label, changes) of each event, names loaded once for all."""
    events = list(events)
    names = Names(events)
    return [(e, action_label(e.action), object_label(e.object_type), changes(e, names)) for e in events]
