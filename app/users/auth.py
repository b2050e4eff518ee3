"""Session loading, the login redirect, device cookies and failed-login throttling."""
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from sqlalchemy import Boolean, case, delete, literal, or_, select, text, update

from app import models_base  # models_base.utcnow(), looked up at each call: tests freeze it
from app.extensions import db, login_manager
from app.htmx import client_redirect, is_fragment_request, wants_json
from app.models_base import UTCDateTime
from app.sql import dialect_insert, driver_row
from app.users.models import LoginThrottle, SessionUser, UserSession

login_manager.login_view = "users.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
# No address-and-browser identifier in the cookie: the session lives on the server (UserSession),
# where logging out, a password change or deactivation ends it, and the identifier only ever marked
# a session "not fresh", which no page asks. Leaving it out spares every request a SHA-512 and the
# cookie 150 bytes (no longer compressed).
login_manager.session_protection = None


# The session and its user in one indexed lookup (the session's primary key),
# as one row: building the ORM User with its unit cost more than the rest of
# a small request. The statement is made once per process.
_SESSION_USER = text("""
    SELECT s.created_at, u.id, u.username, u.full_name, u.role, u.unit_id, u.active, u.must_change_password,
           u.language, unit.name, CASE WHEN unit.kind = 'province' THEN unit.id ELSE unit.parent_id END,
           (SELECT token FROM data_generation WHERE id = 1)
    FROM user_session AS s JOIN user_account AS u ON u.id = s.user_id LEFT JOIN unit ON unit.id = u.unit_id
    WHERE s.id = :session_id AND u.active = :active
""")
_ROW_TYPES = {0: UTCDateTime(), 6: Boolean(), 7: Boolean()}


@login_manager.user_loader
def load_user(session_id: str):
    """The cookie carries only the id of a server-side session; a session that
    was ended (logout, password change, deactivation) no longer loads.

    The user comes as a SessionUser built from one row, with its unit's name
    and province (every page's header names it; the access checks compare
    provinces), in the same statement. Nothing is written.

    A session older than SESSION_MAX_AGE is refused and deleted, however
    busy it was: the idle limit (PERMANENT_SESSION_LIFETIME) alone would let
    a session in daily use, or a stolen cookie, live for ever."""
    # Straight to the driver: it is the only statement of most small requests. On a pooled
    # connection of its own, unless the pool pings the server at each checkout (PostgreSQL): then
    # on the request's, which the page's statements use too.
    pooled = not current_app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping", False)
    row = driver_row(_SESSION_USER, {"session_id": session_id, "active": True}, _ROW_TYPES, pooled=pooled)
    if row is None:
        return None
    started = row[0]
    if started <= models_base.utcnow() - timedelta(seconds=current_app.config["SESSION_MAX_AGE"]):
        # Loaded first thing in a request (the before_request hooks ask), so nothing else is pending.
        db.session.execute(delete(UserSession).where(UserSession.id == session_id))
        db.session.commit()
        return None
    return SessionUser(session_id, *row)


def session_ends_at(user):
    """When the user's current session ends at the latest (its absolute age)."""
    return user.session_started_at + timedelta(seconds=current_app.config["SESSION_MAX_AGE"])


def log_in(user) -> None:
    """A new cookie session for `user`, whose server-side session was just started: nothing from
    before the login is kept, and the cookie carries the session's id and the CSRF token only."""
    session.clear()
    login_user(user)
    session.pop("_id", None)
    session.pop("_fresh", None)


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():  # app.js keeps what it sent until the user has logged in again
        return {"error": "login", "message": str(login_manager.login_message)}, 401
    if is_fragment_request():
        current = request.htmx.current_url or request.full_path
        parts = urlsplit(current)
        next_path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client_redirect(url_for("users.login", next=next_path), status=401)
    if request.path != "/":  # the home page needs no explanation
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for("users.login", next=request.full_path.rstrip("?")), code=303)


# --- Device cookies -------------------------------------------------------------
#
# OWASP's "slow down online guessing with device cookies" (ASVS 5.0 V6.3): a
# successful login gives the browser a signed cookie naming the account and a
# random nonce. A browser that shows a valid one for the username it tries is a
# known device: its failures count against that device only, and no lock
# earned by other browsers (on the account or on the address) stops it. A
# shared commune computer keeps cookies for its last few accounts.

