"""The OpenAPI 3.1 document of /api/v1/: every route, its parameters, its answers and the error schema.

Kept by hand next to the routes; tests/test_api_schema.py checks that it names
every route of the blueprint, that it is a valid OpenAPI 3.1 document, and
lets schemathesis call each route with what the document allows.
"""
from app.equipment.models import CATEGORIES, CONDITIONS
from app.params import MAX_ID
from app.periods import FIRST_YEAR
from app.units.models import CHECKLIST
from app.visits.models import GROUPS, SERVICES

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
DATE = {"type": "string", "format": "date"}
COUNT = {"type": "integer", "minimum": 0}
MAX_OFFSET = 10**6  # app.api.routes reads it from here


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required=None, extra=False) -> dict:
    return {"type": "object", "properties": properties, "required": list(required or properties),
            "additionalProperties": extra}


def _counts(keys) -> dict:
    return _object(dict.fromkeys(keys, COUNT))


ERROR_CODES = ["invalid_token", "not_found", "rate_limited", "bad_period", "bad_request", "method_not_allowed",
               "error"]
TARGET_STATUS = {"type": ["string", "null"], "enum": ["met", "close", "missed", None]}
REPORT_STATUS = {"type": "string", "enum": ["draft", "submitted", "approved", "returned"]}

SCHEMAS = {
    "Error": _object({"error": _object({
        "code": {"type": "string", "enum": ERROR_CODES,
                 "description": "Stable: what a program tests. invalid_token (401), not_found (404: also an object "
                                "outside the token's scope), rate_limited (429, with Retry-After), bad_period and "
                                "bad_request (400)."},
        "message": {"type": "string", "description": "For people, in the language of the token's creator."},
    })}),
    "Unit": _object({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                     "kind": {"type": "string", "enum": ["province", "commune"]}, "parent_id": NULLABLE_INT}),
    "Point": _object({
        "id": {"type": "integer"}, "name": {"type": "string"}, "commune_id": {"type": "integer"},
        "address": {"type": "string"}, "model": {"type": "string"}, "active": {"type": "boolean"},
        "opened_on": NULLABLE_DATE, "checklist": _object(dict.fromkeys(CHECKLIST, NULLABLE_DATE))}),
    "Period": _object({"kind": {"type": "string", "enum": ["month", "quarter", "year"]}, "year": {"type": "integer"},
                       "number": {"type": "integer"}, "start": DATE, "end": DATE, "label": {"type": "string"}}),
    "Window": _object({"from": DATE, "to": DATE}, extra=False),
    "ServiceGroup": _object({service: _counts(GROUPS) for service in SERVICES}),
    "CategoryCondition": _object({category: _counts(CONDITIONS) for category in CATEGORIES}),
    "ByGroup": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": COUNT},
                "description": "Equipment by group of categories and condition: {group: {condition: quantity}}."},
    "Effective": _object({"points": COUNT, "effective": COUNT,
                          "failed": {"type": "object", "additionalProperties": COUNT,
                                     "description": "Points failing each criterion (computer, visits, reports)."}}),
    "ReportMonth": _object({"month": {"type": "integer", "minimum": 1, "maximum": 12}, "status": REPORT_STATUS,
                            "first_submitted_at": {"type": ["string", "null"], "format": "date-time"},
                            "due_on": NULLABLE_DATE}),
}
SCHEMAS["ReportState"] = _object({
    **dict.fromkeys(("expected", "submitted", "on_time", "late", "overdue", "approved", "returned"), COUNT),
    "status": {"type": ["string", "null"], "enum": ["draft", "submitted", "approved", "returned", None],
               "description": "The month's report, for a one-month period; null otherwise."},
    "reporting_from": {**NULLABLE_DATE, "description": "The commune's first expected month; null without an "
                                                       "active library point (no report expected)."},
    "months": {"type": "array", "items": _ref("ReportMonth")},
})


def _page(item: dict) -> dict:
    return _object({"items": {"type": "array", "items": item}, "count": COUNT,
                    "limit": {"type": "integer", "minimum": 1}, "offset": COUNT,
                    "next": {"type": ["string", "null"], "description": "The next page's link; null on the last."}})


