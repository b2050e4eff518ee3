"""Every audit action and every changed field of every model, shown through the
catalog: no raw code, no JSON, on the audit viewer and on a record's history.

The actions and fields are read from the code (every `audit.record` call and the
field lists it snapshots), so a new action or field without a label fails here.
"""
import ast
import html as html_lib
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, select

from app.audit import describe
from app.audit.models import AuditEvent
from app.equipment.models import EquipmentItem
from app.extensions import db

APP = Path(__file__).resolve().parent.parent / "app"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
JSON_BITS = re.compile(r"[{}\[\]]|\"\w+\":")


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _is_record(call: ast.Call) -> bool:
    func = call.func
    return ((isinstance(func, ast.Attribute) and func.attr == "record" and isinstance(func.value, ast.Name)
             and func.value.id == "audit") or (isinstance(func, ast.Name) and func.id == "_record"))


def audited_in_code() -> tuple[set[str], set[str]]:
    """(actions, fields) of every audit.record call of the app."""
    actions, fields = set(), set()
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tuples = {}  # module-level NAME = ("field", …) and NAME = {"field": …}
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                value = node.value
                if isinstance(value, ast.Tuple):
                    tuples[node.targets[0].id] = _strings(value)
                elif isinstance(value, ast.Dict):
                    tuples[node.targets[0].id] = {k.value for k in value.keys if isinstance(k, ast.Constant)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _is_record(call) and call.args:
                actions |= _strings(call.args[0])
                for keyword in call.keywords:
                    if keyword.arg in ("before", "after") and isinstance(keyword.value, ast.Dict):
                        fields |= {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                    if keyword.arg is not None and isinstance(call.func, ast.Name):  # _record(…, note=…)
                        fields.add(keyword.arg)
            # the field lists snapshotted: audit.snapshot(obj, FIELDS) and edit(…, fields=…)
            if isinstance(call.func, ast.Attribute) and call.func.attr == "snapshot" and len(call.args) == 2:
                arg = call.args[1]
                fields |= tuples.get(arg.id, set()) if isinstance(arg, ast.Name) else _strings(arg)
            called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            for keyword in call.keywords if called == "edit" else ():
                if keyword.arg == "fields":
                    arg = keyword.value
                    fields |= tuples.get(arg.id, set()) if isinstance(arg, ast.Name) else _strings(arg)
        for node in ast.walk(tree):  # before = {**snapshot, "events": […]}
            if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ("before", "after") and isinstance(node.value, ast.Dict)):
                fields |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
        if path.name == "workflow.py":
            fields |= {"status", "period"}
    fields |= {"trainer_ids"}  # the training session's snapshot adds its trainers
    return actions, fields


ACTIONS, FIELDS = audited_in_code()


def test_the_code_audits_what_we_expect():
    """The walk over the code finds the actions and fields (a guard on the walk itself)."""
    assert {"create", "update", "login", "login_failed", "submit", "approve", "tally", "visits_set",
            "stocktake_complete", "update_standard", "throttle_lift"} <= ACTIONS
    assert {"condition", "category", "commune_id", "active", "role", "topic", "status", "due_on", "present",
            "internet_computer_on", "growth_target_min", "reporting_from", "item_ids"} <= FIELDS


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_has_a_label(action):
    assert action in describe.ACTIONS


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_every_field_has_a_label(field):
    assert field in describe.FIELDS


def _columns():
    """field name → (object type, column type) over every model."""
    out = {}
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if table.name not in describe.OBJECT_TYPES:
            continue
        for column in table.columns:
            out.setdefault(column.name, (table.name, column.type))
    return out


def samples(field, columns, ids):
    """(object type, before, after) for a field, with stored codes where the field holds codes."""
    object_type, kind = columns.get(field, ("library_point", None))
    if field in describe.CODES:
        codes = list(describe.CODES[field])
        return object_type, codes[0], codes[-1]
    if field == "kind":
        codes = list(describe.KIND_CODES["equipment_event"])
        return "equipment_event", codes[0], codes[-1]
    if field in describe.REFERENCES:
        return object_type, ids.get(field, 5), None
    if field == "events":
        return object_type, [{"kind": "repair", "cost": 450000, "occurred_on": "2026-03-04",
                              "new_condition": "in_use"}], None
    if field.endswith("_ids"):
        return object_type, [], [ids["point_id"], 7]
    if field == "key":
        return "login_throttle", "account:thuthu", "address:10.0.0.7"
    if isinstance(kind, Boolean) or field.startswith("effective_needs"):
        return object_type, False, True
    if isinstance(kind, DateTime) or field == "locked_until":
        return object_type, "2026-03-04T01:02:03+00:00", "2026-03-05T08:00:00+00:00"
    if isinstance(kind, Date) or field in ("day", "from", "to", "valid_from"):
        return object_type, "2026-03-04", "2026-03-05"
    if isinstance(kind, Float | Numeric):
        return object_type, 5.0, 7.5
    if isinstance(kind, Integer) or field in ("items", "rows", "attendees", "sessions", "failures", "locks"):
        return object_type, 12, 12500000
    return object_type, "Cũ", "Mới"


@pytest.fixture
def audited(app, world):
    """One event per action, one change per field, and a visit-grid and a standard change."""
    with app.app_context():
        item = EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính HP",
                             quantity=1, condition="broken")
        db.session.add(item)
        db.session.flush()
        ids = {"commune_id": world.commune_a.id, "unit_id": world.commune_a.id, "point_id": world.point_a.id,
               "item_id": item.id, "session_id": 999}
        columns = _columns()
        at = datetime(2026, 6, 10, 3, 0, tzinfo=timezone.utc)

        def add(action, object_type, before, after, username="kiemtra"):
            db.session.add(AuditEvent(action=action, object_type=object_type, object_id=item.id,
                                      unit_id=world.commune_a.id, username=username, created_at=at,
                                      before=json.dumps(before, ensure_ascii=False) if before else "",
                                      after=json.dumps(after, ensure_ascii=False) if after else ""))

        for action in sorted(ACTIONS):
            add(action, "equipment_item", {"condition": "broken"}, {"condition": "liquidated"}, "hanhdong")
        for field in sorted(FIELDS):
            object_type, before, after = samples(field, columns, ids)
            add("update", object_type, {field: before}, {field: after}, "truong")
        add("visits_set", "library_point", {"2026-03-04:reading:children": 3}, {"2026-03-04:reading:children": 5},
            "truong")
        add("update_standard", "standard_settings", {"model": "internet_access_point", "computer": "2"},
            {"model": "internet_access_point", "valid_from": "2026-06-10", "computer": "3, internet"}, "truong")
        add("delete", "equipment_item", {"condition": "in_use", "category": "printer"}, None, "truong")
        db.session.commit()
        return item.id


