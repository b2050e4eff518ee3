"""make bench (load): the app under gunicorn, with the settings of `make run`
(gunicorn.conf.py: 2 gthread workers) on the demo province in SQLite, and wrk on 127.0.0.1.

Prints `name value unit` lines and adds them to bench/results.json under "load":
  page_throughput_ratio   requests/s of the librarian's tally page ÷ a hello-world route of the same app
  tally_throughput_ratio  requests/s of the tally POST (a tap as app.js sends it) ÷ the same hello-world route
  p50_ms, p95_ms          latency of the tally POST at 20 concurrent connections
  worker_rss_mb_peak      the largest resident memory of one gunicorn worker while under load
  lost_increments         taps acknowledged with 200 minus taps counted in the database, after
                          20 clients × 50 taps on one cell (a fixed number, so nothing is in flight at the end)
"""
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from setup import ROOT, demo_app, save
from sqlalchemy import text

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
TAPS_PER_CLIENT = 50
LUA = """
wrk.method = os.getenv("WRK_METHOD") or "GET"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE")
if os.getenv("WRK_HX") == "true" then
  wrk.headers["HX-Request"] = "true"
end
if wrk.method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Accept"] = "application/json"
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


class Server:
    """gunicorn as `make run` starts it, with a hello-world route added to the same app."""

    def __init__(self, port: int, wsgi_app: str = "hello_wsgi:app", probe: str = "/bench-hello",
                 worker_class: str | None = None, **settings: str):
        """`settings`: environment variables for the app (config.py), e.g. PAGE_CACHE_BYTES="0"."""
        self.port = port
        env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'bench'}", **settings)
        # gunicorn's log goes to a file: a pipe nobody reads fills up and then blocks the server.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2",
             # gunicorn runs gthread whenever threads > 1 (gunicorn.conf.py sets 8), whatever the class
             *(["--worker-class", worker_class] if worker_class else []),
             *(["--threads", "1"] if worker_class == "sync" else []), wsgi_app],
            cwd=ROOT / "bench", env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(100):
            try:
                self.get(probe)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def get(self, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self):
        """Stop gunicorn: gracefully, then killed once its graceful timeout (30 s) has passed."""
        self.process.terminate()
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            problems = [line for line in log if "WORKER TIMEOUT" in line or "Error" in line or "Traceback" in line]
        if problems:  # shown, not kept: a worker that timed out or failed says why
            print("gunicorn said:", *problems[-10:], sep="\n  ", file=sys.stderr)
        os.unlink(self.log.name)


def log_in(server: Server, username: str, password: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a user logged in through the real form."""
    status, headers, body = server.get("/login")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf-token" content="([^"]+)"', body).group(1)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("POST", "/login", body=urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token}),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    assert response.status == 303, response.status
    # The session cookie (a login also sets the device cookie, which the bench does not need).
    cookie = next(value.split(";")[0] for name, value in response.getheaders()
                  if name == "Set-Cookie" and value.startswith("session="))
    _status, headers, body = server.get("/", {"Cookie": cookie})
    if "Set-Cookie" in headers:  # the session now holds the CSRF token of the page
        cookie = headers["Set-Cookie"].split(";")[0]
    return cookie, re.search(r'name="csrf-token" content="([^"]+)"', body).group(1)


def wrk(port: int, path: str, lua: Path, duration: str = DURATION, timeout: str = "2s",
        connections: int = CONNECTIONS, **env) -> dict:
    output = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}", f"--timeout={timeout}", "-s", str(lua),
         f"http://127.0.0.1:{port}{path}"],
        env=dict(os.environ, **env), capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests, non_2xx, socket_errors, p50, p95 = map(int, re.search(r"RESULT (.*)", output).group(1).split())
    return {"rps": rps, "requests": requests, "non_2xx": non_2xx, "socket_errors": socket_errors,
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000}


