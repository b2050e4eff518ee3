"""make bench (the province roll-up): server time of the province dashboard
for 92 communes with three years of daily visits, the weight of the page and
of its htmx table, and the dashboard's figures against the bare SQL
aggregates that give the same numbers on the same database (rollup_ratio).

A throw-away SQLite database with the demo province; prints `name value unit`
lines and adds them to bench/results.json under "dashboard".
"""
import os
import statistics
import time
from datetime import date, timedelta

from setup import demo_app, gz, logged_in, save
from sqlalchemy import text

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))

# The same figures as app.dashboard.queries.province_rollup, written by hand
# as plain SQL (SQLite), for the ratio.
BARE = {
    # Summed per point first, over the covering index (point_id, day, count), then per commune.
    "visits": """SELECT lp.commune_id, SUM(pp.n) FROM (SELECT point_id, SUM(count) AS n FROM visit_count
                 WHERE point_id IN (SELECT lp.id FROM library_point lp JOIN unit u ON u.id = lp.commune_id
                 WHERE u.parent_id = :province) AND day BETWEEN :start AND :end GROUP BY point_id) pp
                 JOIN library_point lp ON lp.id = pp.point_id GROUP BY lp.commune_id""",
    "visits_last_year": """SELECT lp.commune_id, SUM(pp.n) FROM (SELECT point_id, SUM(count) AS n FROM visit_count
                 WHERE point_id IN (SELECT lp.id FROM library_point lp JOIN unit u ON u.id = lp.commune_id
                 WHERE u.parent_id = :province) AND day BETWEEN :last_start AND :last_end GROUP BY point_id) pp
                 JOIN library_point lp ON lp.id = pp.point_id GROUP BY lp.commune_id""",
    "register": """SELECT lp.commune_id, SUM(CASE WHEN e.condition = 'in_use' THEN e.quantity ELSE 0 END),
                 SUM(CASE WHEN e.condition = 'broken' THEN e.quantity ELSE 0 END),
                 SUM(CASE WHEN e.condition = 'under_repair' THEN e.quantity ELSE 0 END),
                 SUM(CASE WHEN e.condition = 'liquidated' THEN e.quantity ELSE 0 END),
                 SUM(CASE WHEN e.category = 'computer' AND e.condition = 'in_use' AND e.internet_connected
                     THEN e.quantity ELSE 0 END)
                 FROM equipment_item e JOIN library_point lp ON lp.id = e.point_id JOIN unit u ON u.id = lp.commune_id
                 WHERE u.parent_id = :province GROUP BY lp.commune_id""",
    "sessions": """SELECT s.commune_id, COUNT(*) FROM training_session s JOIN unit u ON u.id = s.commune_id
                 WHERE u.parent_id = :province AND s.start_date BETWEEN :start AND :period_end GROUP BY s.commune_id""",
    "trained": """SELECT a.commune_id, COUNT(*) FROM attendance a JOIN training_session s ON s.id = a.session_id
                 JOIN unit u ON u.id = a.commune_id WHERE u.parent_id = :province AND a.present
                 AND s.start_date BETWEEN :start AND :period_end GROUP BY a.commune_id""",
    "trained_year": """SELECT a.commune_id, COUNT(*) FROM attendance a JOIN training_session s ON s.id = a.session_id
                 JOIN unit u ON u.id = a.commune_id WHERE u.parent_id = :province AND a.present
                 AND s.start_date BETWEEN :year_start AND :period_end GROUP BY a.commune_id""",
    "reports": """SELECT u.id, r.month, r.status, r.submitted_at FROM unit u LEFT JOIN period_report r
                 ON r.commune_id = u.id AND r.year = :year AND r.month BETWEEN :first_month AND :last_month
                 WHERE u.parent_id = :province AND u.kind = 'commune'""",
    "points": """SELECT COUNT(*) FROM library_point lp JOIN unit u ON u.id = lp.commune_id
                 WHERE u.parent_id = :province AND lp.active""",
}



def median_ms(function, repeat=REPEAT):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return round(statistics.median(samples), 1), round(samples[max(0, int(len(samples) * 0.95) - 1)], 1)