def _visible(html: str, start: str, end: str) -> str:
    part = html.split(start, 1)[1].split(end, 1)[0]
    text = re.sub(r"<[^>]+>", " ", part)
    return " ".join(html_lib.unescape(text).split())


def _assert_readable(text):
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert not JSON_BITS.findall(text), text[:500]
    for code in ACTIONS | FIELDS:
        if "_" in code:
            continue  # caught by SNAKE
        label = describe.action_label(code) if code in describe.ACTIONS else describe.field_label(code)
        assert label != code


def test_the_audit_viewer_shows_no_code_or_json(app, world, as_user, audited):
    client = as_user("admin")
    for user in ("hanhdong", "truong"):
        page, seen = 1, ""
        while True:
            html = client.get(f"/audit?user={user}&page={page}").get_data(as_text=True)
            seen += _visible(html, '<table class="list compact audit">', "</table>")
            if "page=%d" % (page + 1) not in html:
                break
            page += 1
        _assert_readable(seen)
        with app.test_request_context():
            if user == "hanhdong":
                for action in ACTIONS:
                    assert describe.action_label(action) in seen
            else:
                for field in FIELDS:
                    assert describe.field_label(field) in seen, field
                assert describe.value_text("condition", "liquidated") in seen
                assert describe.value_text("category", "printer") in seen


def test_an_items_history_shows_no_code_or_json(app, world, as_user, audited):
    html = as_user("province_staff_p").get(f"/equipment/{audited}").get_data(as_text=True)
    text = _visible(html, '<ol class="history">', "</ol>")
    _assert_readable(text)
    with app.test_request_context():
        assert "%s: %s → %s" % (describe.field_label("condition"), describe.value_text("condition", "broken"),
                                describe.value_text("condition", "liquidated")) in text
        assert describe.action_label("delete") in text


def test_values_in_vietnamese(app):
    """With the Vietnamese catalog: codes become words people use, dates and numbers Vietnamese."""
    with app.test_request_context():
        assert describe.value_text("condition", "broken") == "Hỏng"
        assert describe.value_text("active", True) == describe.value_text("present", True) != "True"
        assert describe.value_text("received_on", "2013-08-01") == "01/08/2013"
        assert describe.value_text("unit_value", 12500000) == "12.500.000 ₫"
        assert describe.value_text("birth_year", 1985) == "1985"
        assert describe.value_text("model", "internet_access_point") != "internet_access_point"
        assert describe.field_label("2026-03-04:reading:children").startswith("04/03/2026 · ")


