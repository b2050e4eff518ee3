"""Session loading, the login redirect and failed-login throttling."""
from datetime import timedelta

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.sql import upsert_increment
from app.extensions import db, login_manager
from app.htmx import client_redirect, is_fragment_request
from app.models_base import utcnow
from app.users.models import LoginThrottle, User

login_manager.login_view = "users.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    """The session carries "id:token"; a rotated token (password changed, user
    deactivated) no longer matches, which ends every session of that user."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    from urllib.parse import urlsplit

    from flask import flash, redirect

    if is_fragment_request():
        current = request.htmx.current_url or request.full_path
        parts = urlsplit(current)
        next_path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client_redirect(url_for("users.login", next=next_path), status=401)
    if request.path != "/":  # the home page needs no explanation
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for("users.login", next=request.full_path.rstrip("?")), code=303)


def _keys(username: str, address: str) -> dict[str, int]:
    cfg = current_app.config
    return {
        f"account:{username.lower()}": cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        f"address:{address}": cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    }


def locked_minutes(username: str, address: str) -> int:
    """Minutes left on the longest lock covering this account or address (0: none)."""
    now = utcnow()
    rows = db.session.scalars(
        select(LoginThrottle).where(LoginThrottle.key.in_(list(_keys(username, address))))
    )
    remaining = [row.locked_until - now for row in rows if row.locked_until and row.locked_until > now]
    if not remaining:
        return 0
    return max(1, int(max(remaining).total_seconds() // 60) + 1)


def record_failure(username: str, address: str) -> None:
    """Count a failed login for the account and the address (an atomic upsert,
    so concurrent failures on several app servers all count) and lock a key
    that reached its limit within the window."""
    cfg = current_app.config
    now = utcnow()
    window = timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    for key, limit in _keys(username, address).items():
        # A counter whose window has passed starts again.
        db.session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.key == key,
                LoginThrottle.window_started_at < now - window,
                (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now),
            )
        )
        upsert_increment(LoginThrottle, {"key": key, "window_started_at": now}, "failures", ["key"])
        row = db.session.get(LoginThrottle, key, populate_existing=True)
        if row.failures >= limit and not (row.locked_until and row.locked_until > now):
            row.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
            row.failures = 0
            row.window_started_at = now


def clear_failures(username: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"account:{username.lower()}"))
