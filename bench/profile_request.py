"""Where one request's time goes: the hello route (anonymous and logged in), the
equipment register, the tally page and the tap (from app.js and plain), each served by the test client in one process.

For each request kind prints the SQL statements it sends (counted with a
SQLAlchemy event listener, listed once), the mean time and CPU time over a few
hundred requests (CPU time moves less on a shared machine) and the top entries of a cProfile run, by own time and by
cumulative time. Not part of `make bench` (it prints, it saves nothing):

    .venv/bin/python bench/profile_request.py [kind ...] [--top N] [--requests N]

kinds: anon-hello, hello, register, page, tap, tap-plain (default: all), or a
path ("/account"), asked for by librarian1.
"""
import argparse
import cProfile
import io
import pstats
import time

from setup import demo_app, logged_in
from sqlalchemy import event


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kinds", nargs="*", default=["anon-hello", "hello", "register", "page", "tap", "tap-plain"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--requests", type=int, default=300)
    options = parser.parse_args()

    app = demo_app()
    from app.access import public
    from app.extensions import db
    from app.formatting import today_local
    from app.users.models import User

    @public
    def bench_hello():
        return "hello"

    app.add_url_rule("/bench-hello", "bench_hello", bench_hello)
    with app.test_request_context():
        today = today_local()
        point_id = db.session.scalar(db.select(User).where(User.username == "librarian1")).unit.points[0].id
    client, token = logged_in(app, "librarian1")
    day = today  # as bench/load.py taps
    path = f"/points/{point_id}/tally"
    tap = {"csrf_token": token, "day": day.isoformat(), "cell": "reading:adults"}
    anonymous = app.test_client()
    requests = {
        "anon-hello": lambda: anonymous.get("/bench-hello"),
        "hello": lambda: client.get("/bench-hello"),
        "register": lambda: client.get(f"/points/{point_id}/equipment"),
        "page": lambda: client.get(path),
        "tap": lambda: client.post(path, data=tap, headers={"Accept": "application/json"}),
        "tap-plain": lambda: client.post(path, data=tap),
    }
    expected = {"anon-hello": 200, "hello": 200, "register": 200, "page": 200, "tap": 200, "tap-plain": 303}

    statements = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(" ".join(statement.split())[:150])

    from app import sql

    sql.listeners.append(lambda statement: statements.append(" ".join(statement.split())[:150]))

    for kind in options.kinds:
        if kind.startswith("/"):
            requests[kind] = lambda path=kind: client.get(path)
            expected[kind] = 200
        send = requests[kind]
        for _ in range(20):  # warm: compiled templates, statement caches
            assert send().status_code == expected[kind], kind
        statements.clear()
        send()
        seen = list(statements)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(options.requests):
            send()
        mean_ms = (time.perf_counter() - start) * 1000 / options.requests
        cpu_ms = (time.process_time() - cpu) * 1000 / options.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(options.requests):
            send()
        profile.disable()
        print(f"\n=== {kind}: {len(seen)} statements, {mean_ms:.2f} ms per request, {cpu_ms:.2f} ms of CPU "
              "(test client, no profiler)")
        for statement in seen:
            print("   ", statement)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats(order).print_stats(options.top)
            lines = out.getvalue().splitlines()
            start = next(i for i, line in enumerate(lines) if "ncalls" in line)
            print(f"--- by {order} (per {options.requests} requests)")
            print("\n".join(lines[start:start + options.top + 1]))


if __name__ == "__main__":
    main()
