"""make bench (page cost): every kind of page the demo roles reach, served by
gunicorn as `make run` serves it (2 gthread workers, SQLite, the demo
province) and measured with wrk against the hello route of the same app:

  session_overhead_ms        ms of one worker per request: the logged-in hello
                             route minus the anonymous one (the session, the
                             user, every per-request hook)
  register_throughput_ratio  requests/s of a point's equipment register ÷ the
                             logged-in hello route
  <kind>_throughput_ratio    the same for one page of each kind a crawl of the
                             demo roles reaches (lists, details, forms, htmx
                             partials, exports), with its median server time
                             (test client, no network) as <kind>_ms
  page_kind_ratio_min        the lowest of those ratios
Prints `name value unit` lines and adds them to bench/results.json under "page_cost".
"""
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from load import LUA, Server, log_in, wrk
from setup import ROOT, demo_app, logged_in, save

from tests.crawl import crawl

ROLES = ("librarian1", "trainer", "province", "admin")
WORKERS = 2
EXPORT = re.compile(r'href="([^"]+(?:\.xlsx|\.csv)[^"]*)"')
REPEAT = int(os.environ.get("BENCH_PAGE_REPEAT", "15"))
KIND_DURATION = os.environ.get("BENCH_KIND_DURATION", "2s")


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
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def per_request_ms(rps: float) -> float:
    return round(WORKERS * 1000 / rps, 3)


def main():
    subprocess.run([str(ROOT / "tools" / "ensure-debian-package.sh"), "wrk", "/usr/bin/wrk"], check=True)
    app = demo_app()
    from app.demo import DEMO_PASSWORD

    pages = kinds(app)
    clients = {role: logged_in(app, role)[0] for role in ROLES}
    times = {kind: server_ms(clients[role], url) for kind, (role, url) in pages.items()}
    with app.test_request_context():
        from app.extensions import db
        from app.users.models import User

        point_id = db.session.scalar(db.select(User).where(User.username == "librarian1")).unit.points[0].id
    lua = Path(ROOT / "bench" / "results-page-cost.lua")
    lua.write_text(LUA)
    server = Server(int(os.environ.get("BENCH_PAGE_PORT", "8769")))
    results = {}
    try:
        cookies = {role: log_in(server, role, DEMO_PASSWORD)[0] for role in ROLES}
        anonymous = wrk(server.port, "/bench-hello", lua, WRK_COOKIE="")
        hello = wrk(server.port, "/bench-hello", lua, WRK_COOKIE=cookies["librarian1"])
        register = wrk(server.port, f"/points/{point_id}/equipment", lua, WRK_COOKIE=cookies["librarian1"])
        results["hello_anonymous_ms"] = per_request_ms(anonymous["rps"])
        results["hello_ms"] = per_request_ms(hello["rps"])
        results["session_overhead_ms"] = round(results["hello_ms"] - results["hello_anonymous_ms"], 3)
        results["register_rps"] = register["rps"]
        results["register_throughput_ratio"] = round(register["rps"] / hello["rps"], 2)
        ratios = {}
        for kind, (role, url) in sorted(pages.items()):
            headers = {"WRK_COOKIE": cookies[role]}
            if kind.startswith("partial_"):
                headers["WRK_HX"] = "true"
            measured = wrk(server.port, url, lua, duration=KIND_DURATION, **headers)
            if measured["non_2xx"]:
                continue  # a page that answers otherwise under load (none expected): left out, not hidden
            ratios[kind] = round(measured["rps"] / hello["rps"], 2)
            results[f"{kind}_ms"] = times[kind]
            results[f"{kind}_throughput_ratio"] = ratios[kind]
        results["page_kinds"] = len(ratios)
        results["page_kind_ratio_min"] = min(ratios.values())
        results["page_kind_slowest"] = min(ratios, key=ratios.get)
    finally:
        server.stop()
        lua.unlink()
    save("page_cost", results)


if __name__ == "__main__":
    main()