SCHEMAS["UnitPage"] = _page(_ref("Unit"))
SCHEMAS["PointPage"] = _page(_ref("Point"))
SCHEMAS["ProvinceCommuneRow"] = _object({
    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
    "visits": COUNT, "last_year": COUNT, "growth_percent": NULLABLE_NUMBER, "target_status": TARGET_STATUS,
    "equipment": _object({"by_group": _ref("ByGroup"), "computers_in_use": COUNT, "computers_down": COUNT,
                          "computers_online": COUNT, "points_online": COUNT}),
    "effective_points": _ref("Effective"),
    "training": _object({"sessions": COUNT, "trained": COUNT}),
    "reports": _object({**dict.fromkeys(("expected", "submitted", "on_time", "late", "approved", "returned"), COUNT),
                        "status": {"type": ["string", "null"]}}),
})
SCHEMAS["ProvinceFigures"] = _object({
    "province": _ref("Unit"), "period": _ref("Period"), "window": _ref("Window"), "last_year_window": _ref("Window"),
    "as_of": DATE,
    "totals": {"type": "object", "description": "The dashboard's tiles: visits, growth against the target, "
                                                "equipment, training, reports."},
    "effective_points": _object({
        "criteria": _object({k: {"type": "boolean"} for k in ("computer", "visits", "reports")}),
        "points": COUNT, "effective": COUNT, "share_percent": NULLABLE_NUMBER,
        "band": {"type": ["string", "null"], "enum": ["below", "within", "above", None]},
        "target": _object({"min": {"type": "number"}, "max": {"type": "number"}})}),
    "communes": _page(_ref("ProvinceCommuneRow")),
})
SCHEMAS["ProvinceReports"] = _object({
    "province": _ref("Unit"), "period": _ref("Period"),
    "due_dates": {"type": "object", "additionalProperties": DATE, "description": "{month: due date}"},
    "communes": _page(_object({"commune": _object({"id": {"type": "integer"}, "code": {"type": "string"},
                                                   "name": {"type": "string"}}),
                               **SCHEMAS["ReportState"]["properties"]})),
})
SCHEMAS["CommuneFigures"] = _object({
    "commune": _ref("Unit"), "period": _ref("Period"), "window": _ref("Window"), "last_year_window": _ref("Window"),
    "as_of": DATE,
    "visits": _object({"total": COUNT, "last_year": COUNT, "growth_percent": NULLABLE_NUMBER,
                       "target_status": TARGET_STATUS, "by_service_group": _ref("ServiceGroup")}),
    "equipment": _object({"by_category": _ref("CategoryCondition"), "computers_in_use": COUNT,
                          "computers_down": COUNT, "computers_online": COUNT, "points_online": COUNT}),
    "training": _object({"sessions": COUNT, "trained": COUNT, "male": COUNT, "female": COUNT}),
    "reports": {"oneOf": [_ref("ReportState"), {"type": "null"}]},
    "effective_points": _ref("Effective"),
    "points": {"type": "array", "items": _object({
        "id": {"type": "integer"}, "name": {"type": "string"}, "active": {"type": "boolean"}, "visits": COUNT,
        "last_year": COUNT, "growth_percent": NULLABLE_NUMBER, "target_status": TARGET_STATUS,
        "effective_failed": {"type": ["array", "null"], "items": {"type": "string"},
                             "description": "Criteria the point failed; null for an inactive point."}})},
})
SCHEMAS["PointFigures"] = _object({
    "point": _ref("Point"), "period": _ref("Period"), "window": _ref("Window"), "last_year_window": _ref("Window"),
    "as_of": DATE,
    "visits": _object({"total": COUNT, "last_year": COUNT, "by_service_group": _ref("ServiceGroup")}),
    "equipment": _object({"by_category": _ref("CategoryCondition"), "computers_in_use": COUNT,
                          "computers_down": COUNT, "computers_online": COUNT}),
    "effective": _object({"counted": {"type": "boolean"}, "effective": {"type": "boolean"},
                          "failed": {"type": "array", "items": {"type": "string",
                                                                "enum": ["computer", "visits", "reports"]}}}),
})

