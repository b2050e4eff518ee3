"""What the librarian's busiest requests cost the database, in statements (never
in time): the tally page and a tap, from app.js and from a plain form. A new query on one of
these paths fails here, so it is added on purpose (and the count raised) or not
at all. `bench/profile_request.py` shows the same statements on the demo data.

The statements counted are those SQLAlchemy sends on a cursor and those app.sql.driver_row
sends straight to the driver, less SQLite's
BEGIN IMMEDIATE (sent by the period lock's check) and COMMIT."""
import pytest
from sqlalchemy import event, select

from app import sql
from app.audit.models import AuditEvent
from app.extensions import db
from app.formatting import today_local
from app.visits.models import VisitCount
from tests.conftest import csrf_token

JSON = {"Accept": "application/json"}  # how app.js sends a tap


@pytest.fixture
def statements(app):
    """The SQL statements sent while the block under `with statements.counting():` runs."""

    class Recorder:
        def __init__(self):
            self.sent: list[str] = []

        def counting(self):
            self.sent.clear()
            return self

        def __enter__(self):
            event.listen(engine, "before_cursor_execute", self._record)
            sql.listeners.append(self._record_driver)
            return self

        def __exit__(self, *exc):
            event.remove(engine, "before_cursor_execute", self._record)
            sql.listeners.remove(self._record_driver)

        def _record_driver(self, statement):
            self.sent.append(" ".join(statement.split()))

        def _record(self, _conn, _cursor, statement, _parameters, _context, _executemany):
            if statement != "BEGIN IMMEDIATE":  # the write lock's transaction, like COMMIT: not a query
                self.sent.append(" ".join(statement.split()))

        def __str__(self):
            return "\n".join(self.sent)

    with app.app_context():
        engine = db.engine
    return Recorder()


def _librarian(as_user, world, app):
    client = as_user("librarian_a")
    with app.test_request_context():
        day = today_local()
    token = csrf_token(client, f"/points/{world.point_a.id}/tally")
    return client, f"/points/{world.point_a.id}/tally", {"csrf_token": token, "day": day.isoformat()}


def test_the_tally_page_sends_four_statements(app, world, as_user, statements):
    client, path, _form = _librarian(as_user, world, app)
    with statements.counting():
        response = client.get(path)
    assert response.status_code == 200
    # The session with its user and the user's unit; the point; the day's cells; the period's report.
    assert len(statements.sent) == 4, str(statements)


@pytest.mark.parametrize("headers, status", [(JSON, 200), ({}, 303)], ids=["app.js", "plain"])
def test_a_tap_sends_six_statements(app, world, as_user, statements, headers, status):
    client, path, form = _librarian(as_user, world, app)
    client.post(path, data={**form, "cell": "reading:adults"}, headers=headers)  # the cell exists: an update
    with statements.counting():
        response = client.post(path, data={**form, "cell": "reading:adults"}, headers=headers)
    assert response.status_code == status
    # The session, user and unit; the point; the period's report (the lock check);
    # the upsert, which returns the day's total too; the audit row; the data's new generation
    # (app.pagecache), as the transaction commits.
    assert len(statements.sent) == 6, statements
    if headers:
        assert response.json["count"] == 2 and response.json["total"] == 2  # the total, read by the same upsert
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(
            VisitCount.point_id == world.point_a.id, VisitCount.service == "reading",
            VisitCount.reader_group == "adults")) == 2
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "tally")) == 2  # every tap still audited


def test_the_day_total_read_with_the_tap_counts_the_other_cells(app, world, as_user):
    client, path, form = _librarian(as_user, world, app)
    for cell in ("reading:adults", "reading:adults", "lending:children", "computer:elderly"):
        client.post(path, data={**form, "cell": cell}, headers=JSON)
    answer = client.post(path, data={**form, "undo": "reading:adults"}, headers=JSON).json
    assert (answer["count"], answer["total"]) == (1, 3)
    # Undo on an empty cell changes nothing and still answers with the count and the total.
    answer = client.post(path, data={**form, "undo": "digital:adults"}, headers=JSON).json
    assert (answer["count"], answer["total"]) == (0, 3)