def settled(read, quiet: float = 1.0):
    """read() once it has stopped changing for `quiet` seconds."""
    value = read()
    while True:
        time.sleep(quiet)
        again = read()
        if again == value:
            return value
        value = again


def exact_taps(port: int, path: str, cookie: str, body: str) -> int:
    """CONNECTIONS clients × TAPS_PER_CLIENT taps, each on its own kept-alive
    connection; returns how many were acknowledged with 200."""
    acknowledged = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = 0
        for _ in range(TAPS_PER_CLIENT):
            # As app.js sends a tap: its own id (so each is a receipt too), JSON answered.
            connection.request("POST", path, body=f"{body}&tap={uuid.uuid4()}", headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
            response = connection.getresponse()
            ok += response.status == 200 and b'"count"' in response.read()
        acknowledged.append(ok)

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(acknowledged)


def main():
    subprocess.run([str(ROOT / "tools" / "ensure-debian-package.sh"), "wrk", "/usr/bin/wrk"], check=True)
    app = demo_app()
    from app.demo import DEMO_PASSWORD
    from app.extensions import db
    from app.formatting import today_local
    from app.users.models import User

    with app.test_request_context():
        today = today_local()
        point_id = db.session.scalar(db.select(User).where(User.username == "librarian1")).unit.points[0].id

    def cell_count():
        with app.app_context():
            return db.session.scalar(text(
                "SELECT COALESCE(SUM(count), 0) FROM visit_count WHERE point_id = :p AND day = :d "
                "AND service = 'computer' AND reader_group = 'elderly'"), {"p": point_id, "d": today})

    lua = Path(ROOT / "bench" / "results-wrk.lua")
    lua.write_text(LUA)
    server = Server(int(os.environ.get("BENCH_PORT", "8766")))
    peak_kb, sampling = [0], [True]

    def sample_rss():
        while sampling[0]:
            for pid in server.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    peak_kb[0] = max(peak_kb[0], int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
                except (OSError, AttributeError):
                    pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    try:
        cookie, token = log_in(server, "librarian1", DEMO_PASSWORD)
        tally_path = f"/points/{point_id}/tally"
        body = urllib.parse.urlencode({"csrf_token": token, "day": today.isoformat(), "cell": "computer:elderly"})
        hello_anonymous = wrk(server.port, "/bench-hello", lua, WRK_COOKIE="")
        # The baseline: the same cookie, so the session and the user are loaded as for the tally.
        hello = wrk(server.port, "/bench-hello", lua, WRK_COOKIE=cookie)
        page = wrk(server.port, tally_path, lua, WRK_COOKIE=cookie)
        taps = wrk(server.port, tally_path, lua, WRK_COOKIE=cookie, WRK_METHOD="POST", WRK_BODY=body)
        assert page["non_2xx"] == 0 and taps["non_2xx"] == 0, (page, taps)
        before = settled(cell_count)  # taps wrk left in flight are still being written
        acknowledged = exact_taps(server.port, tally_path, cookie, body)
        counted = cell_count() - before
    finally:
        sampling[0] = False
        sampler.join()
        server.stop()
        lua.unlink()
    results = {
        "hello_anonymous_rps": hello_anonymous["rps"], "hello_rps": hello["rps"], "tally_page_rps": page["rps"],
        "tally_post_rps": taps["rps"],
        "page_throughput_ratio": round(page["rps"] / hello["rps"], 2),
        "tally_throughput_ratio": round(taps["rps"] / hello["rps"], 2),
        "p50_ms": taps["p50_ms"], "p95_ms": taps["p95_ms"],
        "page_p50_ms": page["p50_ms"], "page_p95_ms": page["p95_ms"],
        "worker_rss_mb_peak": round(peak_kb[0] / 1024, 1),
        "taps_acknowledged": acknowledged, "taps_counted": counted, "lost_increments": acknowledged - counted,
        "connections": CONNECTIONS, "duration": DURATION, "workers": 2,
    }
    save("load", results)


if __name__ == "__main__":
    main()
