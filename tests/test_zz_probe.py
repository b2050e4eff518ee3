import threading
from app.extensions import db
from app.users.models import LoginThrottle, User
from app.audit.models import AuditEvent
from sqlalchemy import select
from tests.conftest import login, post, csrf_token, PASSWORD


def test_logout_cookie_replay(app, client, world):
    login(client, "librarian_a")
    cookie = client.get_cookie("session").value
    assert post(client, "/logout").status_code == 303
    c2 = app.test_client()
    c2.set_cookie("session", cookie)
    r = c2.get("/")
    print("REPLAY after logout:", r.status_code)


def test_change_password_bruteforce(app, client, world):
    login(client, "librarian_a")
    codes = []
    for i in range(30):
        r = post(client, "/account/password", {"current_password": f"wrong{i}xx", "new_password": "sachmoi2027", "confirm": "sachmoi2027"})
        codes.append(r.status_code)
    r = post(client, "/account/password", {"current_password": PASSWORD, "new_password": "sachmoi2027", "confirm": "sachmoi2027"})
    with app.app_context():
        n = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        thr = db.session.scalars(select(LoginThrottle)).all()
    print("CHPW codes:", set(codes), "final:", r.status_code, "audit rows:", n, "throttle rows:", [(t.key, t.failures) for t in thr])


def test_safe_next_variants(app, client, world):
    from app.users.routes import safe_next
    for t in ["/\t/evil.com", "/\n/evil.com", "/%2F%2Fevil.com", "/\\evil", "/ /evil.com", "/.//evil.com", "///evil.com", "/\x0c/evil.com", "/\x00/e"]:
        print(repr(t), "->", repr(safe_next(t)))
    login(client, "librarian_a")


def test_address_lock_blocks_correct_password(app, client, world):
    # 20 failures against a nonexistent account from one address -> everyone from that address blocked
    for i in range(20):
        c = app.test_client()
        login(c, f"nobody{i % 4}", "x")
    r = login(app.test_client(), "librarian_a")
    print("after 20 failures from same IP, correct login:", r.status_code)


def test_account_lock_dos(app, client, world):
    for i in range(5):
        login(app.test_client(), "admin", "wrong", ) if False else None
    c = app.test_client()
    for i in range(5):
        c.post  # noqa
        login(app.test_client(), "admin", "wrong")
    r = app.test_client().post("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    c = app.test_client()
    tok = csrf_token(c)
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": tok}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    print("admin correct pw from other address after 5 failures elsewhere:", r.status_code)