def main():
    app = demo_app()
    from app.dashboard.queries import province_rollup
    from app.extensions import db
    from app.formatting import today_local
    from app.periods import Period
    from app.units.models import Unit
    from app.visits.models import VisitCount

    with app.test_request_context():
        today = today_local()
        province = db.session.scalar(db.select(Unit).where(Unit.kind == "province"))
        province_id = province.id
        rows = db.session.scalar(db.select(db.func.count(VisitCount.id)))
        commune_id = db.session.scalar(db.select(Unit.id).where(Unit.parent_id == province_id).limit(1))
    client, _token = logged_in(app, "province")
    results = {"visit_count_rows": rows}
    last_month = Period.containing(today.replace(day=1) - timedelta(days=1))
    periods = {"month": last_month, "quarter": Period.quarter(last_month.year, (last_month.number - 1) // 3 + 1),
               "year": Period.whole_year(today.year)}

    def measure(suffix=""):
        out = {}
        out["trends_median_ms"], out["trends_p95_ms"] = median_ms(lambda: client.get("/province/trends"), repeat=5)
        for name, period in periods.items():
            path = f"/province?kind={period.kind}&year={period.year}&number={period.number}"
            page = client.get(path).get_data()
            out[f"dashboard_{name}_gzip"] = gz(page)
            out[f"dashboard_{name}_median_ms"], out[f"dashboard_{name}_p95_ms"] = median_ms(
                lambda path=path: client.get(path))
            with app.test_request_context():
                province = db.session.get(Unit, province_id)
                figures_ms, _ = median_ms(
                    lambda province=province, period=period: province_rollup(province, period, today))
                start, end = period.window(today)
                last_start, last_end = period.previous_window(today)
                months = period.months()
                params = {"province": province_id, "start": start, "end": end, "last_start": last_start,
                          "last_end": last_end, "period_end": period.end, "year_start": date(period.year, 1, 1),
                          "year": period.year, "first_month": months[0].number, "last_month": months[-1].number}
                bare_ms, _ = median_ms(
                    lambda params=params: [db.session.execute(text(sql), params).all() for sql in BARE.values()])
                # The same numbers: visits per commune, now and a year earlier.
                rollup = province_rollup(province, period, today)
                bare_visits = dict(db.session.execute(text(BARE["visits"]), params).all())
                assert {r["id"]: r["visits"] for r in rollup["rows"] if r["visits"]} == bare_visits
            out[f"rollup_{name}_figures_ms"], out[f"rollup_{name}_bare_sql_ms"] = figures_ms, bare_ms
            out[f"rollup_ratio_{name}"] = round(figures_ms / bare_ms, 2)
        return {f"{k}{suffix}": v for k, v in out.items()}

    results.update(measure())
    fragment = client.get("/province?sort=growth&dir=desc&show=late", headers={"HX-Request": "true"}).get_data()
    results["dashboard_table_partial_gzip"] = gz(fragment)
    results["dashboard_table_partial_median_ms"], _ = median_ms(
        lambda: client.get("/province?sort=growth&dir=desc", headers={"HX-Request": "true"}))
    for name, path in (("printable_report", "/province/report"),
                       ("export_xlsx", "/province/export.xlsx"), ("commune_page", f"/province/communes/{commune_id}")):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        results[f"{name}_median_ms"], results[f"{name}_p95_ms"] = median_ms(lambda path=path: client.get(path),
                                                                            repeat=max(5, REPEAT // 2))
    # Ten times the history: the three years copied back nine times (30 years in all),
    # then the same figures again. A period's figures must not depend on the history's length.
    with app.app_context():
        for k in range(1, 10):
            db.session.execute(text(
                "INSERT OR IGNORE INTO visit_count (point_id, day, service, reader_group, count) "
                "SELECT point_id, date(day, :shift), service, reader_group, count FROM visit_count "
                "WHERE day >= '2024-01-01'"), {"shift": f"-{3 * k} years"})
        db.session.commit()
        results["visit_count_rows_10x"] = db.session.scalar(db.select(db.func.count(VisitCount.id)))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    results.update(measure("_10x"))
    for name in periods:
        results[f"rollup_growth_10x_{name}"] = round(
            results[f"rollup_{name}_figures_ms_10x"] / results[f"rollup_{name}_figures_ms"], 2)
        results[f"dashboard_growth_10x_{name}"] = round(
            results[f"dashboard_{name}_median_ms_10x"] / results[f"dashboard_{name}_median_ms"], 2)
    # The headline figures: the worst period.
    results["rollup_ratio"] = max(results[f"rollup_ratio_{name}"] for name in periods)
    results["rollup_growth_10x"] = max(results[f"rollup_growth_10x_{name}"] for name in periods)
    results["trends_growth_10x"] = round(results["trends_median_ms_10x"] / results["trends_median_ms"], 2)
    save("dashboard", results)


if __name__ == "__main__":
    main()
