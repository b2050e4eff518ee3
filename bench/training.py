"""make bench: the training pages on the demo province.

The bytes a phone downloads for a session page (the largest demo session,
as its trainer sees it, with every row's buttons), raw and gzipped, with
the CSS and htmx it loads; the htmx fragment of one added row; the server
time of the session page, the list and the coverage page. Writes
bench/results-training.json.
"""
import gzip
import json
import os
import statistics
import time

from setup import ROOT, demo_app, logged_in

REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def timed(client, path):
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}


def main():
    app = demo_app()
    from sqlalchemy import func, select

    from app.extensions import db
    from app.training.models import Attendance

    with app.app_context():
        session_id, attendees = db.session.execute(
            select(Attendance.session_id, func.count()).group_by(Attendance.session_id)
            .order_by(func.count().desc(), Attendance.session_id).limit(1)).one()
    client, _token = logged_in(app, "trainer")
    css = client.get("/static/css/app.css").get_data()
    js = client.get("/static/vendor/htmx-2.0.11.min.js").get_data()
    page = client.get(f"/training/{session_id}").get_data()
    row = client.get(f"/training/{session_id}/counts", headers={"HX-Request": "true"}).get_data()
    sheet = client.get(f"/training/{session_id}/sign-in-sheet").get_data()
    print_css = client.get("/static/css/print.css").get_data()
    sizes = {
        f"session page, {attendees} attendees (HTML)": {"bytes": len(page), "gzip": gz(page)},
        "app.css": {"bytes": len(css), "gzip": gz(css)},
        "htmx-2.0.11.min.js": {"bytes": len(js), "gzip": gz(js)},
        "counts fragment (htmx)": {"bytes": len(row), "gzip": gz(row)},
        "sign-in sheet (HTML)": {"bytes": len(sheet), "gzip": gz(sheet)},
        "print.css": {"bytes": len(print_css), "gzip": gz(print_css)},
    }
    totals = {
        "session page + CSS + JS": gz(page) + gz(css) + gz(js),
        "sign-in sheet + print CSS": gz(sheet) + gz(print_css),
    }
    pages = {f"trainer GET {p}": timed(client, p) for p in
             (f"/training/{session_id}", "/training", "/training/coverage",
              "/training/coverage?topic=digital_library&year=2026")}
    print(f"{'what':48} {'bytes':>9} {'gzip':>9}")
    for name, s in sizes.items():
        print(f"{name:48} {s['bytes']:>9,} {s['gzip']:>9,}")
    for name, total in totals.items():
        print(f"{name:48} {'':>9} {total:>9,}")
    print(f"\n{'page (' + str(REPEAT) + ' requests, server time)':48} {'median ms':>10} {'p95 ms':>9}")
    for name, t in pages.items():
        print(f"{name:48} {t['median_ms']:>10} {t['p95_ms']:>9}")
    (ROOT / "bench" / "results-training.json").write_text(
        json.dumps({"repeat": REPEAT, "sizes": sizes, "totals_gzip": totals, "pages": pages}, indent=2,
                   ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
