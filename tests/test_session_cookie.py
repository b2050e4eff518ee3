"""The session cookie is signed again when it is older than a few minutes, not on every
response, and not only when the session changes (app.users.auth.IdleLimitCookie)."""
from flask import request
from itsdangerous.timed import TimestampSigner

from app.users.auth import IdleLimitCookie
from tests.conftest import login

HOUR = 3600


def _session_cookie_set(response) -> bool:
    return any(value.startswith("session=") for value in response.headers.getlist("Set-Cookie"))


def test_a_fresh_cookie_is_not_signed_again_on_each_request(client, world):
    logged_in = login(client, world.librarian_a.name)
    assert logged_in.status_code == 303 and _session_cookie_set(logged_in)  # a changed session is saved
    client.get("/")  # the page's CSRF token goes into the session: that one is set
    response = client.get("/account")
    assert response.status_code == 200
    assert not _session_cookie_set(response)


def test_an_older_cookie_is_signed_again_so_the_idle_limit_moves(client, world, monkeypatch):
    assert login(client, world.librarian_a.name).status_code == 303
    client.get("/")
    monkeypatch.setattr(IdleLimitCookie, "REFRESH_AFTER", 0)
    response = client.get("/account")
    assert response.status_code == 200
    assert _session_cookie_set(response)


def test_the_idle_limit_counts_from_the_last_request_not_from_the_login(client, world, monkeypatch):
    assert login(client, world.librarian_a.name).status_code == 303
    client.get("/")
    now = TimestampSigner.get_timestamp(None)

    def hours_later(hours):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + int(hours * HOUR))

    hours_later(11)
    assert client.get("/account").status_code == 200  # in use: signed again
    hours_later(20)  # 20 h after logging in, 9 h after the last request
    assert client.get("/account").status_code == 200
    hours_later(32.5)  # 12.5 h idle
    assert client.get("/account").status_code == 303


def test_a_cookie_seen_before_still_lapses_and_shares_nothing(app, client, world, monkeypatch):
    """A cookie whose signature was checked once is not checked again (IdleLimitCookie._verified),
    but its age still is, and no request gets what another did to its session."""
    assert login(client, world.librarian_a.name).status_code == 303
    client.get("/")
    old = client.get_cookie("session").value
    assert client.get("/account").status_code == 200  # seen twice now
    now = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 12 * HOUR + 60)
    client.set_cookie("session", old)  # the same cookie, kept by a browser idle 12 hours
    response = client.get("/account")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    monkeypatch.undo()

    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    for data, kept in (({"_user_id": "x", "csrf_token": "t"}, True), ({"_flashes": [["info", "Đã lưu"]]}, False)):
        cookie = serializer.dumps(data)
        with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
            first = interface.open_session(app, request)
            first.setdefault("_flashes", []).append(("info", "một thông báo khác"))
            first["_user_id"] = "y"
            second = interface.open_session(app, request)
        assert dict(second) == data
        assert ((serializer, cookie) in interface._verified) is kept


def test_the_cookie_follows_a_new_secret_key_and_its_fallbacks(app, client, world):
    """The signing serializer is made once per key, so a key rotated in a running app is used."""
    assert login(client, world.librarian_a.name).status_code == 303
    assert client.get("/account").status_code == 200
    old = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "a new key for this test, long enough to sign"
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert client.get("/account").status_code == 200  # signed with the old key: still taken
    app.config["SECRET_KEY_FALLBACKS"] = []
    response = client.get("/account")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_pages_token_is_signed_once_per_session_and_posts(app, client, world, monkeypatch):
    """Templates' csrf_token() keeps the token it signed for a session (the signature's age is never
    checked): the same on each page, from the first one on, even when the second comes seconds
    later (a new signature would carry a new time), taken by a form, and another session gets its own."""
    import re

    from tests.conftest import post

    def token(page):
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    assert login(client, world.librarian_a.name).status_code == 303
    first = token(client.get("/").get_data(as_text=True))
    now = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 5)
    second = token(client.get("/account").get_data(as_text=True))
    assert first == second
    # The forms' hidden fields (a FlaskForm's own, the header's) carry that token too.
    account = client.get("/account").get_data(as_text=True)
    values = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', account)
    assert len(values) >= 3 and set(values) == {first}
    response = post(client, "/language", {"language": "en", "csrf_token": first})
    assert response.status_code == 303
    other = app.test_client()
    assert login(other, world.librarian_b.name).status_code == 303
    assert token(other.get("/").get_data(as_text=True)) != first
    assert post(other, "/language", {"language": "en", "csrf_token": first}).status_code == 400


def test_the_cookie_carries_the_sessions_id_and_the_token_only(app, client, world):
    """No address-and-browser identifier (login_manager.session_protection is None): the server-side
    session is what a logout or a password change ends, and a small cookie costs less on every request."""
    assert login(client, world.librarian_a.name).status_code == 303
    client.get("/")
    with client.session_transaction() as session:
        assert set(session) == {"_user_id", "csrf_token"}
    cookie = client.get_cookie("session").value
    assert not cookie.startswith(".") and len(cookie) < 200  # not compressed: nothing to compress
    # From another address and browser, the same cookie is the same session, until the server ends it.
    assert client.get("/account", environ_base={"REMOTE_ADDR": "10.9.8.7"},
                      headers={"User-Agent": "Other"}).status_code == 200