PARAMETERS = {
    "id": {"name": "id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    "kind": {"name": "kind", "in": "query", "description": "The period's kind (default month).",
             "schema": {"type": "string", "enum": ["month", "quarter", "year"]}},
    "year": {"name": "year", "in": "query", "description": "The period's year, from 2000 to this year; without it, "
                                                           "the last ended period of the kind. A period that has not "
                                                           "begun is a bad_period.",
             "schema": {"type": "integer", "minimum": FIRST_YEAR}},
    "number": {"name": "number", "in": "query", "description": "The month (1–12) or the quarter (1–4); needed with "
                                                               "a year, for a month or a quarter.",
               "schema": {"type": "integer", "minimum": 1, "maximum": 12}},
    "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200,
                                                         "default": 50}},
    "offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
                                                           "default": 0}},
    "commune": {"name": "commune", "in": "query", "description": "Only this commune's points.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
}


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}
    if headers:
        answer["headers"] = headers
    return answer


RESPONSES = {
    "BadRequest": _error("A bad parameter: bad_period or bad_request."),
    "InvalidToken": _error("No token, or a token that is unknown, revoked or whose creator is deactivated.",
                           {"WWW-Authenticate": {"schema": {"type": "string"}}}),
    "NotFound": _error("No such object, or one outside the token's scope."),
    "RateLimited": _error("Too many calls with this token in the current window.",
                          {"Retry-After": {"description": "Seconds until the next window.",
                                           "schema": {"type": "integer", "minimum": 1}}}),
}

PERIOD = ["kind", "year", "number"]
PAGE = ["limit", "offset"]
# path → (operation id, summary, parameters, schema of the answer)
ROUTES = [
    ("/provinces", "provinces", "The token's province (a list of one).", PAGE, "UnitPage"),
    ("/provinces/{id}", "province", "A province.", ["id"], "Unit"),
    ("/provinces/{id}/figures", "province_figures",
     "The province dashboard for a period: totals, points operating effectively, a row per commune.",
     ["id", *PERIOD, *PAGE], "ProvinceFigures"),
    ("/provinces/{id}/reports", "province_reports",
     "Each commune's period reports of the months of the period that have ended.", ["id", *PERIOD, *PAGE],
     "ProvinceReports"),
    ("/communes", "communes", "The communes of the token's province.", PAGE, "UnitPage"),
    ("/communes/{id}", "commune", "A commune.", ["id"], "Unit"),
    ("/communes/{id}/figures", "commune_figures",
     "A commune's figures for a period: visits by service and reader group, equipment by category and condition, "
     "training, reports, points operating effectively.", ["id", *PERIOD], "CommuneFigures"),
    ("/points", "points", "The library points of the token's province.", ["commune", *PAGE], "PointPage"),
    ("/points/{id}", "point", "A library point.", ["id"], "Point"),
    ("/points/{id}/figures", "point_figures",
     "A library point's figures for a period: visits by service and reader group, equipment by category and "
     "condition, the effective-point criteria it failed.", ["id", *PERIOD], "PointFigures"),
]


def _operation(operation_id, summary, parameters, schema) -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}},
                 "401": {"$ref": "#/components/responses/InvalidToken"},
                 "429": {"$ref": "#/components/responses/RateLimited"},
                 "400": {"$ref": "#/components/responses/BadRequest"}}
    if "id" in parameters or "commune" in parameters:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"operationId": operation_id, "summary": summary, "tags": ["figures" if "figures" in operation_id
                                                                       or "reports" in operation_id else "units"],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
            "responses": responses}


def document() -> dict:
    paths = {path: {"get": _operation(*rest)} for path, *rest in ROUTES}
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document.", "security": [], "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sổ Thư viện API", "version": "1.0.0",
                 "description": "Read-only figures of a province's commune libraries. Send a token made on the "
                                "API tokens page as `Authorization: Bearer <token>`; a login cookie is not "
                                "accepted. A token reads what its creator may read, within its province. "
                                "Periods use ?kind=month|quarter|year&year=…&number=…; lists are paged with "
                                "limit and offset and give the next page's link."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES,
        },
    }