DEVICE_ENTRIES = 5  # accounts remembered per browser
_DEVICE_SALT = "login-device"


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def _device_entries() -> list[tuple[str, str]]:
    """(username, nonce) pairs of the request's device cookie; none when it
    is missing, forged or older than DEVICE_COOKIE_DAYS."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not value:
        return []
    try:
        entries = _device_serializer().loads(value, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except (BadData, ValueError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [(e[0], e[1]) for e in entries
            if isinstance(e, list) and len(e) == 2 and all(isinstance(v, str) for v in e)][:DEVICE_ENTRIES]


def known_device(username: str) -> str | None:
    """The nonce of this browser's device cookie for `username`, or None (an unknown device)."""
    name = username.lower()[:40]
    return next((nonce for entry_name, nonce in _device_entries() if entry_name == name), None)


def issue_device_cookie(response, username: str) -> None:
    """A new device nonce for `username` (after a successful login), first in
    the browser's list; the other accounts' entries are kept."""
    name = username.lower()[:40]
    entries = [[name, secrets.token_urlsafe(16)]]
    entries += [[n, nonce] for n, nonce in _device_entries() if n != name]
    cfg = current_app.config
    response.set_cookie(
        cfg["DEVICE_COOKIE_NAME"], _device_serializer().dumps(entries[:DEVICE_ENTRIES]),
        max_age=cfg["DEVICE_COOKIE_DAYS"] * 86400, httponly=True, samesite="Lax",
        secure=bool(cfg["DEVICE_COOKIE_SECURE"] or cfg["APP_ENV"] == "production"),
    )


# --- Throttling ----------------------------------------------------------------
#
# Every attempt is counted *before* the password is checked (an atomic upsert
# that returns the new count), so parallel guesses cannot slip past the limit.
#
# From a known device, one counter: that device (a low limit). From any other
# browser, three: the account from one address (low: guessing), the account
# from anywhere (higher: distributed guessing) and the address over all
# accounts (highest: spraying one password over many accounts). A username
# with no account counts only on keys of the address, so made-up names never
# lock a real account. Each lock of a key lasts twice as long as the one
# before (up to LOGIN_LOCK_MAX_MINUTES); a key with no lock for
# LOGIN_LOCK_RESET_HOURS starts again from LOGIN_LOCK_MINUTES.

def device_key(username: str, nonce: str) -> str:
    return f"device:{username.lower()[:40]}|{nonce[:40]}"


def _limits(username: str, address: str, device: str | None = None, account_exists: bool = True) -> dict[str, int]:
    cfg = current_app.config
    name = username.lower()[:40]
    if device:
        return {device_key(name, device): cfg["LOGIN_MAX_FAILURES_PER_DEVICE"]}
    limits = {f"pair:{name}|{address}": cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]}
    if account_exists:
        limits[f"account:{name}"] = cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    limits[f"address:{address}"] = cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return limits


def locked_minutes(keys) -> int:
    """Minutes left on the longest lock among `keys` (0: none)."""
    now = models_base.utcnow()
    locks = db.session.scalars(
        select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(list(keys)), LoginThrottle.locked_until > now)
    ).all()
    if not locks:
        return 0
    return int((max(locks) - now).total_seconds() // 60) + 1


def lock_length(locks_before: int) -> timedelta:
    """The length of a key's next lock: doubling with each lock, capped."""
    cfg = current_app.config
    minutes = cfg["LOGIN_LOCK_MINUTES"] * 2 ** min(locks_before, 20)
    return timedelta(minutes=min(minutes, cfg["LOGIN_LOCK_MAX_MINUTES"]))


def _count_attempt(key: str, limit: int, now) -> tuple[int, int]:
    """Count one attempt on `key`; returns (failures in the window, locks so far)."""
    cfg = current_app.config
    table = LoginThrottle.__table__
    now_value = literal(now, UTCDateTime())
    cutoff = literal(now - timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]), UTCDateTime())
    forgiven = literal(now - timedelta(hours=cfg["LOGIN_LOCK_RESET_HOURS"]), UTCDateTime())
    # A counter starts again when its window has passed or its lock has been
    # served (over the limit, and the lock has ended). The lock's end is kept,
    # so the next lock knows how many came before, until a day without one.
    restart = (table.c.window_started_at < cutoff) | (
        (table.c.failures > limit) & (table.c.locked_until <= now_value))
    stmt = dialect_insert(LoginThrottle).values(key=key, failures=1, window_started_at=now, locks=0)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "failures": case((restart, 1), else_=table.c.failures + 1),
            "window_started_at": case((restart, now_value), else_=table.c.window_started_at),
            "locks": case((restart & (table.c.locked_until < forgiven), 0), else_=table.c.locks),
        },
    ).returning(table.c.failures, table.c.locks)
    failures, locks = db.session.execute(stmt).one()
    return failures, locks


