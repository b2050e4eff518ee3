import threading, time
from collections import Counter
from app.extensions import db
from app.users.models import LoginThrottle
from app.audit.models import AuditEvent
from sqlalchemy import select
from tests.conftest import csrf_token, PASSWORD


def test_parallel_guesses(app, world):
    # each guess from its own address, so only the per-account limit (5) applies
    n = 30
    clients = [app.test_client() for _ in range(n)]
    toks = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(n)
    results = [None] * n
    def run(i):
        barrier.wait()
        pw = PASSWORD if i == n - 1 else f"guess{i}xx1"
        r = clients[i].post("/login", data={"username": "librarian_a", "password": pw, "csrf_token": toks[i]},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
        results[i] = r.status_code
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print("statuses:", Counter(results), "last (correct pw):", results[-1])
    with app.app_context():
        ev = db.session.scalars(select(AuditEvent.after).where(AuditEvent.action == "login_failed")).all()
        print("failed audit reasons:", Counter(ev))
        print([(t.key, t.failures, t.locked_until) for t in db.session.scalars(select(LoginThrottle))][:3])
