"""Each tap counted once by the id the phone made for it (app.js's queue sends
a tap again until it has an answer): a copy gets the same answer and is not
counted; an id that is not a UUID is 400; another's point is 403 with nothing
saved; old receipts are pruned."""
import threading
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models_base import utcnow
from app.visits import routes
from app.visits.models import RECEIPT_DAYS, TapReceipt, VisitCount
from tests.conftest import csrf_token, post
from tests.test_reports import approve_june
from tests.test_visits_concurrency import _session

JSON = {"Accept": "application/json"}


def send(client, point_id, day, tap_id, cell="reading:children", undo=False):
    return post(client, f"/points/{point_id}/tally",
                {"day": day.isoformat(), ("undo" if undo else "cell"): cell, "tap": tap_id}, headers=JSON)


def stored(app, point_id):
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(VisitCount.count), 0)).where(
            VisitCount.point_id == point_id))


def receipts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TapReceipt))


def test_a_tap_sent_twice_is_counted_once_and_answered_the_same(app, world, as_user):
    client = as_user("librarian_a")
    day, tap_id = date.today() - timedelta(days=1), str(uuid.uuid4())
    first = send(client, world.point_a.id, day, tap_id)
    send(client, world.point_a.id, day, str(uuid.uuid4()))  # another tap after it
    again = send(client, world.point_a.id, day, tap_id.upper())  # the same id, spelt in capitals
    assert first.status_code == again.status_code == 200
    assert again.json == first.json == {"cell": "reading:children", "day": day.isoformat(), "count": 1, "total": 1}
    assert stored(app, world.point_a.id) == 2 and receipts(app) == 2


def test_undo_is_a_tap_with_its_own_id_and_never_goes_below_zero(app, world, as_user):
    client = as_user("librarian_a")
    day = date.today()
    send(client, world.point_a.id, day, str(uuid.uuid4()))
    undo = str(uuid.uuid4())
    assert send(client, world.point_a.id, day, undo, undo=True).json["count"] == 0
    assert send(client, world.point_a.id, day, undo, undo=True).json["count"] == 0  # its copy: not a second undo
    assert send(client, world.point_a.id, day, str(uuid.uuid4()), undo=True).json["count"] == 0
    assert stored(app, world.point_a.id) == 0


@pytest.mark.parametrize("tap_id", ["not-a-uuid", "1234", str(uuid.uuid4()) + "0", "x" * 500])
def test_a_malformed_tap_id_is_refused_and_nothing_saved(app, world, as_user, tap_id):
    client = as_user("librarian_a")
    response = send(client, world.point_a.id, date.today(), tap_id)
    assert response.status_code == 400 and response.json["error"] == 400
    assert stored(app, world.point_a.id) == 0 and receipts(app) == 0


def test_an_id_already_used_for_another_tap_is_a_conflict(app, world, as_user):
    client = as_user("librarian_a")
    tap_id = str(uuid.uuid4())
    send(client, world.point_a.id, date.today(), tap_id)
    response = send(client, world.point_a.id, date.today(), tap_id, cell="lending:adults")
    assert response.status_code == 409 and response.json["message"]
    assert stored(app, world.point_a.id) == 1


@pytest.mark.parametrize("user", ["librarian_b", "province_staff_p", "trainer_p"])
def test_another_users_point_is_refused_with_nothing_saved(app, world, as_user, user):
    client = as_user(user)
    response = send(client, world.point_a.id, date.today(), str(uuid.uuid4()))
    assert response.status_code == 403 and response.json["message"]
    assert stored(app, world.point_a.id) == 0 and receipts(app) == 0


def test_a_copy_arriving_after_its_month_was_approved_gets_its_answer_not_a_refusal(app, world, as_user):
    client = as_user("librarian_a")
    day, tap_id = date(2025, 6, 12), str(uuid.uuid4())
    assert send(client, world.point_a.id, day, tap_id).status_code == 200
    approve_june(app, world)
    assert send(client, world.point_a.id, day, tap_id).json["count"] == 1  # counted before the approval
    refused = send(client, world.point_a.id, day, str(uuid.uuid4()))  # a new tap: refused, with the reason
    assert refused.status_code == 423 and "06/2025" in refused.json["message"]
    assert stored(app, world.point_a.id) == 1


def test_a_tap_from_a_logged_out_phone_is_kept_for_later(client, world):
    """What app.js keeps queued rather than shows as refused: a stale form (the
    session has gone: the CSRF check answers first) and a login needed."""
    path, tap = f"/points/{world.point_a.id}/tally", {"day": date.today().isoformat(), "cell": "reading:children"}
    stale = client.post(path, data=tap, headers=JSON)
    assert stale.status_code == 400 and stale.json["error"] == "csrf"
    logged_out = client.post(path, data={**tap, "csrf_token": csrf_token(client, "/login")}, headers=JSON)
    assert logged_out.status_code == 401 and logged_out.json["error"] == "login"


def test_receipts_older_than_the_kept_days_are_pruned(app, world, as_user, monkeypatch):
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    with app.app_context():
        for tap_id, age in ((old, RECEIPT_DAYS + 1), (recent, RECEIPT_DAYS - 1)):
            db.session.add(TapReceipt(id=tap_id, user_id=world.librarian_a.id, point_id=world.point_a.id,
                                      day=date.today(), service="reading", reader_group="children", step=1,
                                      count=1, total=1, received_at=utcnow() - timedelta(days=age)))
        db.session.commit()
    monkeypatch.setitem(routes._pruned_at, "time", None)  # this process has not pruned yet
    client = as_user("librarian_a")
    new = str(uuid.uuid4())
    send(client, world.point_a.id, date.today(), new)
    with app.app_context():
        assert set(db.session.scalars(select(TapReceipt.id))) == {recent, new}


def test_twenty_copies_of_one_tap_at_once_count_once(app, world):
    """The same tap sent by 20 threads at once to one threaded server."""
    day, tap_id = date.today(), str(uuid.uuid4())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        opener, token = _session(base, world.librarian_a.name)
        body = urllib.parse.urlencode({"day": day.isoformat(), "cell": "reading:children", "tap": tap_id}).encode()

        def one(_):
            request = urllib.request.Request(f"{base}/points/{world.point_a.id}/tally", data=body,
                                             headers={**JSON, "X-CSRFToken": token})
            with opener.open(request) as response:
                return response.status, response.read()

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(one, range(20)))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert {status for status, _body in answers} == {200}
    assert len({body for _status, body in answers}) == 1  # the same answer for every copy
    assert stored(app, world.point_a.id) == 1 and receipts(app) == 1