def reserve_attempt(username: str, address: str, device: str | None = None, account_exists: bool = True) -> int:
    """Count an attempt for this account from this device (a known device's
    nonce) or, from an unknown device, this address. Returns 0 when the
    password may be checked, else the minutes the caller must wait. Commits,
    so concurrent requests on any app server see the count at once."""
    limits = _limits(username, address, device, account_exists)
    minutes = locked_minutes(limits)
    if minutes:
        return minutes
    now = models_base.utcnow()
    refused = False
    for key, limit in limits.items():
        failures, locks = _count_attempt(key, limit, now)
        if failures > limit:
            # The count is kept (not reset), so attempts already under way stay refused;
            # only the first of parallel requests over the limit sets (and lengthens) the lock.
            db.session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key,
                       or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
                .values(locked_until=now + lock_length(locks), locks=LoginThrottle.locks + 1)
            )
            refused = True
    db.session.commit()
    return max(1, locked_minutes(limits)) if refused else 0


def attempt_succeeded(username: str, address: str, device: str | None = None) -> None:
    """A correct password: a known device's counter goes (it gets a new nonce);
    from an unknown device, the pair's counter goes, the account's failures
    start again (a lock history stays, so its next lock is still longer) and
    the address's count loses this attempt."""
    name = username.lower()[:40]
    if device:
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == device_key(name, device)))
        return
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"pair:{name}|{address}"))
    account = LoginThrottle.key == f"account:{name}"
    db.session.execute(delete(LoginThrottle).where(account, LoginThrottle.locks == 0))
    db.session.execute(update(LoginThrottle).where(account).values(failures=0))
    address_key = LoginThrottle.key == f"address:{address}"
    db.session.execute(delete(LoginThrottle).where(address_key, LoginThrottle.failures <= 1, LoginThrottle.locks == 0))
    db.session.execute(
        update(LoginThrottle).where(address_key, LoginThrottle.failures > 0).values(failures=LoginThrottle.failures - 1)
    )


def throttles() -> list[LoginThrottle]:
    """Keys locked now or with failures in their current window, locked ones
    first (longest lock first), for the administrators' page."""
    now = models_base.utcnow()
    cutoff = now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    locked = LoginThrottle.locked_until > now
    return db.session.scalars(
        select(LoginThrottle)
        .where(or_(locked, (LoginThrottle.failures > 0) & (LoginThrottle.window_started_at >= cutoff)))
        .order_by(case((locked, 0), else_=1), LoginThrottle.locked_until.desc().nulls_last(), LoginThrottle.key)
        .limit(500)
    ).all()


# --- The session cookie -----------------------------------------------------------


class IdleLimitCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie (a browser-session cookie), signed again
    when it is older than REFRESH_AFTER seconds.

    The signature carries the time it was made, and a cookie older than
    PERMANENT_SESSION_LIFETIME is refused: that is the idle limit. Flask signs a
    browser-session cookie again only when the session changes, so a librarian
    busy all day was logged out 12 hours after logging in; signing it on every
    response instead would cost every request a serialisation, an HMAC and a
    Set-Cookie header. Signed again every few minutes, a session lapses after
    12 hours idle (less at most REFRESH_AFTER seconds), however long it was used
    before. The absolute limit is the server-side session's (SESSION_MAX_AGE)."""

    REFRESH_AFTER = 300
    VERIFIED = 4096  # cookies whose signature was checked, kept per process

    def __init__(self):
        self._serializers = {}
        # (serializer, cookie) → (its data, when it was signed): a cookie seen before is not
        # decoded and its HMAC not checked again; only its age is, below. Kept only when every
        # value is a str, a number or None, so that no request can change what the next one gets.
        self._verified = {}

    def get_signing_serializer(self, app):
        """Flask's serializer, made once per secret key (Flask made one for every request)."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        now = serializer.make_signer().get_timestamp()  # the signer's own clock, the idle limit's
        known = self._verified.get((serializer, value))
        if known is None:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            known = (data, int(signed_at.timestamp()))
            if all(isinstance(v, (str, int, float, type(None))) for v in data.values()):
                if len(self._verified) >= self.VERIFIED:
                    self._verified.clear()
                self._verified[(serializer, value)] = known
        elif not 0 <= now - known[1] <= max_age:  # as serializer.loads refuses an expired cookie
            return self.session_class()
        session = self.session_class(known[0])  # a copy: the values are not shared
        session.refresh_due = now - known[1] >= self.REFRESH_AFTER
        return session

    def should_set_cookie(self, app, session) -> bool:
        return session.modified or getattr(session, "refresh_due", True)
