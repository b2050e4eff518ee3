"""make bench: page weight and server time on the demo province.

Builds a throw-away SQLite database with `flask db upgrade` and the demo
data (all communes of Thái Nguyên), then, through the WSGI test client
(no network, so it measures the app, not a socket):
  - the bytes a phone downloads for the login and home pages, raw and
    gzipped, with the CSS and htmx they load;
  - the median and 95th-percentile server time of the main pages.
Prints a table and writes bench/results.json.
"""
import gzip
import json
import os
import statistics
import time

from setup import ROOT, demo_app, logged_in

REPEAT = int(os.environ.get("BENCH_REPEAT", "50"))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def timed(client, path, headers=None):
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(path, headers=headers or {})
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}


def main():
    app = demo_app()
    client = app.test_client()
    assets = {
        "app.css": client.get("/static/css/app.css").get_data(),
        "htmx-2.0.11.min.js": client.get("/static/vendor/htmx-2.0.11.min.js").get_data(),
    }
    sizes = {name: {"bytes": len(body), "gzip": gz(body)} for name, body in assets.items()}
    login_page = client.get("/login").get_data()
    sizes["login page (HTML)"] = {"bytes": len(login_page), "gzip": gz(login_page)}

    results = {"repeat": REPEAT, "sizes": sizes, "pages": {}}
    for username in ("librarian1", "province", "admin"):
        user_client, _token = logged_in(app, username)
        home = user_client.get("/").get_data()
        sizes[f"home page as {username} (HTML)"] = {"bytes": len(home), "gzip": gz(home)}
        points = user_client.get("/points").get_data()
        sizes[f"/points as {username} (HTML)"] = {"bytes": len(points), "gzip": gz(points)}
        paths = ["/", "/points"] + (["/points?q=xa"] if username != "librarian1" else [])
        if username == "admin":
            paths.append("/admin/users")
        for path in paths:
            results["pages"][f"{username} GET {path}"] = timed(user_client, path)
        results["pages"][f"{username} GET /points (htmx fragment)"] = timed(user_client, "/points",
                                                                           {"HX-Request": "true"})
    results["pages"]["anonymous GET /login"] = timed(client, "/login")
    results["pages"]["anonymous GET /healthz"] = timed(client, "/healthz")

    css_js = sizes["app.css"]["gzip"] + sizes["htmx-2.0.11.min.js"]["gzip"]
    results["totals_gzip"] = {
        "login page + CSS + JS": sizes["login page (HTML)"]["gzip"] + css_js,
        "librarian home + CSS + JS": sizes["home page as librarian1 (HTML)"]["gzip"] + css_js,
        "province home + CSS + JS": sizes["home page as province (HTML)"]["gzip"] + css_js,
    }

    print(f"{'what':48} {'bytes':>9} {'gzip':>9}")
    for name, s in sizes.items():
        print(f"{name:48} {s['bytes']:>9,} {s['gzip']:>9,}")
    for name, total in results["totals_gzip"].items():
        print(f"{name:48} {'':>9} {total:>9,}")
    print(f"\n{'page (' + str(REPEAT) + ' requests, server time)':48} {'median ms':>10} {'p95 ms':>9}")
    for name, t in results["pages"].items():
        print(f"{name:48} {t['median_ms']:>10} {t['p95_ms']:>9}")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
