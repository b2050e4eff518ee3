"""Several app servers on one database, and crashes in the middle of taps.

Two gunicorn instances (two workers each) on two ports share the test
database — one PostgreSQL database under `make test`, one SQLite file on the
SQLite run: taps sent to both at once all count, and a login lockout earned
half on one server and half on the other holds on both. Then, on SQLite,
workers and the master are killed with SIGKILL while taps are under way:
after a restart the file passes `PRAGMA integrity_check` and holds every
acknowledged tap.
"""
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.formatting import today_local
from app.visits.models import VisitCount
from tests.servers import Browser, Gunicorn

CLIENTS, TAPS = 8, 25  # per server


@pytest.fixture
def servers(app, world):
    started = []

    def start(n=1, workers=2):
        for _ in range(n):
            started.append(Gunicorn(app, workers=workers))
        return started[-n:]

    yield start
    for server in started:
        server.stop()


def cell_count(app, point_id, day):
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(VisitCount.count), 0)).where(
            VisitCount.point_id == point_id, VisitCount.day == day, VisitCount.service == "reading",
            VisitCount.reader_group == "children")) or 0


def tapper(base, world, day, taps, stop=None):
    """A librarian's phone: log in, then tap one cell `taps` times (or until
    `stop` is set). Returns (acknowledged, failed): a tap is acknowledged
    when the server answered it with the new count."""
    browser = Browser()
    status, _body = browser.log_in(base, world.librarian_a.name)
    assert status == 200
    acknowledged = failed = 0
    for _ in range(taps):
        if stop is not None and stop.is_set():
            break
        try:
            status, body, _headers = browser.post(
                f"{base}/points/{world.point_a.id}/tally", {"day": day.isoformat(), "cell": "reading:children"},
                headers={"HX-Request": "true"})
        except OSError:  # the connection died with its worker: the phone shows an error
            failed += 1
            time.sleep(0.05)
            continue
        if status == 200 and 'id="n-reading-children"' in body:
            acknowledged += 1
        else:
            failed += 1
    return acknowledged, failed


def test_two_servers_count_every_tap(app, world, servers):
    one, two = servers(2)
    day = today_local_day(app)
    with ThreadPoolExecutor(max_workers=2 * CLIENTS) as pool:
        futures = [pool.submit(tapper, server.url, world, day, TAPS) for server in (one, two) for _ in range(CLIENTS)]
        results = [f.result() for f in futures]
    acknowledged = sum(a for a, _f in results)
    assert acknowledged == 2 * CLIENTS * TAPS  # every tap answered …
    assert cell_count(app, world.point_a.id, day) == acknowledged  # … and counted exactly once


def test_a_lockout_earned_on_two_servers_holds_on_both(app, world, servers):
    one, two = servers(2)
    for server in (one, two, one, two, one):  # 5 failures for one account from one address, split 3 + 2
        status, body = Browser().log_in(server.url, world.librarian_b.name, "wrong password")
        assert status in (401, 422), status
    for server in (one, two):
        status, body = Browser().log_in(server.url, world.librarian_b.name)  # the right password
        assert status == 429, (server.url, status)
    # Another account from the same address still logs in on both.
    for server in (one, two):
        assert Browser().log_in(server.url, world.librarian_a.name)[0] == 200


def today_local_day(app) -> date:
    with app.test_request_context():
        return today_local()


def integrity(app) -> str:
    with app.app_context():
        return db.session.execute(text("PRAGMA integrity_check")).scalar()


@pytest.mark.parametrize("victim", ["worker", "master"])
def test_kill_9_in_the_middle_of_taps_loses_no_acknowledged_tap(app, world, servers, victim):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the crash test is about the SQLite file (PostgreSQL has its own WAL and recovery)")
    (server,) = servers(1)
    day = today_local_day(app)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(tapper, server.url, world, day, 10_000, stop) for _ in range(CLIENTS)]
        time.sleep(1.5)
        if victim == "worker":
            os.kill(server.worker_pids()[0], signal.SIGKILL)  # the master starts a new worker
            time.sleep(1.5)
        else:
            server.kill_master()
            server.start()  # the operator (or systemd) restarts it on the same port
            time.sleep(1.5)
        stop.set()
        results = [f.result() for f in futures]
    acknowledged = sum(a for a, _f in results)
    failed = sum(f for _a, f in results)
    assert acknowledged > 0 and integrity(app) == "ok"
    counted = cell_count(app, world.point_a.id, day)
    # Every acknowledged tap is in the file. A tap whose worker died after its commit
    # but before its answer is counted without being acknowledged: at most the failed ones.
    assert acknowledged <= counted <= acknowledged + failed, (acknowledged, counted, failed)
