"""make bench (page cost): every kind of page the demo roles reach, served by
gunicorn with 2 sync workers (as the issue measured; SQLite, the demo
province) and loaded with wrk (20 connections; 2 for a page slower than
SLOW_MS, whose queue would outlast the run; for at least four times its
first opening) beside the hello route of the
same app. The hello routes and the register are measured again under the
gthread workers of `make run` (gunicorn.conf.py), as *_gthread_*. The cost
of a request is the CPU time the workers spent (read from /proc before and
after each wrk run) divided by the requests they answered: it is what a
request takes from a worker, and unlike requests/s it does not move when
other work shares the machine. wrk asks for one URL again and again, so after
its first request a page is served as kept (app.pagecache); the issue's rows
are measured once more with no page kept (PAGE_CACHE_BYTES=0), as *_uncached_*.

  hello_anonymous_ms, hello_ms  CPU ms per request of the hello route, without
                                and with a librarian's session cookie
  session_overhead_ms           the second minus the first (the session, the
                                user, every per-request hook); goal <= 0.3
  tally_ms                      a point's tally page (the issue's table)
  register_ms, register_throughput_ratio
                                a point's equipment register: CPU ms per
                                request, and hello_ms / register_ms (how many
                                registers a worker serves per logged-in hello
                                request); goal >= 0.3
  <kind>_ms, <kind>_throughput_ratio
                                the same for one page of each kind a crawl of
                                the demo roles reaches (lists, details, forms,
                                htmx partials, exports); goal >= 0.15
  <kind>_server_ms              its median time served by the test client (no
                                network, no load), the kept pages emptied before
                                each: what its first opening after a write costs
  page_kind_ratio_min, page_kind_slowest, page_kinds_below_0_15
  flask_admin_list_ms           the yardstick: Flask-Admin's list of a 60-row
                                table, 20 rows shown (bench/admin_wsgi.py)
  *_rps                         requests/s under wrk, for the record (they
                                depend on what else the machine is doing)
Prints `name value unit` lines and adds them to bench/results.json under "page_cost".

    .venv/bin/python bench/page_cost.py [pattern ...]

With patterns (regular expressions), only the kinds they match are measured
besides the issue's rows, and nothing is saved.
"""
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from load import LUA, Server, log_in, wrk
from setup import ROOT, demo_app, logged_in, save

from tests.crawl import crawl

