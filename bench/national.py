"""make bench (national scale): all 34 provinces and their 3,321 communes
from the vietnam-provinces package, one or more library points per commune,
five years of daily visits and every month's report, on a throw-away
PostgreSQL cluster (tools/with-postgres.sh); then the national view, the
province dashboard at one-province and at national size, the database's size
and a pg_dump of it.

Prints `name value unit` lines and adds them to bench/results.json under "national":
  national_load_s            loading the national data (units, points, reports, visits; COPY on PostgreSQL)
  national_visit_rows        rows of visit_count
  national_rollup_ms         national_rollup() for the worst of month / quarter / year
  national_rollup_ratio      that ÷ the same figures as bare SQL, written by hand (goal ≤ 1.5)
  national_bare_visits_ms    the bare SQL of a year's visits per province (the heaviest roll-up query)
  national_scan_visits_*_ms  the same visits read by a scan of every row by date, for comparison
  monthly_build_s, national_monthly_visits_year_ms
                             a table of visits per point and month built by one GROUP BY, and a year's
                             visits per province read from it (what monthly aggregates would buy)
  national_page_ms           GET /national as an administrator
  province_dashboard_ms_one  GET /province for one province with only that province loaded
  province_dashboard_ms      the same page once the whole country is loaded
  province_dashboard_ratio   the two above (goal ≤ 1.5)
  database_mb                pg_database_size
  pg_dump_s, pg_dump_mb      a custom-format pg_dump of the national database (the backup)

NATIONAL_SCALE (default 1: every commune) keeps that share of each province's
communes with points and history; NATIONAL_YEARS (default 5) the years of history.
The fixture itself (load_national) also runs on SQLite at a small scale in tests/test_national.py.
"""
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HCM = timezone(timedelta(hours=7))
SERVICES = ("reading", "lending", "computer", "digital", "community")
GROUPS = ("children", "students", "adults", "elderly")
CELLS = [(s, g) for s in SERVICES for g in GROUPS]
# Reading and lending by pupils and adults are the usual cells; the rest come now and then.
CELL_WEIGHTS = [{"reading": 3, "lending": 2.5, "computer": 1.2, "digital": 0.6, "community": 0.8}[s]
                * {"children": 1.2, "students": 1.5, "adults": 1.0, "elderly": 0.4}[g] for s, g in CELLS]
CHUNK = 50_000


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=hour), HCM).astimezone(timezone.utc)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    out, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def load_units(codes=None) -> list:
    """Every province (or those with the official `codes`) and all its communes,
    through app.units.cli.load_province (idempotent). Returns the province units."""
    from vietnam_provinces import Province

    from app.extensions import db
    from app.units.cli import load_province

    units = []
    for province in Province.iter_all():
        if codes is None or int(province.code) in codes:
            units.append(load_province(province)[0])
    db.session.flush()
    return units


