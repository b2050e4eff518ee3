"""Sessions end by age (SESSION_MAX_AGE) however busy they are, and a user
can end their other sessions from the account page."""
from datetime import timedelta

from sqlalchemy import select

from app import models_base
from app.audit.models import AuditEvent
from app.extensions import db
from app.users.models import UserSession
from config import Config
from tests.conftest import login, post


def sessions_of(app, user_id):
    with app.app_context():
        return db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)).all()


def freeze(monkeypatch, at):
    monkeypatch.setattr(models_base, "utcnow", lambda: at)


def test_default_max_age_is_seven_days():
    assert Config.SESSION_MAX_AGE == 7 * 24 * 60 * 60
    assert Config.PERMANENT_SESSION_LIFETIME == 12 * 60 * 60  # the idle limit stays


def test_a_session_older_than_its_max_age_is_refused_and_deleted(app, client, world, monkeypatch):
    login(client, "librarian_a")
    (session,) = sessions_of(app, world.librarian_a.id)
    max_age = timedelta(seconds=app.config["SESSION_MAX_AGE"])
    freeze(monkeypatch, session.created_at + max_age - timedelta(minutes=1))
    assert client.get("/").status_code == 200
    freeze(monkeypatch, session.created_at + max_age)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert sessions_of(app, world.librarian_a.id) == []
    # A new login starts a new session of the full age.
    assert login(client, "librarian_a").status_code == 303
    assert client.get("/").status_code == 200


def test_an_htmx_request_of_an_aged_session_goes_to_the_login_page(app, client, world, monkeypatch):
    login(client, "librarian_a")
    (session,) = sessions_of(app, world.librarian_a.id)
    freeze(monkeypatch, session.created_at + timedelta(days=8))
    response = client.get("/points", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/points"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_account_page_shows_when_the_session_started_and_ends(app, client, world):
    login(client, "librarian_a")
    (session,) = sessions_of(app, world.librarian_a.id)
    with app.test_request_context():
        from app.formatting import fmt_datetime

        started = fmt_datetime(session.created_at)
        ends = fmt_datetime(session.created_at + timedelta(seconds=app.config["SESSION_MAX_AGE"]))
    page = client.get("/account").get_data(as_text=True)
    assert started in page and ends in page


def test_log_out_other_devices(app, world):
    phone, pc, tablet = app.test_client(), app.test_client(), app.test_client()
    for client in (phone, pc, tablet):
        assert login(client, "librarian_a").status_code == 303
    other = app.test_client()
    login(other, "librarian_b")
    page = phone.get("/account").get_data(as_text=True)
    assert 'action="/account/logout-others"' in page
    response = post(phone, "/account/logout-others")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert phone.get("/").status_code == 200
    assert pc.get("/").status_code == 303 and tablet.get("/").status_code == 303
    assert other.get("/").status_code == 200  # another user's session is not touched
    assert len(sessions_of(app, world.librarian_a.id)) == 1
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "logout_others")).all()
        assert event.username == "librarian_a" and event.after == '{"sessions": 2}'
    # With no other session left, the page offers no button.
    assert "logout-others" not in phone.get("/account").get_data(as_text=True)


def test_log_out_other_devices_needs_the_csrf_token(app, world):
    phone, pc = app.test_client(), app.test_client()
    login(phone, "librarian_a")
    login(pc, "librarian_a")
    assert phone.post("/account/logout-others").status_code == 400
    assert pc.get("/").status_code == 200