ROLES = ("librarian1", "trainer", "province", "admin")
EXPORT = re.compile(r'href="([^"]+(?:\.xlsx|\.csv)[^"]*)"')
REPEAT = int(os.environ.get("BENCH_PAGE_REPEAT", "5"))
KIND_DURATION = os.environ.get("BENCH_KIND_DURATION", "3s")
HELLO_DURATION = os.environ.get("BENCH_HELLO_DURATION", "8s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SLOW_MS = 25  # a page slower than this (test client) is loaded by 2 connections, one per worker


def kind_of(url: str, partial: bool) -> str:
    path, _, query = url.partition("?")
    name = re.sub(r"\d+", "N", path.strip("/")).replace("/", "_").replace(".", "_").replace("-", "_") or "home"
    names = sorted({pair.split("=")[0] for pair in query.split("&") if pair})
    return ("partial_" if partial else "") + name + ("_q_" + "_".join(names) if names else "")


def kinds(app) -> dict[str, tuple[str, str]]:
    """{kind: (role, url)}: one page of each kind, as the first role that reaches it."""
    found = {}
    for role in ROLES:
        client, _token = logged_in(app, role)
        for url, response, partial in crawl(client, per_shape=1):
            if response.status_code != 200:
                continue
            found.setdefault(kind_of(url, partial), (role, url))
            if not partial:
                for export in EXPORT.findall(response.get_data(as_text=True)):
                    export = export.replace("&amp;", "&")
                    found.setdefault("export_" + kind_of(export, False), (role, export))
    return found


def server_ms(client, url: str) -> float:
    from app import pagecache

    samples = []
    for _ in range(REPEAT):
        pagecache.clear()
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def cpu_ticks(pids: list[int]) -> int:
    """User + system CPU time of these processes (all their threads), in clock ticks."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def idle(server: Server):
    """Once the workers have answered what the last run left queued: a slow page (a year's export)
    would otherwise still be running in them while the next page is measured."""
    while True:
        try:
            server.get("/bench-hello")
            return
        except OSError:
            continue


def fresh(server: Server, cookie: str) -> str:
    """The cookie as a browser holds it now: the server signs it again every few minutes
    (app.users.auth.IdleLimitCookie), and wrk, which keeps the old one, would have every
    request signed again."""
    if not cookie:
        return cookie
    _status, headers, _body = server.get("/bench-hello", {"Cookie": cookie})
    return headers["Set-Cookie"].split(";")[0] if "Set-Cookie" in headers else cookie


def measure(server: Server, url: str, lua: Path, duration: str = KIND_DURATION, connections: int = 20,
            **headers) -> dict:
    """wrk on `url`, with the workers' CPU ms per request answered; cpu_ms is None
    when a worker was replaced meanwhile (gunicorn restarts one that timed out)."""
    idle(server)
    if "WRK_COOKIE" in headers:
        headers["WRK_COOKIE"] = fresh(server, headers["WRK_COOKIE"])
    workers = server.workers()
    before = cpu_ticks(workers)
    result = wrk(server.port, url, lua, duration=duration, timeout="60s", connections=connections, **headers)
    try:
        spent = cpu_ticks(workers) - before
    except FileNotFoundError:
        result["cpu_ms"] = None
        return result
    result["cpu_ms"] = round(spent * TICK_MS / max(1, result["requests"]), 3)
    return result


def table(server: Server, lua: Path, cookie: str, point_id: int, suffix: str = "") -> dict:
    """The issue's rows: the hello route without and with a session, a point's tally page and its
    register, each the median of ROUNDS runs taken in turn (one run moves with whatever else the
    machine does)."""
    rows = (("hello_anonymous", "/bench-hello", ""), ("hello", "/bench-hello", cookie),
            ("tally", f"/points/{point_id}/tally", cookie), ("register", f"/points/{point_id}/equipment", cookie))
    runs = {kind: [] for kind, _path, _cookie in rows}
    for _round in range(ROUNDS):
        for kind, path, kind_cookie in rows:
            runs[kind].append(measure(server, path, lua, duration=HELLO_DURATION, WRK_COOKIE=kind_cookie))
    results = {}
    for kind, measured in runs.items():
        results[f"{kind}{suffix}_ms"] = statistics.median(run["cpu_ms"] for run in measured)
        results[f"{kind}{suffix}_rps"] = statistics.median(run["rps"] for run in measured)
    hello, anonymous, register = (results[f"{kind}{suffix}_ms"] for kind in ("hello", "hello_anonymous", "register"))
    results[f"session_overhead{suffix}_ms"] = round(hello - anonymous, 3)
    results[f"register{suffix}_throughput_ratio"] = round(hello / register, 2)
    return results


def main():
    patterns = [re.compile(pattern) for pattern in sys.argv[1:]]
    subprocess.run([str(ROOT / "tools" / "ensure-debian-package.sh"), "wrk", "/usr/bin/wrk"], check=True)
    app = demo_app()
    from app.demo import DEMO_PASSWORD

    pages = {kind: page for kind, page in kinds(app).items()
             if not patterns or any(pattern.search(kind) for pattern in patterns)}
    clients = {role: logged_in(app, role)[0] for role in ROLES}
    times = {kind: server_ms(clients[role], url) for kind, (role, url) in pages.items()}
    with app.test_request_context():
        from app.extensions import db
        from app.users.models import User

        point_id = db.session.scalar(db.select(User).where(User.username == "librarian1")).unit.points[0].id
    lua = Path(ROOT / "bench" / "results-page-cost.lua")
    lua.write_text(LUA)
    port = int(os.environ.get("BENCH_PAGE_PORT", "8769"))
    results = {}
    try:
        server = Server(port, worker_class="gthread")
        try:
            results.update(table(server, lua, log_in(server, "librarian1", DEMO_PASSWORD)[0], point_id, "_gthread"))
        finally:
            server.stop()
        server = Server(port, worker_class="sync", PAGE_CACHE_BYTES="0")
        try:
            results.update(table(server, lua, log_in(server, "librarian1", DEMO_PASSWORD)[0], point_id, "_uncached"))
        finally:
            server.stop()
        server = Server(port, worker_class="sync")
        try:
            cookies = {role: log_in(server, role, DEMO_PASSWORD)[0] for role in ROLES}
            results.update(table(server, lua, cookies["librarian1"], point_id))
            ratios = {}
            for kind, (role, url) in sorted(pages.items()):
                headers = {"WRK_COOKIE": cookies[role]}
                if kind.startswith("partial_"):
                    headers["WRK_HX"] = "true"
                print(f"measuring {kind}: {url}", file=sys.stderr, flush=True)
                # A run at least four first openings long: one that ends before the first answer has no figure.
                duration = f"{max(int(KIND_DURATION.rstrip('s')), math.ceil(4 * times[kind] / 1000))}s"
                measured = measure(server, url, lua, duration=duration,
                                   connections=2 if times[kind] > SLOW_MS else 20, **headers)
                if measured["non_2xx"] or measured["cpu_ms"] is None or not measured["requests"]:
                    # shown, and left out of the ratios
                    results[f"{kind}_unmeasured"] = (
                        f"{measured['non_2xx']} answers not 2xx" if measured["non_2xx"]
                        else "no answer within the run" if not measured["requests"]
                        else "a worker was replaced (timed out)")
                    continue
                ratios[kind] = round(results["hello_ms"] / measured["cpu_ms"], 2)
                results[f"{kind}_ms"] = measured["cpu_ms"]
                results[f"{kind}_server_ms"] = times[kind]
                results[f"{kind}_throughput_ratio"] = ratios[kind]
        finally:
            server.stop()
        results["page_kinds"] = len(ratios)
        admin = Server(port + 1, "admin_wsgi:app", "/admin/item/", worker_class="sync")
        try:
            measured = measure(admin, "/admin/item/", lua, duration=HELLO_DURATION, WRK_COOKIE="")
        finally:
            admin.stop()
        results["flask_admin_list_ms"] = measured["cpu_ms"]
        results["flask_admin_list_rps"] = measured["rps"]
        if ratios:
            results["page_kind_ratio_min"] = min(ratios.values())
            results["page_kind_slowest"] = min(ratios, key=ratios.get)
            results["page_kinds_below_0_15"] = sorted(kind for kind, ratio in ratios.items() if ratio < 0.15)
    finally:
        lua.unlink()
    if patterns:
        for key, value in results.items():
            print(key, value)
    else:
        save("page_cost", results)


if __name__ == "__main__":
    main()