def load_national(codes=None, scale: float = 1.0, years: int = 5, today: date | None = None,
                  seed: int = 2026) -> dict:
    """The national fixture in the current app's database: provinces and communes
    (load_units), points in a `scale` share of each province's communes (one,
    some with two), their reports for every month of `years` years, and daily visits
    on ~20 days a month, a few cells a day, growing a few percent a year. Visits go in with COPY on
    PostgreSQL, executemany in chunks elsewhere. Commits. Returns row counts."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.formatting import today_local
    from app.reports.models import APPROVED, RETURNED, SUBMITTED, PeriodReport, default_due_on
    from app.units.models import LibraryPoint, Unit

    today = today or today_local()
    rng = random.Random(seed)
    first_day = date(today.year - years, today.month, 1)
    provinces = load_units(codes)
    for province in provinces:
        province.reporting_from = province.reporting_from or first_day
    db.session.flush()
    have = set(db.session.scalars(select(LibraryPoint.commune_id).distinct()))
    communes = db.session.execute(select(Unit.id, Unit.name, Unit.parent_id).where(
        Unit.parent_id.in_([p.id for p in provinces])).order_by(Unit.code)).all()
    by_province: dict[int, list] = {}
    for commune in communes:
        by_province.setdefault(commune.parent_id, []).append(commune)
    chosen = []
    for province_communes in by_province.values():
        if not any(c.id in have for c in province_communes):  # a province loaded before is left as it is
            chosen.extend(province_communes[:max(1, round(len(province_communes) * scale))])
    points = []
    for commune in chosen:
        for n in range(2 if rng.random() < 0.15 else 1):
            opened = None if rng.random() < 0.05 else date(2013, 8, 1) + timedelta(days=rng.randrange(0, 365 * 7))
            points.append({"commune_id": commune.id, "name": f"Điểm thư viện {commune.name}" + (" 2" if n else ""),
                           "address": commune.name, "opened_on": opened,
                           "active": rng.random() > 0.02})
    if points:
        db.session.execute(insert(LibraryPoint), points)
    ids = db.session.execute(select(LibraryPoint.id, LibraryPoint.commune_id).where(
        LibraryPoint.commune_id.in_([c.id for c in chosen]))).all() if chosen else []

    # Reports: every ended month of the history approved (a few late), the last month in every state.
    last_month = (today.replace(day=1) - timedelta(days=1))
    months = _months(first_day, last_month)
    reports = []
    for commune in chosen:
        for year, month in months:
            due = default_due_on(year, month)
            if due > today and rng.random() < 0.3:
                continue
            roll = rng.random()
            if roll < 0.03:
                continue  # never submitted
            day = due + timedelta(days=rng.randint(1, 6)) if roll < 0.15 else due - timedelta(days=rng.randint(0, 4))
            day = min(day, today)
            status = APPROVED
            if (year, month) == months[-1]:
                status = SUBMITTED if roll < 0.7 else RETURNED if roll < 0.8 else APPROVED
            reports.append({"commune_id": commune.id, "year": year, "month": month, "status": status,
                            "submitted_at": _at(day), "first_submitted_at": _at(day),
                            "decided_at": _at(day, 15) if status != SUBMITTED else None})
    for start in range(0, len(reports), CHUNK):
        db.session.execute(insert(PeriodReport), reports[start:start + CHUNK])
    db.session.commit()
    rows = write_visits([point_id for point_id, _commune in ids], first_day, today - timedelta(days=1), seed)
    return {"provinces": len(provinces), "communes": len(communes), "points": len(ids), "reports": len(reports),
            "visits": rows}


def visit_rows(point_ids, first: date, last: date, seed: int):
    """(point_id, day, service, group, count) rows, point by point, day by day:
    each point closed one weekday and on ~15 % of the others (~20 open days a
    month), 1–6 cells an open day, counts around the point's own size,
    growing ~6 % a year."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for point_id in point_ids:
        rng = random.Random(seed * 100_003 + point_id)
        closed, size = rng.randrange(7), rng.uniform(0.5, 2.5)
        for day in days:
            if day.weekday() == closed or rng.random() < 0.15:
                continue
            level = size * 1.06 ** ((day - first).days / 365)
            for service, group in set(rng.choices(CELLS, CELL_WEIGHTS, k=rng.randint(1, 6))):
                yield point_id, day, service, group, 1 + int(rng.random() * 6 * level)


