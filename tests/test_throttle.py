"""Login throttling that cannot be turned against users (OWASP device cookies,
ASVS 5.0 V6.3): a browser that logged in to an account before (a known
device) is limited on its own; locks on an account or an address, earned by
unknown devices, never stop its correct login. Locks grow; an administrator
lifts them."""
from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.models_base import utcnow
from app.users.models import LoginThrottle, UserSession
from config import ProductionConfig
from tests.conftest import PASSWORD, csrf_token, login, post, update


def throttle(app, key):
    with app.app_context():
        return db.session.get(LoginThrottle, key)


def keys(app):
    with app.app_context():
        return set(db.session.scalars(select(LoginThrottle.key)).all())


def browser(app, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def known_device(app, username, address="127.0.0.1"):
    """A browser that has logged in to `username` once (and logged out): it holds the device cookie."""
    client = browser(app, address)
    assert login(client, username).status_code == 303
    assert client.get_cookie("device") is not None
    assert post(client, "/logout").status_code == 303
    return client


def sessions(app):
    with app.app_context():
        return db.session.scalars(select(UserSession)).all()


def test_made_up_usernames_from_one_address_do_not_stop_a_known_device(app, world):
    phone = known_device(app, "librarian_a")
    attacker = browser(app)  # the same address: the commune's shared connection
    statuses = [login(attacker, f"ghost{i}", "wrong-password1").status_code for i in range(60)]
    assert statuses.count(422) == app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert statuses[-1] == 429  # the address is locked for unknown devices
    # No real account was counted, let alone locked.
    assert not {k for k in keys(app) if k.startswith(("account:", "device:"))}
    # The librarian's phone logs in with the right password all the same…
    assert login(phone, "librarian_a").status_code == 303
    # …while a new browser on that address waits.
    assert login(browser(app), "librarian_b").status_code == 429


def test_failures_from_many_addresses_do_not_lock_a_known_device_out(app, world):
    phone = known_device(app, "librarian_a", "10.0.0.200")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for i in range(limit + 5):
        login(browser(app, f"10.0.{i % 8}.1"), "librarian_a", "wrong-password1")
    assert throttle(app, "account:librarian_a").locked_until > utcnow()
    assert login(browser(app, "10.9.9.9"), "librarian_a").status_code == 429  # an unknown device
    assert login(phone, "librarian_a").status_code == 303  # the known one
    # Repeatably: the lock holds for unknown devices, and the phone logs in again.
    post(phone, "/logout")
    assert login(browser(app, "10.9.9.8"), "librarian_a").status_code == 429
    assert login(phone, "librarian_a").status_code == 303


def test_a_known_devices_failures_count_against_it_alone(app, world):
    phone = known_device(app, "librarian_a")
    limit = app.config["LOGIN_MAX_FAILURES_PER_DEVICE"]
    for _ in range(limit):
        assert login(phone, "librarian_a", "wrong-password1").status_code == 422
    assert login(phone, "librarian_a").status_code == 429  # this device is locked
    assert [k for k in keys(app) if not k.startswith("device:librarian_a|")] == []
    # Neither the account nor the address is: another browser there logs in.
    assert login(browser(app), "librarian_a").status_code == 303


def test_a_device_cookie_counts_only_for_its_own_account_and_unforged(app, world):
    client = known_device(app, "librarian_b")
    login(client, "librarian_a", "wrong-password1")  # no cookie for librarian_a: an unknown device
    assert {"pair:librarian_a|127.0.0.1", "account:librarian_a", "address:127.0.0.1"} <= keys(app)
    forged = browser(app)
    forged.set_cookie("device", client.get_cookie("device").value[:-2] + "xx")
    login(forged, "librarian_b", "wrong-password1")
    assert throttle(app, "account:librarian_b").failures == 1


def test_a_shared_computer_remembers_several_accounts(app, world):
    shared = known_device(app, "librarian_a")
    assert login(shared, "librarian_b").status_code == 303
    post(shared, "/logout")
    for name in ("librarian_a", "librarian_b"):
        login(shared, name, "wrong-password1")
    assert {k.split("|")[0] for k in keys(app)} == {"device:librarian_a", "device:librarian_b"}


def test_device_cookie_is_httponly_lax_long_lived_and_secure_in_production(app, world):
    client = browser(app)
    response = login(client, "librarian_a")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Max-Age=31536000" in cookie
    assert ProductionConfig.DEVICE_COOKIE_SECURE is True


def lock_minutes(app, key):
    row = throttle(app, key)
    return round((row.locked_until - utcnow()).total_seconds() / 60)


def serve_lock(app, key):
    """As if the lock had just ended."""
    update(app, LoginThrottle, key, locked_until=utcnow() - timedelta(seconds=1))


def test_locks_of_unknown_devices_grow(app, world):
    # Only the pair's lock at play.
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 1000
    client, key = browser(app), "pair:librarian_a|127.0.0.1"
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit + 1):
        login(client, "librarian_a", "wrong-password1")
    assert lock_minutes(app, key) == 15
    for expected in (30, 60, 120):
        serve_lock(app, key)
        statuses = [login(client, "librarian_a", "wrong-password1").status_code for _ in range(limit + 1)]
        assert statuses == [422] * limit + [429]
        assert lock_minutes(app, key) == expected
    response = login(client, "librarian_a")
    assert response.status_code == 429
    assert "120 phút" in response.get_data(as_text=True) or "119 phút" in response.get_data(as_text=True)
    # Capped…
    serve_lock(app, key)
    update(app, LoginThrottle, key, locks=12)
    for _ in range(limit + 1):
        login(client, "librarian_a", "wrong-password1")
    assert lock_minutes(app, key) == app.config["LOGIN_LOCK_MAX_MINUTES"]
    # …and forgiven after a day without a lock.
    update(app, LoginThrottle, key, locked_until=utcnow() - timedelta(hours=25))
    for _ in range(limit + 1):
        login(client, "librarian_a", "wrong-password1")
    assert lock_minutes(app, key) == 15


