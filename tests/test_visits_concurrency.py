"""Taps from many phones at once are never lost: 20 clients tapping the same
cell 50 times each, against the app served on 127.0.0.1, end at exactly 1,000
(on SQLite and, under `make test`, on PostgreSQL)."""
import re
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.formatting import today_local
from app.visits.models import VisitCount
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
CLIENTS, TAPS = 20, 50


def _session(base, username):
    """A logged-in browser-like session: (opener, CSRF token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    token = CSRF.search(opener.open(f"{base}/login").read().decode()).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    page = opener.open(f"{base}/login", data=form).read().decode()  # follows the 303 to the home page
    return opener, CSRF.search(page).group(1)


def _tap_many(base, session, point_id, day):
    opener, token = session
    acknowledged = 0
    body = urllib.parse.urlencode({"day": day.isoformat(), "cell": "reading:children"}).encode()
    for _ in range(TAPS):
        request = urllib.request.Request(f"{base}/points/{point_id}/tally", data=body,
                                         headers={"Accept": "application/json", "X-CSRFToken": token})
        with opener.open(request) as response:
            if response.status == 200 and b'"count"' in response.read():
                acknowledged += 1
    return acknowledged


def test_concurrent_taps_on_one_cell_are_all_counted(app, world):
    with app.test_request_context():
        day = today_local()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        # Logged in one after another (the login throttle allows 5 attempts in
        # flight per account and address), then all tapping at once.
        sessions = [_session(base, world.librarian_a.name) for _ in range(CLIENTS)]
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            acknowledged = sum(pool.map(lambda s: _tap_many(base, s, world.point_a.id, day), sessions))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    with app.app_context():
        stored = db.session.scalar(select(VisitCount.count).where(
            VisitCount.point_id == world.point_a.id, VisitCount.day == day,
            VisitCount.service == "reading", VisitCount.reader_group == "children"))
    assert acknowledged == CLIENTS * TAPS
    assert stored == CLIENTS * TAPS
