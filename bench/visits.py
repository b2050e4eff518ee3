"""make bench (visits and reports): the weight of the tally on a phone, and
the server time of the summaries, the province roll-up and the approval queue
(92 communes) on three years of demo counts.

A throw-away SQLite database with the demo province (92 communes, about one
million daily count rows); prints the figures and adds them to bench/results.json.
"""
import gzip
import json
import os
import statistics
import time
from datetime import timedelta

from setup import ROOT, demo_app, logged_in
from sqlalchemy import func, select

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
    return round(statistics.median(samples), 1), round(samples[int(len(samples) * 0.95) - 1], 1)


def main():
    app = demo_app()
    from app.extensions import db
    from app.formatting import today_local
    from app.units.models import LibraryPoint
    from app.users.models import User
    from app.visits.models import VisitCount

    with app.app_context():
        rows = db.session.scalar(select(func.count(VisitCount.id)))
        librarian = db.session.scalar(select(User).where(User.username == "librarian1"))
        point_id = librarian.unit.points[0].id
        commune_id = librarian.unit_id
        points = db.session.scalar(select(func.count(LibraryPoint.id)))
    with app.test_request_context():
        today = today_local()
    client, token = logged_in(app, "librarian1")
    css_js = sum(gz(client.get(p).get_data()) for p in ("/static/css/app.css", "/static/vendor/htmx-2.0.11.min.js"))
    tally = client.get(f"/points/{point_id}/tally").get_data()
    taps = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        tap = client.post(f"/points/{point_id}/tally", data={"csrf_token": token, "day": today.isoformat(),
                                                              "cell": "reading:children"},
                          headers={"Accept": "application/json"})
        taps.append((time.perf_counter() - start) * 1000)
        assert tap.status_code == 200, tap.status_code
    summary = client.get(f"/points/{point_id}/visits").get_data()
    month = client.get(f"/points/{point_id}/visits/month").get_data()
    province, _ = logged_in(app, "province")
    overview = province.get("/visits").get_data()
    last_month = today.replace(day=1) - timedelta(days=1)
    queue_path = f"/reports?month={last_month:%Y-%m}"
    queue = province.get(queue_path).get_data()

    results = {
        "visit_count_rows": rows, "points": points,
        "tally_page_gzip": gz(tally), "tally_page_with_css_js_gzip": gz(tally) + css_js,
        "tally_response_gzip": gz(tap.get_data()), "tally_response_bytes": len(tap.get_data()),
        "tally_post_median_ms": round(statistics.median(taps), 1),
        "point_summary_gzip": gz(summary), "month_grid_gzip": gz(month), "province_overview_gzip": gz(overview),
        "approval_queue_92_communes_gzip": gz(queue),
    }
    for name, path, who in (("point_summary", f"/points/{point_id}/visits", client),
                            ("commune_summary", f"/communes/{commune_id}/visits", province),
                            ("province_overview_year", "/visits", province),
                            ("province_overview_month", f"/visits?year={today.year}&month={today.month}", province),
                            ("approval_queue_92_communes", queue_path, province)):
        results[f"{name}_median_ms"], results[f"{name}_p95_ms"] = timed(who, path)
    for key, value in results.items():
        print(f"{key:40} {value:>12,}")
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing["visits"] = results
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