def test_locks_of_a_known_device_grow_too(app, world):
    phone = known_device(app, "librarian_a")
    limit = app.config["LOGIN_MAX_FAILURES_PER_DEVICE"]
    for _ in range(limit + 1):
        login(phone, "librarian_a", "wrong-password1")
    (key,) = keys(app)
    assert lock_minutes(app, key) == 15
    serve_lock(app, key)
    for _ in range(limit + 1):
        login(phone, "librarian_a", "wrong-password1")
    assert lock_minutes(app, key) == 30


def lock_account(app, name="librarian_a"):
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1):
        login(browser(app, f"10.1.{i % 8}.1"), name, "wrong-password1")
    assert throttle(app, f"account:{name}").locked_until > utcnow()


def test_an_admin_sees_and_lifts_a_throttle(app, world):
    lock_account(app)
    admin = browser(app, "10.2.2.2")
    assert login(admin, "admin").status_code == 303
    page = admin.get("/admin/throttles").get_data(as_text=True)
    assert "librarian_a" in page and "10.1.0.1" in page
    assert 'name="key" value="account:librarian_a"' in page
    response = post(admin, "/admin/throttles/lift", {"key": "account:librarian_a"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/throttles"
    assert throttle(app, "account:librarian_a") is None
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "throttle_lift")).all()
        assert event.username == "admin" and '"key": "account:librarian_a"' in event.before
    assert login(browser(app, "10.3.3.3"), "librarian_a").status_code == 303
    # A limit already gone: nothing to do, nothing recorded.
    assert post(admin, "/admin/throttles/lift", {"key": "account:librarian_a"}).status_code == 303


def test_only_an_admin_lifts_a_throttle(app, world):
    lock_account(app)
    for name in ("librarian_b", "province_p", "trainer_p"):
        client = browser(app, "10.4.4.4")
        assert login(client, name).status_code == 303
        assert client.get("/admin/throttles").status_code == 403
        assert post(client, "/admin/throttles/lift", {"key": "account:librarian_a"}).status_code == 403
    assert throttle(app, "account:librarian_a").locked_until > utcnow()
    with app.app_context():
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "throttle_lift")).all()


def test_lifting_needs_the_csrf_token(app, world):
    lock_account(app)
    admin = browser(app, "10.2.2.2")
    login(admin, "admin")
    assert admin.post("/admin/throttles/lift", data={"key": "account:librarian_a"}).status_code == 400
    assert throttle(app, "account:librarian_a") is not None


def test_next_with_control_characters_is_dropped(app, world):
    client = browser(app)
    token = csrf_token(client)
    for next_value in ("/%0D%0AX:1", "/%0AX:1", "/points%09x", "/%00"):
        response = client.post(f"/login?next={next_value}", data={
            "username": "librarian_a", "password": "wrong-password1", "csrf_token": token})
        # A NUL is refused with the whole request before any view (app.params.register).
        assert response.status_code == (400 if next_value == "/%00" else 422)
        assert sessions(app) == []
    response = client.post("/login?next=/%0D%0AX:1", data={
        "username": "librarian_a", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "X" not in response.headers
    assert len(sessions(app)) == 1
    assert client.get("/login?next=/%0D%0AX:1").headers["Location"] == "/"


def test_language_form_drops_next_with_control_characters(app, world):
    client = browser(app)
    response = client.post("/language", data={"language": "en", "next": "/\r\nX: 1", "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    login(client, "librarian_a")
    response = post(client, "/language", {"language": "en", "next": "/points\nX: 1"})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_forwarded_header_without_proxy_count_warns_once(app, world, monkeypatch):
    assert app.config["PROXY_COUNT"] == 0
    # Recorded on the app's logger itself: an earlier `flask db upgrade` in this process (alembic's
    # fileConfig) may have disabled the loggers that caplog listens through.
    warnings = []
    monkeypatch.setattr(app.logger, "warning", lambda message, *args: warnings.append(message % args))
    client = app.test_client()
    client.get("/login")
    assert warnings == []
    client.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
    client.get("/login", headers={"X-Forwarded-For": "203.0.113.8"})
    assert len(warnings) == 1 and "PROXY_COUNT" in warnings[0]
