"""Whole pages kept per session, under the generation of the data.

A page a user opens again — a reload, the back button, htmx fetching the same
list again, a province officer going back and forth between two tables, the
same export downloaded twice — is the same bytes as long as no data changed,
the day is the same and it is the same session. So the answer is kept, and
served again for what the hello route costs.

The generation: every transaction that wrote anything (any statement but a
read, from the ORM or not) sets a new random token in `data_generation`, in
the same transaction, just before it commits (watch()). The session's row
brings the token with it (app.users.auth.load_user, the same statement), read
before anything the page reads: a page is kept under a token that is never
newer than what it shows. A write anywhere starts every page afresh, on every
app server.

A page is kept under the app, the session (its id and its CSRF token, which
forms carry), the token, today's date, the URL (scheme, host, path, query string) and
the request headers a view reads (HX-*, Accept, Accept-Language) and the
compression the browser takes (Accept-Encoding). It is kept as it leaves,
compressed and with all its headers, and served as it was kept. Only a
200 answer to a GET is kept, whole (not streamed), and only when the view
changed nothing in the cookie session (a flash shown, a token made) and set no
cookie; none is served while the session holds a flash message. The API
(its user is its token's) and the health check are never kept.

What neither the token nor the date sees — an hour of the day, a change made
outside the app (psql, a restored file) — lives at most PAGE_CACHE_SECONDS.
Each process keeps the pages of one generation (the newest it saw), at most
MAX_PAGES of them and PAGE_CACHE_BYTES, each page's body, headers and key
counted (0: nothing is kept), the oldest dropped first.
"""
import secrets
import threading
from time import monotonic

from flask import Response, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.formatting import today_local

NEVER_KEPT = {"api", "health"}  # blueprints
_ENVIRON_HEADERS = {"HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING"}  # and every HX-* header


class DataGeneration(db.Model):
    """One row (id 1): a random token that changes with every commit that wrote anything."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


# --- The generation ---------------------------------------------------------------

_WROTE = "pagecache.wrote"  # in a connection's info: the transaction under way wrote something
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SHOW", "SET ", "EXPLAIN")
_NEW_TOKEN = text("INSERT INTO data_generation (id, token) VALUES (1, :token) "
                  "ON CONFLICT (id) DO UPDATE SET token = :token")


def _seen(conn, cursor, statement, parameters, context, executemany):
    if (not statement.lstrip()[:9].upper().startswith(_READS)
            and conn.get_execution_options().get("data_generation", True)):
        conn.info[_WROTE] = True


def _forget(conn):
    conn.info.pop(_WROTE, None)


def _before_commit(conn):
    if conn.info.pop(_WROTE, False):
        conn.execute(_NEW_TOKEN, {"token": secrets.randbits(62)})
        conn.info.pop(_WROTE, None)


def watch(engine) -> None:
    """A new token with every commit of `engine` that wrote (a statement other than a read);
    a transaction rolled back leaves it, and so does a connection with the execution option
    data_generation=False (migrations/env.py)."""
    if event.contains(engine, "after_cursor_execute", _seen):
        return
    event.listen(engine, "after_cursor_execute", _seen)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _before_commit)


# --- The pages --------------------------------------------------------------------

_pages: dict = {}  # key → (body, status, headers, kept at (monotonic seconds), bytes charged)
_state = {"generation": None, "bytes": 0}  # the generation the kept pages belong to; the bytes charged
_lock = threading.Lock()  # around every change of _pages and _state (gthread workers)
MAX_PAGES = 2048
OVERHEAD = 1024  # bytes charged per page besides its body, headers and key
MAX_KEY_CHARS = 2048  # a longer query string and headers: not kept
SKIPPED = ("HX-Location", "HX-Redirect", "HX-Refresh")  # htmx told to go elsewhere: nothing to keep


def clear() -> None:
    with _lock:
        _pages.clear()
        _state["bytes"] = 0


def _drop(key) -> None:
    """With _lock held."""
    kept = _pages.pop(key, None)
    if kept is not None:
        _state["bytes"] -= kept[4]


def _key():
    """Read from the WSGI environ (after ProxyFix) and each context local once: this runs on every
    logged-in GET, the logged-in hello route's too."""
    req = request._get_current_object()
    if req.method != "GET" or req.blueprint in NEVER_KEPT or req.endpoint in (None, "static"):
        return None
    user = current_user._get_current_object()
    generation = getattr(user, "data_generation", None)
    if generation is None or "_flashes" in session:
        return None
    environ = req.environ
    headers = tuple(sorted((name, value) for name, value in environ.items()
                           if name in _ENVIRON_HEADERS or name.startswith("HTTP_HX_")))
    query = environ.get("QUERY_STRING", "")
    if len(query) + sum(len(name) + len(value) for name, value in headers) > MAX_KEY_CHARS:
        return None
    return (current_app.extensions.setdefault("fragments", object()), user.session_id, session.get("csrf_token"),
            generation, today_local(), environ["wsgi.url_scheme"], environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""), query, headers)


def _serve():
    if not current_app.config["PAGE_CACHE_BYTES"]:
        return None
    key = _key()
    if key is None:
        return None
    if key[3] != _state["generation"]:  # something was written: what is kept is of no more use
        with _lock:
            _pages.clear()
            _state.update(generation=key[3], bytes=0)
    kept = _pages.get(key)
    if kept is not None:
        body, status, headers, at, _charged = kept
        if monotonic() - at <= current_app.config["PAGE_CACHE_SECONDS"]:
            return Response(body, status, headers)
        with _lock:
            _drop(key)
    g.page_key = key
    return None


def _keep(response):
    key = g.pop("page_key", None)
    if (key is None or response.status_code != 200 or response.is_streamed or response.direct_passthrough
            or session.modified or "Set-Cookie" in response.headers
            or any(name in response.headers for name in SKIPPED)):
        return response
    body = response.get_data()
    headers = list(response.headers.items())
    charged = (len(body) + sum(len(name) + len(value) for name, value in headers + list(key[-1]))
               + len(key[-3]) + len(key[-2]) + OVERHEAD)
    limit = current_app.config["PAGE_CACHE_BYTES"]
    if not body or charged > limit // 8:
        return response
    with _lock:
        if key[3] != _state["generation"]:  # written meanwhile
            return response
        _drop(key)
        while _pages and (_state["bytes"] + charged > limit or len(_pages) >= MAX_PAGES):
            _drop(next(iter(_pages)))  # the oldest
        _pages[key] = (body, response.status_code, headers, monotonic(), charged)
        _state["bytes"] += charged
    return response


def register(app) -> None:
    """Call last in create_app: a kept page is served after every other before_request hook (a
    must-change-password redirect wins), and a page is kept after every after_request hook
    (compressed, its headers set: the hooks pass a served page by, Flask-Compress because it is
    compressed already)."""
    with app.app_context():
        watch(db.engine)
    app.before_request(_serve)
    app.after_request_funcs.setdefault(None, []).insert(0, _keep)  # they run last to first