def write_visits(point_ids, first: date, last: date, seed: int) -> int:
    """Writes visit_rows(): COPY on PostgreSQL, executemany in chunks elsewhere. Commits."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.visits.models import VisitCount

    rows = 0
    if db.session.get_bind().dialect.name == "postgresql":
        connection = db.session.connection().connection.driver_connection
        with connection.cursor() as cursor:
            # The rows name only points just inserted: no foreign-key check per row (as pg_restore loads data
            # before its constraints). Measured: 15 million checks took longer than the COPY itself.
            cursor.execute("SET LOCAL session_replication_role = replica")
        with connection.cursor() as cursor, cursor.copy(
                "COPY visit_count (point_id, day, service, reader_group, count) FROM STDIN") as copy:
            lines = []
            for point_id, day, service, group, count in visit_rows(point_ids, first, last, seed):
                lines.append(f"{point_id}\t{day.isoformat()}\t{service}\t{group}\t{count}\n")
                if len(lines) >= CHUNK:
                    copy.write("".join(lines))
                    rows += len(lines)
                    lines = []
            copy.write("".join(lines))
            rows += len(lines)
        db.session.commit()
        return rows
    batch = []
    for point_id, day, service, group, count in visit_rows(point_ids, first, last, seed):
        batch.append({"point_id": point_id, "day": day, "service": service, "reader_group": group, "count": count})
        if len(batch) >= CHUNK:
            db.session.execute(insert(VisitCount), batch)
            rows += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(VisitCount), batch)
        rows += len(batch)
    db.session.commit()
    return rows


# --- The benchmark ---------------------------------------------------------------------

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
ONE_PROVINCE = 19  # Thái Nguyên, the demo province

# The national figures as plain SQL written by hand (PostgreSQL), for the ratio:
# the same tables, the same groups, nothing of the app around them.
BARE = {
    # A range sum per point over the covering index (point_id, day, count), then per commune and province.
    "visits": """SELECT province_id, commune_id, SUM(n) FROM (SELECT u.parent_id AS province_id, lp.commune_id,
                 (SELECT SUM(count) FROM visit_count v WHERE v.point_id = lp.id AND v.day BETWEEN :start AND :end) AS n
                 FROM library_point lp JOIN unit u ON u.id = lp.commune_id) pp WHERE n IS NOT NULL
                 GROUP BY province_id, commune_id""",
    "visits_last_year": """SELECT province_id, commune_id, SUM(n) FROM (SELECT u.parent_id AS province_id,
                 lp.commune_id, (SELECT SUM(count) FROM visit_count v WHERE v.point_id = lp.id
                 AND v.day BETWEEN :last_start AND :last_end) AS n
                 FROM library_point lp JOIN unit u ON u.id = lp.commune_id) pp WHERE n IS NOT NULL
                 GROUP BY province_id, commune_id""",
    "sessions": """SELECT u.parent_id, COUNT(*) FROM training_session s JOIN unit u ON u.id = s.commune_id
                 WHERE s.start_date BETWEEN :period_start AND :period_end GROUP BY u.parent_id""",
    "trained": """SELECT u.parent_id, COUNT(*) FROM attendance a JOIN training_session s ON s.id = a.session_id
                 JOIN unit u ON u.id = a.commune_id WHERE a.present
                 AND s.start_date BETWEEN :period_start AND :period_end GROUP BY u.parent_id""",
    "units": """SELECT p.id, p.code, p.name, (SELECT COUNT(*) FROM unit c WHERE c.parent_id = p.id),
                 (SELECT COUNT(*) FROM library_point lp JOIN unit c ON c.id = lp.commune_id
                  WHERE c.parent_id = p.id AND lp.active) FROM unit p WHERE p.kind = 'province'""",
    "reports": """SELECT u.parent_id, COUNT(*), COUNT(r.first_submitted_at),
                 SUM(CASE WHEN r.status = 'approved' THEN 1 ELSE 0 END)
                 FROM unit u JOIN (SELECT commune_id, MIN(COALESCE(opened_on, '0001-01-01')) AS first
                 FROM library_point WHERE active GROUP BY commune_id) o ON o.commune_id = u.id
                 JOIN unit p ON p.id = u.parent_id
                 CROSS JOIN generate_series(CAST(:first_month AS int), CAST(:last_month AS int)) AS m(month)
                 LEFT JOIN period_report r ON r.commune_id = u.id AND r.year = :year AND r.month = m.month
                 WHERE make_date(CAST(:year AS int), m.month, 1) >= COALESCE(p.reporting_from, '0001-01-01')
                 GROUP BY u.parent_id""",
}

# The same visits by a scan of every row by date (PostgreSQL picks a parallel sequential scan), for comparison.
SCAN = """SELECT u.parent_id, lp.commune_id, SUM(pp.n) FROM (SELECT point_id, SUM(count) AS n
          FROM visit_count WHERE day BETWEEN :start AND :end GROUP BY point_id) pp
          JOIN library_point lp ON lp.id = pp.point_id JOIN unit u ON u.id = lp.commune_id
          GROUP BY u.parent_id, lp.commune_id"""
MONTHLY = {
    "build": ["""CREATE TABLE bench_visit_month AS SELECT point_id, date_trunc('month', day)::date AS month,
                 SUM(count)::bigint AS count FROM visit_count GROUP BY 1, 2""",
              "CREATE UNIQUE INDEX ON bench_visit_month (month, point_id) INCLUDE (count)",
              "ANALYZE bench_visit_month"],
    "visits": """SELECT u.parent_id, lp.commune_id, SUM(pp.n) FROM (SELECT point_id, SUM(count) AS n
                 FROM bench_visit_month WHERE month BETWEEN :start AND :end GROUP BY point_id) pp
                 JOIN library_point lp ON lp.id = pp.point_id JOIN unit u ON u.id = lp.commune_id
                 GROUP BY u.parent_id, lp.commune_id""",
}


def median_ms(function, repeat=REPEAT):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def _pg_bindir() -> Path:
    """The newest installed PostgreSQL's programs (pg_dump), as tools/with-postgres.sh picks its server."""
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name.split(".")[0]))[-1]


