"""Logging in and out, lockout, sessions, CSRF and the login redirect."""
from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.models_base import utcnow
from app.users.models import LoginThrottle, User, UserSession
from tests.conftest import PASSWORD, csrf_token, fetch, login, post, update


def audit_actions(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def throttle(app, key):
    with app.app_context():
        return db.session.get(LoginThrottle, key)


def test_login_success_records_and_redirects_home(app, client, world):
    response = login(client, "librarian_a")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    events = audit_actions(app, "login")
    assert [e.username for e in events] == ["librarian_a"]
    assert events[0].source_address == "127.0.0.1"
    assert fetch(app, User, world.librarian_a.id).last_login_at is not None


def test_login_is_case_insensitive_on_username(client, world):
    assert login(client, "Librarian_A").status_code == 303


def test_wrong_password_is_refused_counted_and_recorded(app, client, world):
    response = login(client, "librarian_a", "wrong-password1")
    assert response.status_code == 422
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 303  # still logged out
    failed = audit_actions(app, "login_failed")
    assert len(failed) == 1 and failed[0].username == "librarian_a"
    assert throttle(app, "pair:librarian_a|127.0.0.1").failures == 1


def test_unknown_user_gets_the_same_message(client, world):
    response = login(client, "nobody", PASSWORD)
    assert response.status_code == 422
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_account_locks_after_repeated_failures(client, world, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert login(client, "librarian_a", "wrong-password1").status_code == 422
    # Even the right password is refused while the account is locked.
    response = login(client, "librarian_a", PASSWORD)
    assert response.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in response.get_data(as_text=True)
    assert client.get("/").status_code == 303
    # Another account from the same address is not locked by these failures.
    assert login(client, "librarian_b").status_code == 303


def test_lock_ends_after_its_time(client, world, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"] + 1):
        login(client, "librarian_a", "wrong-password1")
    assert throttle(app, "pair:librarian_a|127.0.0.1").locked_until > utcnow()
    update(app, LoginThrottle, "pair:librarian_a|127.0.0.1", locked_until=utcnow() - timedelta(seconds=1))
    assert login(client, "librarian_a").status_code == 303
    # A successful login clears the account's counters.
    assert throttle(app, "pair:librarian_a|127.0.0.1") is None
    assert throttle(app, "account:librarian_a") is None


def test_source_address_locks_after_failures_on_many_accounts(client, world, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    for i in range(4):
        assert login(client, f"guess{i}", "wrong-password1").status_code == 422
    response = login(client, "librarian_a", PASSWORD)
    assert response.status_code == 429
    # A different source address is not affected.
    other = app.test_client()
    token = csrf_token(other)
    response = other.post("/login", data={"username": "librarian_a", "password": PASSWORD, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 303


def test_failures_outside_the_window_start_again(client, world, app):
    key = "pair:librarian_a|127.0.0.1"
    login(client, "librarian_a", "wrong-password1")
    login(client, "librarian_a", "wrong-password1")
    assert throttle(app, key).failures == 2
    update(app, LoginThrottle, key,
           window_started_at=utcnow() - timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1))
    login(client, "librarian_a", "wrong-password1")
    assert throttle(app, key).failures == 1


def test_deactivated_user_cannot_log_in(app, client, world):
    update(app, User, world.librarian_a.id, active=False)
    response = login(client, "librarian_a")
    assert response.status_code == 422
    assert audit_actions(app, "login_failed")[0].after == '{"reason": "inactive"}'


def test_a_deactivated_account_is_told_so_only_after_its_correct_password(app, client, world):
    from flask_babel import gettext

    with app.test_request_context():  # Vietnamese, the default
        deactivated = gettext("This account has been deactivated. Ask your administrator to reactivate it.")
        wrong = gettext("Wrong username or password.")
    update(app, User, world.librarian_a.id, active=False)
    html = login(client, "librarian_a").get_data(as_text=True)
    assert deactivated in html and wrong not in html
    assert client.get("/").status_code in (302, 303)  # still not logged in
    # A guesser learns nothing: a wrong password, or no such account, reads as before.
    for username, password in (("librarian_a", "wrong-password1"), ("no_such_user", PASSWORD)):
        html = login(client, username, password).get_data(as_text=True)
        assert wrong in html and deactivated not in html


def test_logout_ends_the_session_and_is_recorded(app, client, world):
    login(client, "librarian_a")
    response = post(client, "/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 303
    assert [e.username for e in audit_actions(app, "logout")] == ["librarian_a"]


def test_logout_needs_post(client, world):
    login(client, "librarian_a")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_login_issues_a_fresh_session(app, client, world):
    with client.session_transaction() as session:
        session["planted"] = "value from before the login"
    login(client, "librarian_a")
    with client.session_transaction() as session:
        assert "planted" not in session
        session_id = session["_user_id"]
    assert fetch(app, UserSession, session_id).user_id == world.librarian_a.id


def test_changing_password_ends_other_sessions(app, world):
    phone, pc = app.test_client(), app.test_client()
    login(phone, "librarian_a")
    login(pc, "librarian_a")
    response = post(phone, "/account/password", {
        "current_password": PASSWORD, "new_password": "sachmoi2027", "confirm": "sachmoi2027"})
    assert response.status_code == 303
    assert phone.get("/").status_code == 200  # the session that changed it stays
    assert pc.get("/").status_code == 303  # every other one has ended
    assert login(pc, "librarian_a", "sachmoi2027").status_code == 303
    assert len(audit_actions(app, "password_change")) == 1


def test_change_password_validation(app, client, world):
    login(client, "librarian_a")
    cases = [
        ({"current_password": "wrong", "new_password": "sachmoi2027", "confirm": "sachmoi2027"},
         "Mật khẩu hiện tại không đúng"),
        ({"current_password": PASSWORD, "new_password": "short1", "confirm": "short1"}, "ít nhất 8 ký tự"),
        ({"current_password": PASSWORD, "new_password": "onlyletters", "confirm": "onlyletters"}, "cả chữ và số"),
        ({"current_password": PASSWORD, "new_password": "sachmoi2027", "confirm": "sachmoi2028"}, "không khớp"),
    ]
    for data, message in cases:
        response = post(client, "/account/password", data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert fetch(app, User, world.librarian_a.id).check_password(PASSWORD)


def test_deactivating_a_user_ends_their_sessions(app, world):
    librarian, admin = app.test_client(), app.test_client()
    login(librarian, "librarian_a")
    login(admin, "admin")
    assert post(admin, f"/admin/users/{world.librarian_a.id}/deactivate").status_code == 303
    assert librarian.get("/").status_code == 303


def test_reset_password_forces_a_change_at_next_login(app, world):
    admin, user = app.test_client(), app.test_client()
    login(admin, "admin")
    response = post(admin, f"/admin/users/{world.librarian_a.id}/password",
                    {"password": "tamthoi2026x", "confirm": "tamthoi2026x"})
    assert response.status_code == 303
    assert login(user, "librarian_a", "tamthoi2026x").status_code == 303
    # Every page leads to the password form until a new password is chosen.
    response = user.get("/points")
    assert response.status_code == 303 and response.headers["Location"] == "/account/password"
    response = post(user, "/account/password", {
        "current_password": "tamthoi2026x", "new_password": "cuatoi2027", "confirm": "cuatoi2027"})
    assert response.status_code == 303
    assert user.get("/points").status_code == 200


def test_next_is_followed_only_within_the_site(client, world):
    token = csrf_token(client)
    data = {"username": "librarian_a", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    post(client, "/logout")
    token = csrf_token(client)
    response = client.post("/login?next=/points", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/points"


def test_anonymous_page_request_redirects_to_login_with_next(client, world):
    response = client.get("/points?commune_id=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/points?commune_id%3D1"


def test_expired_session_on_htmx_request_redirects_the_browser(client, world):
    response = client.get("/points?q=x", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/points?q=x"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/points?q%3Dx"


def test_post_without_csrf_token_is_refused(app, client, world):
    response = client.post("/login", data={"username": "librarian_a", "password": PASSWORD})
    assert response.status_code == 400
    assert "hết hạn" in response.get_data(as_text=True)
    assert not audit_actions(app, "login")


def test_htmx_post_with_stale_csrf_token_refreshes_the_page(client, world):
    login(client, "librarian_a")
    response = client.post("/logout", data={"csrf_token": "stale"}, headers={"HX-Request": "true"})
    assert response.headers.get("HX-Refresh") == "true"
    assert client.get("/").status_code == 200  # nothing happened


def test_csrf_token_is_accepted_from_the_htmx_header(client, world):
    login(client, "librarian_a")
    token = csrf_token(client, "/")
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert "HX-Location" in response.headers
    assert client.get("/").status_code == 303


def other_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_locking_an_account_from_one_address_does_not_lock_it_elsewhere(app, client, world):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"] + 1):
        login(client, "admin", "wrong-password1")
    assert login(client, "admin").status_code == 429
    assert login(other_address(app, "10.9.9.9"), "admin").status_code == 303


def test_guesses_from_many_addresses_lock_the_account(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    for i in range(3):
        assert login(other_address(app, f"10.0.0.{i}"), "librarian_a", "wrong-password1").status_code == 422
    assert login(other_address(app, "10.0.0.99"), "librarian_a").status_code == 429


def test_parallel_guesses_are_all_counted(app, world):
    """Attempts are counted before the password is checked, so parallel
    requests cannot get more password checks than the limit."""
    from concurrent.futures import ThreadPoolExecutor

    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    clients = [app.test_client() for _ in range(16)]
    tokens = [csrf_token(c) for c in clients]

    def guess(i):
        return clients[i].post("/login", data={"username": "librarian_a", "password": f"guess-{i}x1",
                                               "csrf_token": tokens[i]}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(16)))
    assert statuses.count(422) <= limit
    assert statuses.count(429) >= 16 - limit
    assert login(app.test_client(), "librarian_a").status_code == 429


def test_a_copied_cookie_is_worthless_after_logout(app, client, world):
    login(client, "librarian_a")
    cookie = client.get_cookie("session").value
    post(client, "/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 303


def test_guessing_the_current_password_is_throttled_and_recorded(app, client, world):
    login(client, "librarian_a")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        response = post(client, "/account/password", {
            "current_password": "wrong-guess1", "new_password": "sachmoi2027", "confirm": "sachmoi2027"})
        assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    response = post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "sachmoi2027", "confirm": "sachmoi2027"})
    assert response.status_code == 422
    assert "Quá nhiều lần đăng nhập sai" in response.get_data(as_text=True)
    assert len(audit_actions(app, "password_change_failed")) == limit
    assert fetch(app, User, world.librarian_a.id).check_password(PASSWORD)
