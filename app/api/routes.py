"""The read-only JSON API, /api/v1/ (see app.api.auth for who may call it, app.api.openapi for its document).

Every route reads through the pages' own queries (app.api.queries) and answers
JSON; an error is {"error": {"code", "message"}} with a stable code. An object
that does not exist, or lies outside the token's scope, is 404 alike.
"""
from functools import wraps

from flask import current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app import params, periods
from app.access import public
from app.api import auth, bp, serializers
from app.api import queries as api_queries
from app.api.auth import BAD_PERIOD, BAD_REQUEST, ApiError, check
from app.api.openapi import MAX_OFFSET
from app.extensions import db
from app.formatting import today_local
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit

MAX_LIMIT, DEFAULT_LIMIT = 200, 50
HTTP_CODES = {400: BAD_REQUEST, 401: auth.INVALID_TOKEN, 404: auth.NOT_FOUND, 405: "method_not_allowed",
              429: auth.RATE_LIMITED}


@bp.before_request
def _authenticate():
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "access_public", False):
        return None
    auth.authenticate()
    return None


bp.after_request(auth.audit_call)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return auth.error_response(error.status, error.code, error.message, error.headers)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return auth.error_response(error.code or 500, HTTP_CODES.get(error.code, "error"), error.description or "")


def reads(view):
    """An API route: a valid token is required (checked for the whole blueprint); objects are checked against
    the creator's `api.read` and the token's province by the view (app.api.auth.check)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.access_action = "api.read"
    return wrapped


def _load(model, key, kind=None):
    obj = db.session.get(model, key) if params.is_row_id(key) else None
    if obj is None or (kind is not None and obj.kind != kind):
        raise auth.not_found()
    check("api.read", obj)
    return obj


def _whole_arg(name: str, low: int, high: int, default):
    value = request.args.get(name)
    if value is None:
        return default
    number = params.whole(value, low, high)
    if number is None:
        raise ApiError(400, BAD_REQUEST, _("%(name)s must be a whole number from %(low)d to %(high)d.",
                                           name=name, low=low, high=high))
    return number


def _paged(rows_or_query, serialize, total=None):
    """{"items", "count", "limit", "offset", "next"}: a list in pages of `limit` from `offset`; `next` is the
    link to the following page, null on the last."""
    limit = _whole_arg("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
    offset = _whole_arg("offset", 0, MAX_OFFSET, 0)
    if isinstance(rows_or_query, list):
        total, rows = len(rows_or_query), rows_or_query[offset:offset + limit]
    else:
        rows, total = api_queries.page(rows_or_query, limit, offset)
    following = None
    if offset + limit < total:
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = url_for(request.endpoint, **(request.view_args or {}), **args)
    return {"items": [serialize(row) for row in rows], "count": total, "limit": limit, "offset": offset,
            "next": following}


def _period():
    """The period asked for (?kind=month|quarter|year&year=…&number=…, the pages' vocabulary), strictly: a
    value the pages would quietly replace is a 400 "bad_period" here. None given: the last ended month."""
    today = today_local()
    kind = request.args.get("kind", periods.MONTH)
    year, number = request.args.get("year"), request.args.get("number")
    if kind not in (periods.MONTH, periods.QUARTER, periods.YEAR):
        raise ApiError(400, BAD_PERIOD, _("kind must be month, quarter or year."))
    if year is None:
        if number is not None:
            raise ApiError(400, BAD_PERIOD, _("A period's number needs its year."))
        return periods.last_ended(kind, today)
    if kind != periods.YEAR and number is None:
        raise ApiError(400, BAD_PERIOD, _("A month or a quarter needs its number."))
    year_value = params.whole(year, 0, 10**6)
    number_value = 1 if kind == periods.YEAR and number is None else params.whole(number, 0, 10**6)
    period = None
    if year_value is not None and number_value is not None:
        period = periods.checked(periods.Period(kind, year_value, number_value), today)
    if period is None or period.start >= today:
        raise ApiError(400, BAD_PERIOD, _("No such period, or it has not begun: years from %(first)d to this "
                                          "year, months 1 to 12, quarters 1 to 4.", first=periods.FIRST_YEAR))
    return period


# --- Units ---------------------------------------------------------------------------------------

@bp.get("/provinces")
@reads
def provinces():
    province = db.session.get(Unit, g.api_token.province_id)
    shown = [province] if province is not None and auth.can(g.api_user, "api.read", province) else []
    return jsonify(_paged(shown, serializers.unit))


@bp.get("/provinces/<int:id>")
@reads
def province(id):
    return jsonify(serializers.unit(_load(Unit, id, PROVINCE)))


@bp.get("/communes")
@reads
def communes():
    return jsonify(_paged(api_queries.communes(g.api_user, g.api_token.province_id), serializers.unit))


@bp.get("/communes/<int:id>")
@reads
def commune(id):
    return jsonify(serializers.unit(_load(Unit, id, COMMUNE)))


@bp.get("/points")
@reads
def points():
    commune_id = None
    if "commune" in request.args:
        commune_id = _load(Unit, params.row_id(request.args["commune"]), COMMUNE).id
    return jsonify(_paged(api_queries.points(g.api_user, g.api_token.province_id, commune_id), serializers.point))


@bp.get("/points/<int:id>")
@reads
def point(id):
    return jsonify(serializers.point(_load(LibraryPoint, id)))


# --- Figures -------------------------------------------------------------------------------------

@bp.get("/provinces/<int:id>/figures")
@reads
def province_figures(id):
    """The province dashboard for a period: totals, points operating effectively, and a row per commune."""
    province = _load(Unit, id, PROVINCE)
    period = _period()
    rollup = api_queries.province_figures(province, period, today_local())
    totals, effective = rollup["totals"], rollup["effective"]
    body = {
        "province": serializers.unit(province), "period": serializers.period(period),
        "window": serializers.window(rollup["current"]), "last_year_window": serializers.window(rollup["previous"]),
        "as_of": rollup["as_of"].isoformat(),
        "totals": {
            "visits": totals["visits"], "last_year": totals["last_year"],
            "growth_percent": serializers.growth(totals["growth"]), "target_status": totals["standing"],
            "growth_target": {"min": province.growth_target_min, "max": province.growth_target_max},
            "left_out_of_growth": totals["left_out"],
            "equipment": {"by_group": totals["by_group"], "computers_in_use": totals["computers"],
                          "computers_down": totals["computers_down"], "computers_online": totals["online"],
                          "points_online": totals["points_online"], "liquidated": totals["liquidated"],
                          "costs": totals["costs"]},
            "training": {"sessions": totals["sessions"], "trained": totals["trained"],
                         "trained_this_year": totals["trained_year"]},
            "reports": {k: totals[k] for k in ("expected", "submitted", "on_time", "late", "approved")},
        },
        "effective_points": {
            "criteria": {"computer": province.effective_needs_computer, "visits": province.effective_needs_visits,
                         "reports": province.effective_needs_reports},
            "points": effective["total"], "effective": effective["effective"],
            "share_percent": serializers.growth(effective["share"]), "band": effective["band"],
            "target": {"min": province.effective_target_min, "max": province.effective_target_max},
        },
        "communes": _paged(rollup["rows"], lambda row: serializers.province_row(row, rollup["deadlines"])),
    }
    return jsonify(body)


@bp.get("/provinces/<int:id>/reports")
@reads
def province_reports(id):
    """Each commune's period reports of the months of the period that have ended."""
    province = _load(Unit, id, PROVINCE)
    period = _period()
    states, deadlines = api_queries.report_states(province, period, today_local())
    rows = sorted(({"id": key, **state} for key, state in states.items()), key=lambda s: (s["code"], s["id"]))

    def row(state):
        return {"commune": {"id": state["id"], "code": state["code"], "name": state["name"]},
                **serializers.report_state(state, deadlines)}

    return jsonify({"province": serializers.unit(province), "period": serializers.period(period),
                    "due_dates": {str(month): due.isoformat() for month, due in sorted(deadlines.items())},
                    "communes": _paged(rows, row)})


@bp.get("/communes/<int:id>/figures")
@reads
def commune_figures(id):
    """A commune's figures for a period: visits by service and reader group, the register by category and
    condition on the period's last day, training, reports, points operating effectively, and its points."""
    commune = _load(Unit, id, COMMUNE)
    period = _period()
    figures = api_queries.commune_figures(commune, period, today_local())
    detail, register = figures["detail"], figures["register"] or {}
    return jsonify({
        "commune": serializers.unit(commune), "period": serializers.period(period),
        "window": serializers.window(detail["current"]), "last_year_window": serializers.window(detail["previous"]),
        "as_of": figures["as_of"].isoformat(),
        "visits": {"total": detail["totals"]["visits"], "last_year": detail["totals"]["last_year"],
                   "growth_percent": serializers.growth(detail["totals"]["growth"]),
                   "target_status": detail["totals"]["standing"],
                   "by_service_group": serializers.service_group(detail["breakdown"])},
        "equipment": {"by_category": serializers.category_condition(figures["by_category"]),
                      "computers_in_use": register.get("computers", 0),
                      "computers_down": register.get("computers_down", 0),
                      "computers_online": register.get("online", 0),
                      "points_online": register.get("points_online", 0)},
        "training": {"sessions": figures["sessions"], **figures["trained"]},
        "reports": serializers.report_state(figures["report"], figures["deadlines"]),
        "effective_points": serializers.effective(figures["effective"]),
        "points": [{"id": row["point"].id, "name": row["point"].name, "active": row["point"].active,
                    "visits": row["visits"], "last_year": row["last_year"],
                    "growth_percent": serializers.growth(row["growth"]), "target_status": row["status"],
                    "effective_failed": figures["effective_points"].get(row["point"].id)}
                   for row in detail["points"]],
    })


@bp.get("/points/<int:id>/figures")
@reads
def point_figures(id):
    """A library point's figures for a period: visits by service and reader group, its register by category and
    condition on the period's last day, and the effective-point criteria it failed."""
    library_point = _load(LibraryPoint, id)
    period = _period()
    figures = api_queries.point_figures(library_point, period, today_local())
    standing = figures["standing"] or {"by_category": {}, "computers": 0, "computers_down": 0, "online": 0}
    return jsonify({
        "point": serializers.point(library_point), "period": serializers.period(period),
        "window": serializers.window(figures["current"]), "last_year_window": serializers.window(figures["previous"]),
        "as_of": figures["as_of"].isoformat(),
        "visits": {"total": figures["visits"], "last_year": figures["last_year"],
                   "by_service_group": serializers.service_group(figures["breakdown"])},
        "equipment": {"by_category": serializers.category_condition(standing["by_category"]),
                      "computers_in_use": standing["computers"], "computers_down": standing["computers_down"],
                      "computers_online": standing["online"]},
        "effective": {"counted": figures["failed"] is not None, "effective": figures["failed"] == [],
                      "failed": figures["failed"] or []},
    })


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of this API (public: it holds no data)."""
    from app.api.openapi import document

    return jsonify(document())
