"""Several app servers on one database, and crashes in the middle of taps.

Two gunicorn instances (two workers each) on two ports share the test
database — one PostgreSQL database under `make test`, one SQLite file on the
SQLite run: taps sent to both at once all count, and a login lockout earned
half on one server and half on the other holds on both. Then, on SQLite,
workers and the master are killed with SIGKILL while taps are under way:
after a restart the file passes `PRAGMA integrity_check` and holds every
acknowledged tap.

The crash test waits on what the phones report, never on time: the kill
comes once every phone has logged in and had a tap acknowledged, and the
test ends once every phone has had another tap acknowledged after it.
"""
import http.client
import os
import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.formatting import today_local
from app.visits.models import TapReceipt, VisitCount
from tests.servers import Browser, Gunicorn, wait_until

pytestmark = pytest.mark.servers  # left out of `make test-fast`
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


class Phones:
    """The librarians' phones of a test, as the test sees them: who has logged
    in, how many taps each had acknowledged, and the events the test waits on
    instead of time."""

    def __init__(self, n: int):
        self.changed = threading.Condition()
        self.logged_in = 0
        self.acknowledged = [0] * n
        self.failed = [0] * n
        self.errors: list[BaseException] = []
        self.stop = threading.Event()  # the test has seen enough: stop tapping
        self.server_up = threading.Event()  # cleared while the server is down, so phones wait instead of spinning
        self.server_up.set()

    def note(self, index=None, logged_in=False, acknowledged=False, failed=False, error=None):
        with self.changed:
            self.logged_in += logged_in
            if index is not None:
                self.acknowledged[index] += acknowledged
                self.failed[index] += failed
            if error is not None:
                self.errors.append(error)
            self.changed.notify_all()

    def wait_until(self, what: str, condition, timeout: float = 60):
        """Block until `condition()` holds (checked at every change); a phone that failed fails the test."""
        with self.changed:
            done = self.changed.wait_for(lambda: self.errors or condition(), timeout)
            if self.errors:
                raise self.errors[0]
            assert done, f"no {what} within {timeout} s: {self.logged_in} logged in, acknowledged {self.acknowledged}"

    def each_acknowledged_more_than(self, before: list[int]):
        return lambda: all(now > then for now, then in zip(self.acknowledged, before, strict=True))


def tapper(base, world, day, taps, phones=None, index=None):
    """A librarian's phone: log in, then tap one cell `taps` times (or until
    `phones.stop` is set). Returns (acknowledged, failed): a tap is
    acknowledged when the server answered it with the new count."""
    try:
        return _tap(base, world, day, taps, phones, index)
    except BaseException as error:
        if phones is not None:
            phones.note(error=error)  # the test stops waiting and fails with this error
        raise


# The phones log in one after another, then tap together: sixteen simultaneous logins to one
# account from one address are what the throttle counts before it checks a password
# (app/users/auth.py), and this file tests taps, not that.
LOGINS = threading.Lock()


def _tap(base, world, day, taps, phones, index):
    browser = Browser()
    with LOGINS:
        status, _body = browser.log_in(base, world.librarian_a.name)
    assert status == 200, f"login answered {status}"
    if phones is not None:
        phones.note(logged_in=True)
    acknowledged = failed = 0
    for _ in range(taps):
        if phones is not None and phones.stop.is_set():
            break
        try:
            status, body, _headers = browser.post(
                f"{base}/points/{world.point_a.id}/tally", {"day": day.isoformat(), "cell": "reading:children"},
                headers={"Accept": "application/json"})
        except (OSError, http.client.HTTPException):  # the connection died with its worker: the phone shows an error
            failed += 1
            if phones is not None:
                phones.note(index, failed=True)
                phones.server_up.wait(timeout=60)  # the librarian taps again once the server is back
            continue
        ok = status == 200 and '"count"' in body
        acknowledged += ok
        failed += not ok
        if phones is not None:
            phones.note(index, acknowledged=ok, failed=not ok)
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


def test_copies_of_one_tap_racing_on_two_servers_count_once(app, world, servers):
    """A phone that lost its answers sends the same tap again and again; the
    copies reach two servers at once (the proxy spreads them): the tap's
    receipt makes it count once, and every copy gets the same answer."""
    one, two = servers(2)
    day, tap_id = today_local_day(app), str(uuid.uuid4())
    browser = Browser()
    assert browser.log_in(one.url, world.librarian_a.name)[0] == 200  # the cookie serves both servers
    start = threading.Barrier(2 * CLIENTS)

    def send(server):
        start.wait(timeout=60)
        return browser.post(f"{server.url}/points/{world.point_a.id}/tally",
                            {"day": day.isoformat(), "cell": "reading:children", "tap": tap_id},
                            headers={"Accept": "application/json"})[:2]

    with ThreadPoolExecutor(max_workers=2 * CLIENTS) as pool:
        answers = list(pool.map(send, [one, two] * CLIENTS))
    assert {status for status, _body in answers} == {200}, answers[:3]
    assert len({body for _status, body in answers}) == 1  # the same count for every copy
    assert cell_count(app, world.point_a.id, day) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TapReceipt)) == 1


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
    phones = Phones(CLIENTS)
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(tapper, server.url, world, day, 10_000, phones, i) for i in range(CLIENTS)]
        try:
            # Every phone logged in, and every phone's taps being acknowledged: the crash
            # comes in the middle of taps, never in the middle of a login.
            phones.wait_until("logins", lambda: phones.logged_in == CLIENTS)
            phones.wait_until("first acknowledged taps", phones.each_acknowledged_more_than([0] * CLIENTS))
            before = list(phones.acknowledged)
            if victim == "worker":
                worker = server.worker_pids()[0]
                os.kill(worker, signal.SIGKILL)
                # The master starts a new worker.
                wait_until("a new worker", lambda: worker not in server.worker_pids()
                           and len(server.worker_pids()) == server.workers)
            else:
                phones.server_up.clear()
                server.kill_master()
                server.start()  # the operator (or systemd) restarts it on the same port
                phones.server_up.set()
            # Every phone tapped again with success after the crash.
            phones.wait_until("acknowledged taps after the crash", phones.each_acknowledged_more_than(before))
        finally:
            phones.stop.set()
            phones.server_up.set()
        results = [f.result() for f in futures]
    acknowledged = sum(a for a, _f in results)
    failed = sum(f for _a, f in results)
    assert acknowledged > 0 and integrity(app) == "ok"
    counted = cell_count(app, world.point_a.id, day)
    # Every acknowledged tap is in the file. A tap whose worker died after its commit
    # but before its answer is counted without being acknowledged: at most the failed ones.
    assert acknowledged <= counted <= acknowledged + failed, (acknowledged, counted, failed)