def main():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        # Start a throw-away PostgreSQL and run again inside it.
        sys.exit(subprocess.call([str(ROOT / "tools" / "with-postgres.sh"), sys.executable, __file__]))
    sys.path.insert(0, str(ROOT / "bench"))
    from setup import logged_in, save

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("APP_ENV", "development")
    import tempfile

    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="sothuvien-national-")
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.dashboard.national import national_rollup
    from app.demo import DEMO_PASSWORD
    from app.extensions import db
    from app.periods import Period
    from app.units.models import Unit
    from app.users.models import ADMIN, PROVINCE_STAFF, User

    scale = float(os.environ.get("NATIONAL_SCALE", "1"))
    years = int(os.environ.get("NATIONAL_YEARS", "5"))
    app = create_app()
    results = {"national_scale": scale, "national_years": years}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        counts = load_national([ONE_PROVINCE], scale, years)
        one_province_s = time.perf_counter() - started
        province = db.session.scalar(db.select(Unit).where(Unit.code == f"{ONE_PROVINCE:02d}"))
        for username, role, unit in (("admin", ADMIN, None), ("province", PROVINCE_STAFF, province)):
            user = User(username=username, full_name=username, role=role, unit=unit)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    today = today_local_in(app)
    last_month = Period.containing(today.replace(day=1) - timedelta(days=1))
    periods = {"month": last_month, "quarter": Period.quarter(last_month.year, (last_month.number - 1) // 3 + 1),
               "year": Period.whole_year(last_month.year)}

    def dashboard_ms(client):
        worst = 0.0
        for period in periods.values():
            path = f"/province?kind={period.kind}&year={period.year}&number={period.number}"
            assert client.get(path).status_code == 200
            worst = max(worst, median_ms(lambda path=path: client.get(path)))
        return worst

    staff, _token = logged_in(app, "province")
    results["province_dashboard_ms_one"] = dashboard_ms(staff)
    with app.app_context():
        started = time.perf_counter()
        rest = load_national(None, scale, years)
        load_s = time.perf_counter() - started + one_province_s
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        results["national_load_s"] = round(load_s, 1)
        results["national_provinces"] = rest["provinces"]
        results["national_communes"] = rest["communes"]
        results["national_points"] = counts["points"] + rest["points"]
        results["national_report_rows"] = counts["reports"] + rest["reports"]
        results["national_visit_rows"] = counts["visits"] + rest["visits"]
    results["province_dashboard_ms"] = dashboard_ms(staff)
    results["province_dashboard_ratio"] = round(results["province_dashboard_ms"]
                                                / results["province_dashboard_ms_one"], 2)
    admin, _token = logged_in(app, "admin")
    worst_ratio, worst_ms, worst_bare = 0.0, 0.0, 0.0
    for name, period in periods.items():
        path = f"/national?kind={period.kind}&year={period.year}&number={period.number}"
        assert admin.get(path).status_code == 200
        results[f"national_page_{name}_ms"] = median_ms(lambda path=path: admin.get(path))
        with app.test_request_context():
            figures_ms = median_ms(lambda period=period: national_rollup(period, today))
            start, end = period.window(today)
            last_start, last_end = period.previous_window(today)
            months = period.months()
            params = {"start": start, "end": end, "last_start": last_start, "last_end": last_end,
                      "period_start": period.start, "period_end": period.end, "year": period.year,
                      "first_month": months[0].number, "last_month": months[-1].number}
            bare_ms = median_ms(lambda params=params: [db.session.execute(text(sql), params).all()
                                                       for sql in BARE.values()])
            visits_ms = median_ms(lambda params=params: db.session.execute(text(BARE["visits"]), params).all())
            results[f"national_scan_visits_{name}_ms"] = median_ms(
                lambda params=params: db.session.execute(text(SCAN), params).all())
            # The same numbers: visits per province.
            rollup = national_rollup(period, today)
            bare = {}
            for province_id, _commune, n in db.session.execute(text(BARE["visits"]), params):
                bare[province_id] = bare.get(province_id, 0) + int(n)
            assert {r["id"]: r["visits"] for r in rollup["rows"] if r["visits"]} == bare
        results[f"national_rollup_{name}_ms"], results[f"national_bare_{name}_ms"] = figures_ms, bare_ms
        results[f"national_bare_visits_{name}_ms"] = visits_ms
        results[f"national_rollup_ratio_{name}"] = round(figures_ms / bare_ms, 2)
        worst_ratio = max(worst_ratio, results[f"national_rollup_ratio_{name}"])
        worst_ms, worst_bare = max(worst_ms, figures_ms), max(worst_bare, visits_ms)
    # What monthly aggregates (visits per point and month) would buy: built here with one GROUP BY, not kept
    # by the app; the year's visits per province from them against the bare SQL over the raw rows.
    with app.test_request_context():
        started = time.perf_counter()
        for statement in MONTHLY["build"]:
            db.session.execute(text(statement))
        db.session.commit()
        results["monthly_build_s"] = round(time.perf_counter() - started, 1)
        results["monthly_rows"] = db.session.scalar(text("SELECT COUNT(*) FROM bench_visit_month"))
        year = periods["year"]
        params = {"start": year.start, "end": year.end}
        results["national_monthly_visits_year_ms"] = median_ms(
            lambda: db.session.execute(text(MONTHLY["visits"]), params).all())
        monthly = {}
        for province_id, _commune, n in db.session.execute(text(MONTHLY["visits"]), params):
            monthly[province_id] = monthly.get(province_id, 0) + int(n)
        raw = {}
        for province_id, _commune, n in db.session.execute(text(BARE["visits"]), params):
            raw[province_id] = raw.get(province_id, 0) + int(n)
        assert monthly == raw
        db.session.execute(text("DROP TABLE bench_visit_month"))
        db.session.commit()
    results["national_rollup_ms"] = worst_ms
    results["national_rollup_ratio"] = worst_ratio
    results["national_bare_visits_ms"] = worst_bare
    results["national_page_ms"] = max(results[f"national_page_{name}_ms"] for name in periods)
    with app.app_context():
        results["database_mb"] = round(db.session.scalar(text("SELECT pg_database_size(current_database())"))
                                       / 2**20, 1)
    dump = Path(os.environ["INSTANCE_PATH"]) / "national.dump"
    started = time.perf_counter()
    subprocess.run([str(_pg_bindir() / "pg_dump"), "-Fc", "-f", str(dump), url], check=True)
    results["pg_dump_s"] = round(time.perf_counter() - started, 1)
    results["pg_dump_mb"] = round(dump.stat().st_size / 2**20, 1)
    dump.unlink()
    save("national", results)


def today_local_in(app) -> date:
    with app.test_request_context():
        from app.formatting import today_local

        return today_local()


if __name__ == "__main__":
    main()