def test_unknown_json_is_not_shown_raw(app):
    with app.test_request_context():
        event = AuditEvent(action="update", object_type="unit", before="not json", after="[1, 2]")
        assert describe.changes(event) == []


def test_csv_keeps_the_codes_in_their_own_columns(app, world, as_user, audited):
    text = as_user("admin").get("/audit/export.csv?user=hanhdong").get_data(as_text=True)
    lines = text.splitlines()
    header = lines[0].split(",")
    assert len(header) == 12
    with app.test_request_context():
        readable = describe.action_label("login_failed")
        change = "%s: %s → %s" % (describe.field_label("condition"), describe.value_text("condition", "broken"),
                                  describe.value_text("condition", "liquidated"))
    row = next(line for line in lines if ",login_failed," in line)
    assert readable in row and change in row and ",equipment_item," in row
    assert '"{""condition"": ""liquidated""}"' in row  # the stored JSON, as it is


# --- The filter by domain -------------------------------------------------------------------------

DOMAIN_EVENTS = [  # (action, object type, after, the domain it belongs to)
    ("create", "equipment_item", {"category": "chair"}, "equipment"),
    ("create", "equipment_event", {"kind": "repair"}, "equipment"),
    ("stocktake_start", "stock_take", None, "equipment"),
    ("update_standard", "standard_settings", {"model": "other"}, "equipment"),
    ("import", "library_point", {"file": "tb.xlsx", "items": 2, "item_ids": [1, 2]}, "equipment"),
    ("tally", "library_point", {"count": 1}, "visits"),
    ("tally_undo", "library_point", {"count": 0}, "visits"),
    ("follow_up", "library_point", {"state": "checked"}, "visits"),
    ("visits_set", "library_point", {"2026-03-04:reading:children": 5}, "visits"),
    ("import", "library_point", {"file": "lb.xlsx", "kind": "visits", "rows": 3}, "visits"),
    ("update", "unit", {"growth_target_min": 5.0, "growth_target_max": 7.0}, "visits"),
    ("create", "training_session", {"title": "Tập huấn"}, "training"),
    ("update", "attendance", {"present": False}, "training"),
    ("import", "training_session", {"source": "paste", "attendees": 3}, "training"),
    ("submit", "period_report", {"status": "submitted"}, "reports"),
    ("set_deadline", "period_deadline", {"due_on": "2026-07-05"}, "reports"),
    ("update", "unit", {"reporting_from": "2026-01-01"}, "reports"),
    ("create", "shared_resource", {"title": "Thư viện số"}, "resources"),
    ("update", "dhis2_mapping", {"file": "dhis2.xlsx", "cells": 20, "communes": 2}, "dhis2"),
    ("update", "library_point", {"name": "Điểm mới"}, "points"),
    ("deactivate", "library_point", {"active": False}, "points"),
    ("login", "user_account", None, "users"),
    ("login_failed", "", {"reason": "bad_credentials"}, "users"),
    ("throttle_lift", "", None, "users"),
]


def test_each_domain_finds_its_events_and_only_them(app, world, as_user):
    with app.app_context():
        for n, (action, object_type, after, _domain) in enumerate(DOMAIN_EVENTS):
            db.session.add(AuditEvent(action=action, object_type=object_type, object_id=1, username=f"u{n}x",
                                      unit_id=world.commune_a.id, after=json.dumps(after) if after else ""))
        db.session.commit()
    client = as_user("province_staff_p")
    for domain in describe.DOMAINS:
        html = client.get(f"/audit?kind={domain}").get_data(as_text=True)
        found = {n for n in range(len(DOMAIN_EVENTS)) if f">u{n}x<" in html}
        expected = {n for n, row in enumerate(DOMAIN_EVENTS) if row[3] == domain}
        assert found == expected, domain
        assert expected


def test_the_filters_kinds_are_listed_once_each(app, world, as_user):
    html = as_user("province_staff_p").get("/audit").get_data(as_text=True)
    select_html = html.split('name="kind"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select_html)
    assert len(labels) == len(set(labels)) == len(describe.DOMAINS) + 1


def test_every_object_type_of_the_trail_belongs_to_a_domain(app):
    """Each audited table is found by some domain of the filter."""
    with app.app_context():
        for object_type in describe.OBJECT_TYPES:
            db.session.add(AuditEvent(action="create", object_type=object_type, username="x"))
        db.session.commit()
        found = set()
        for key in describe.DOMAINS:
            found |= set(db.session.scalars(select(AuditEvent.object_type).where(describe.domain_condition(key))))
        assert found >= set(describe.OBJECT_TYPES) - {"unit"}
