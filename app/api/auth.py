"""Who is calling the API: a bearer token, never a cookie.

Every API request (but the OpenAPI document) must carry `Authorization:
Bearer <token>`. A browser's login cookie authorises nothing here: the API
takes no cookies and so needs no CSRF token, and a page of this site cannot
make another site's browser read the API. The token acts as its creator
(scope, language), within the token's province; it stops working when revoked
or when its creator is deactivated.

Each call with a token costs two short writes: before the view, the rate-limit
counter with the last-used time (one UPDATE … RETURNING, atomic on SQLite and
PostgreSQL, committed at once); after it, one audit row with the path and the
status. Calls with no token shaped like ours are not audited (nothing names
who made them, and strangers could fill the trail).
"""
import time

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import case, select, update

from app.access import can, province_id_of
from app.api.models import ApiToken, public_id_of
from app.audit import models as audit
from app.extensions import db
from app.models_base import utcnow
from app.users.models import User

INVALID_TOKEN, NOT_FOUND, RATE_LIMITED, BAD_PERIOD, BAD_REQUEST = (
    "invalid_token", "not_found", "rate_limited", "bad_period", "bad_request")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def not_found():
    return ApiError(404, NOT_FOUND, _("No such object, or it is outside this token's scope."))


def _invalid(message: str):
    return ApiError(401, INVALID_TOKEN, message, {"WWW-Authenticate": 'Bearer realm="api"'})


def _presented() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate() -> None:
    """Find the request's token and count the call; raises ApiError (401, 429).
    Sets g.api_token and g.api_user (the creator, as current_user too, for the
    language of messages); nothing of the cookie's session is read."""
    from app.extensions import login_manager

    g._login_user = login_manager.anonymous_user()  # the cookie's user is never loaded
    presented = _presented()
    if presented is None:
        raise _invalid(_("Send the token in the header Authorization: Bearer <token>."))
    public_id = public_id_of(presented)
    token = db.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id)) if public_id else None
    if token is None or not token.matches(presented):
        g.api_refused = public_id
        raise _invalid(_("This token is not valid."))
    if token.revoked:
        g.api_refused = public_id
        raise _invalid(_("This token has been revoked."))
    creator = db.session.get(User, token.created_by_id)
    if creator is None or not creator.is_active:
        g.api_refused = public_id
        raise _invalid(_("The account that made this token is deactivated."))
    if not can(creator, "api.read"):  # e.g. a province officer who became a librarian: tokens read nothing
        g.api_refused = public_id
        raise _invalid(_("The account that made this token may no longer read through the API."))
    g.api_token, g.api_user = token, creator
    g._login_user = creator
    _count_call(token)


def _count_call(token: ApiToken) -> None:
    """One fixed window of API_RATE_WINDOW seconds per token, API_RATE_LIMIT calls in it."""
    window = current_app.config["API_RATE_WINDOW"]
    now = time.time()
    start = int(now // window * window)
    table = ApiToken.__table__
    calls = db.session.execute(
        update(table).where(table.c.id == token.id)
        .values(window_count=case((table.c.window_start == start, table.c.window_count + 1), else_=1),
                window_start=start, last_used_at=utcnow())
        .returning(table.c.window_count)).scalar_one()
    # Committed at once: the view's reads then hold no write lock (SQLite) nor the token's row (PostgreSQL),
    # so neither the app's other writes nor the token's other calls wait for them.
    db.session.commit()
    if calls > current_app.config["API_RATE_LIMIT"]:
        retry = max(1, int(start + window - now + 0.999))
        raise ApiError(429, RATE_LIMITED, _("Too many calls with this token. Try again in %(n)d seconds.", n=retry),
                       {"Retry-After": str(retry)})


def audit_call(response):
    """One audit row per call with a valid token (refused or not), or refused
    with a token that names one of ours."""
    token = g.get("api_token")
    refused = g.get("api_refused")
    try:
        if token is not None:
            audit.record("api_call", token, user=g.api_user, unit_id=token.province_id,
                         after={"path": request.full_path.rstrip("?")[:200], "answer": response.status_code})
        elif refused:
            audit.record("api_refused", username="", after={"path": request.full_path.rstrip("?")[:200],
                                                             "answer": response.status_code, "prefix": refused})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return response


def check(action: str, obj) -> None:
    """404 unless the token's creator may `action` on `obj` and `obj` lies in the token's province."""
    if obj is None or province_id_of(obj) != g.api_token.province_id or not can(g.api_user, action, obj):
        raise not_found()
