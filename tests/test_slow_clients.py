"""Slow clients do not stall the server, and no answer names the server.

gunicorn is started as `make run` starts it (tests/servers.py: the same
gunicorn.conf.py, two workers) on a new SQLite file migrated with
`flask db upgrade`. Three clients each start a POST that announces a 3 MB
body and send it a little at a time; while all three are still sending,
`/healthz` must answer. With 2 sync workers (`make run` before
gunicorn.conf.py) each slow body held a whole worker until gunicorn's 30 s
timeout killed it, and /healthz went unanswered that long.

The bound on /healthz is a liveness check (does it answer at all while the
bodies are open), not a speed measurement. The test waits on events (the
clients have sent their headers, the answer has come); the only timed thing
is the slow clients' own pace, which is what is under test.
"""
import http.client
import select
import socket
import threading
import time

import pytest

from tests.servers import Gunicorn, migrated_sqlite

pytestmark = pytest.mark.servers  # left out of `make test-fast`

SLOW_BODIES = 3
ANNOUNCED = 3 * 1024 * 1024  # under the app's 4 MB limit, so the app reads the body instead of refusing it
CHUNK = b"x" * 64
PACE = 0.5  # seconds between two chunks of a slow client
LIVENESS = 10  # seconds: generous; /healthz answers within milliseconds when it answers at all


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    gunicorn = Gunicorn(env=migrated_sqlite(tmp_path_factory.mktemp("slow-clients")))
    yield gunicorn
    gunicorn.stop()


class SlowBody:
    """A phone on a bad line: a POST /login on `sock` announcing ANNOUNCED
    bytes, of which it sends the headers and a first chunk at once, then one
    CHUNK every PACE seconds until closed. tests/test_deploy.py sends it
    through nginx over TLS."""

    ANNOUNCED = ANNOUNCED

    def __init__(self, sock: socket.socket, host: str):
        self.sock = sock
        self.sock.sendall(f"POST /login HTTP/1.1\r\nHost: {host}\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          f"Content-Length: {self.ANNOUNCED}\r\n\r\n".encode() + b"csrf_token=" + CHUNK)
        self.sent = len(b"csrf_token=" + CHUNK)
        self.error: OSError | None = None
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        while not self.closing.wait(PACE) and self.sent + len(CHUNK) < self.ANNOUNCED:
            try:
                self.sock.sendall(CHUNK)
            except OSError as error:  # the server (or the proxy) dropped the connection
                self.error = error
                return
            self.sent += len(CHUNK)

    def stop(self):
        self.closing.set()
        self.thread.join(timeout=10)

    def still_sending(self) -> bool:
        """Still connected, still short of its announced length, and not answered."""
        readable, _, _ = select.select([self.sock], [], [], 0)  # an answer or the server's close
        return self.error is None and not readable and self.sent < ANNOUNCED

    def close(self):
        self.stop()
        self.sock.close()


def get(server, path: str, headers: dict | None = None, timeout: float = LIVENESS):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def raw(server, request: bytes) -> tuple[int, list[str]]:
    """Send `request` as bytes and return the status and the header names of
    the answer: for requests gunicorn itself refuses before the app sees them."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=LIVENESS) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before a whole answer: {answer!r}"
            answer += chunk
    status_line, *lines = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), [line.partition(":")[0].strip().lower() for line in lines]


def test_healthz_answers_while_slow_bodies_are_open(server):
    slow = []
    try:
        for _ in range(SLOW_BODIES):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            slow.append(SlowBody(sock, f"127.0.0.1:{server.port}"))
        started = time.monotonic()
        try:
            status, body, headers = get(server, "/healthz")
        except TimeoutError:
            pytest.fail(f"/healthz did not answer within {LIVENESS} s while {SLOW_BODIES} slow bodies were open")
        print(f"/healthz answered in {time.monotonic() - started:.3f} s with {SLOW_BODIES} slow bodies open")
        assert (status, body) == (200, b"ok")
        assert "Server" not in headers
        assert all(client.still_sending() for client in slow), [(c.sent, c.error) for c in slow]
    finally:
        for client in slow:
            client.close()


def test_no_answer_names_the_server(server):
    for path in ("/healthz", "/login", "/no-such-page"):
        status, _body, headers = get(server, path)
        assert status in (200, 404), (path, status)
        assert "Server" not in headers, (path, headers["Server"])
    # gunicorn's own answers to requests it refuses before the app sees them.
    # They carry no Server header, but none of the app's security headers
    # either: the reverse proxy adds those (README, "Deploying").
    # A request line over any limit_request_line (gunicorn allows at most 8190),
    # and more header fields than gunicorn.conf.py's limit_request_fields (50).
    too_long_line = b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    too_many_fields = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n"
    for request, expected in ((too_long_line, 414), (too_many_fields, 431)):
        status, names = raw(server, request)
        assert status == expected, (expected, status, names)
        assert "server" not in names, (status, names)
