"""Session loading, the login redirect and failed-login throttling."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db, login_manager
from app.htmx import client_redirect, is_fragment_request
from app.models_base import UTCDateTime, utcnow
from app.sql import dialect_insert
from app.users.models import LoginThrottle, User, UserSession

login_manager.login_view = "users.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str):
    """The cookie carries only the id of a server-side session; a session that
    was ended (logout, password change, deactivation) no longer loads.

    The user's unit comes in the same statement: every page's header names it,
    and the access checks walk up to it (a librarian's commune is then found in
    the session, not read again for each object of that commune)."""
    user = db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.unit))
        .where(UserSession.id == session_id, User.active.is_(True))
    )
    if user is not None:
        user.session_id = session_id
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if is_fragment_request():
        current = request.htmx.current_url or request.full_path
        parts = urlsplit(current)
        next_path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client_redirect(url_for("users.login", next=next_path), status=401)
    if request.path != "/":  # the home page needs no explanation
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for("users.login", next=request.full_path.rstrip("?")), code=303)


# --- Throttling ----------------------------------------------------------------
#
# Every attempt is counted *before* the password is checked (an atomic upsert
# that returns the new count), so parallel guesses cannot slip past the limit.
# Three counters: the account from one address (a low limit: guessing), the
# account from anywhere (higher: distributed guessing) and the address over
# all accounts (highest: spraying one password over many accounts). A success
# clears the account's counters and takes itself back off the address's.

def _limits(username: str, address: str) -> dict[str, int]:
    cfg = current_app.config
    name = username.lower()[:40]
    return {
        f"pair:{name}|{address}": cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        f"account:{name}": cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        f"address:{address}": cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    }


def locked_minutes(keys) -> int:
    """Minutes left on the longest lock among `keys` (0: none)."""
    now = utcnow()
    locks = db.session.scalars(
        select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(list(keys)), LoginThrottle.locked_until > now)
    ).all()
    if not locks:
        return 0
    return int((max(locks) - now).total_seconds() // 60) + 1


def _count_attempt(key: str, now) -> int:
    cfg = current_app.config
    table = LoginThrottle.__table__
    now_value = literal(now, UTCDateTime())
    cutoff = literal(now - timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]), UTCDateTime())
    # A counter starts again when its window has passed or its lock has ended.
    restart = (table.c.window_started_at < cutoff) | (table.c.locked_until < now_value)
    stmt = dialect_insert(LoginThrottle).values(key=key, failures=1, window_started_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "failures": case((restart, 1), else_=table.c.failures + 1),
            "window_started_at": case((restart, now_value), else_=table.c.window_started_at),
            "locked_until": case((restart, None), else_=table.c.locked_until),
        },
    ).returning(table.c.failures)
    return db.session.execute(stmt).scalar_one()


def reserve_attempt(username: str, address: str) -> int:
    """Count an attempt for this account and address. Returns 0 when the
    password may be checked, else the minutes the caller must wait. Commits,
    so concurrent requests on any app server see the count at once."""
    limits = _limits(username, address)
    minutes = locked_minutes(limits)
    if minutes:
        return minutes
    now = utcnow()
    lock_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    refused = False
    for key, limit in limits.items():
        if _count_attempt(key, now) > limit:
            # The count is kept (not reset), so attempts already under way stay refused.
            db.session.execute(
                update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.locked_until.is_(None))
                .values(locked_until=lock_until)
            )
            refused = True
    db.session.commit()
    return current_app.config["LOGIN_LOCK_MINUTES"] if refused else 0


def attempt_succeeded(username: str, address: str) -> None:
    pair, account, addr = _limits(username, address)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([pair, account])))
    db.session.execute(
        update(LoginThrottle).where(LoginThrottle.key == addr, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )
