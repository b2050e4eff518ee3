"""API tokens: made on a page and shown once, kept hashed, revoked, rate-limited, audited; a login cookie
authorises no API call."""
import re

from sqlalchemy import func, select

from app.api.models import ApiToken, digest
from app.audit.models import AuditEvent
from app.extensions import db
from tests.api_support import bearer, make_token
from tests.conftest import post
from tests.test_migrations import empty_database_url  # noqa: F401, F811  (a fixture)

TOKEN_RE = re.compile(r'value="(stv_[0-9a-f]{10}_[A-Za-z0-9_-]+)"')


def tokens_in(app) -> list[ApiToken]:
    with app.app_context():
        return db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def test_province_staff_make_a_token_shown_once_and_kept_hashed(app, client, world, as_user):
    as_user("province_staff_p")
    assert client.get("/api-tokens").status_code == 200
    response = post(client, "/api-tokens/new", {"name": "Hệ thống thống kê quốc gia"})
    assert response.status_code == 200
    secret = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    [token] = tokens_in(app)
    assert token.province_id == world.province_p.id and token.created_by_id == world.province_staff_p.id
    assert token.secret_hash == digest(secret) and secret not in (token.secret_hash, token.public_id)
    listing = client.get("/api-tokens").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing and "Hệ thống thống kê quốc gia" in listing
    # It works, and the list then shows when it was last used.
    api = app.test_client()
    assert api.get("/api/v1/communes", headers=bearer(secret)).status_code == 200
    assert tokens_in(app)[0].last_used_at is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "api_token_create", AuditEvent.object_type == "api_token")) == 1


def test_a_token_needs_its_purpose_and_nothing_is_half_saved(app, client, as_user):
    as_user("province_staff_p")
    for name in ("", "   ", "x" * 81):
        response = post(client, "/api-tokens/new", {"name": name})
        assert response.status_code == 422, name
    assert tokens_in(app) == []


def test_an_administrator_chooses_the_province(app, client, world, as_user):
    as_user("admin")
    page = client.get("/api-tokens").get_data(as_text=True)
    assert 'name="province"' in page
    assert post(client, "/api-tokens/new", {"name": "Thống kê"}).status_code == 422
    assert post(client, "/api-tokens/new", {"name": "Thống kê", "province": world.commune_a.id}).status_code == 422
    assert tokens_in(app) == []
    response = post(client, "/api-tokens/new", {"name": "Thống kê", "province": world.province_q.id})
    assert response.status_code == 200
    [token] = tokens_in(app)
    assert token.province_id == world.province_q.id
    secret = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    body = app.test_client().get("/api/v1/communes", headers=bearer(secret)).get_json()
    assert {item["id"] for item in body["items"]} == {world.commune_c.id}


def test_province_staff_choose_no_province(app, client, world, as_user):
    """A province officer's token is of their province, whatever the form sends."""
    as_user("province_staff_p")
    assert 'name="province"' not in client.get("/api-tokens").get_data(as_text=True)
    post(client, "/api-tokens/new", {"name": "Thống kê", "province": world.province_q.id})
    assert [t.province_id for t in tokens_in(app)] == [world.province_p.id]


def test_librarians_and_trainers_manage_no_tokens(app, world):
    from tests.conftest import login

    for role in ("librarian_a", "trainer_p"):
        client = app.test_client()
        assert login(client, getattr(world, role).name).status_code == 303
        assert client.get("/api-tokens").status_code == 403
        assert post(client, "/api-tokens/new", {"name": "Thống kê"}).status_code == 403
    assert tokens_in(app) == []


def test_the_account_page_links_to_the_tokens(app, world):
    from tests.conftest import login

    for role, shown in (("province_staff_p", True), ("admin", True), ("librarian_a", False), ("trainer_p", False)):
        client = app.test_client()
        assert login(client, getattr(world, role).name).status_code == 303
        assert ("/api-tokens" in client.get("/account").get_data(as_text=True)) is shown, role


def test_a_revoked_token_is_refused(app, client, world, as_user):
    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    foreign = make_token(app, world.province_staff_q.id, world.province_q.id)
    own_id, foreign_id = (t.id for t in tokens_in(app))
    api = app.test_client()
    assert api.get("/api/v1/provinces", headers=bearer(secret)).status_code == 200
    as_user("province_staff_p")
    assert post(client, f"/api-tokens/{foreign_id}/revoke").status_code == 403
    assert post(client, f"/api-tokens/{own_id}/revoke").status_code == 303
    response = api.get("/api/v1/provinces", headers=bearer(secret))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert api.get("/api/v1/provinces", headers=bearer(foreign)).status_code == 200
    assert post(client, f"/api-tokens/{own_id}/revoke").status_code == 303  # twice: still revoked, once
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "api_token_revoke")) == 1


def test_a_deactivated_creators_tokens_stop_working(app, world):
    from app.users.models import User

    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    api = app.test_client()
    assert api.get("/api/v1/provinces", headers=bearer(secret)).status_code == 200
    with app.app_context():
        db.session.get(User, world.province_staff_p.id).active = False
        db.session.commit()
    response = api.get("/api/v1/provinces", headers=bearer(secret))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_a_wrong_or_malformed_token_is_refused(app, world):
    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    api = app.test_client()
    tampered = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for header in (f"Bearer {tampered}", "Bearer stv_", "Bearer nothing", f"Basic {secret}", secret, "Bearer "):
        response = api.get("/api/v1/provinces", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] == "invalid_token"
    with app.app_context():  # the refusal that named a real token's prefix is in the trail
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "api_refused")) == 1


def test_a_login_cookie_authorises_no_api_call(app, client, world, as_user):
    as_user("province_staff_p")
    response = client.get("/api/v1/provinces")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert "Set-Cookie" not in response.headers
    secret = make_token(app, world.province_staff_q.id, world.province_q.id)
    body = client.get("/api/v1/provinces", headers=bearer(secret)).get_json()  # the token decides, not the cookie
    assert [item["id"] for item in body["items"]] == [world.province_q.id]


def test_calls_beyond_the_limit_are_refused_with_retry_after(app, world):
    app.config.update(API_RATE_LIMIT=3, API_RATE_WINDOW=10**9)  # one window for the whole test
    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    other = make_token(app, world.admin.id, world.province_p.id)
    api = app.test_client()
    for _ in range(3):
        assert api.get("/api/v1/provinces", headers=bearer(secret)).status_code == 200
    response = api.get("/api/v1/provinces", headers=bearer(secret))
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/provinces", headers=bearer(other)).status_code == 200  # counted per token


def test_every_call_leaves_one_audit_row(app, world):
    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    api = app.test_client()
    api.get("/api/v1/communes?limit=1", headers=bearer(secret))
    api.get(f"/api/v1/communes/{world.commune_c.id}", headers=bearer(secret))
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_call")
                                  .order_by(AuditEvent.id)).all()
        assert [(r.user_id, r.unit_id, r.object_type) for r in rows] == [
            (world.province_staff_p.id, world.province_p.id, "api_token")] * 2
        assert '"answer": 200' in rows[0].after and "/api/v1/communes?limit=1" in rows[0].after
        assert '"answer": 404' in rows[1].after


def test_the_audit_trail_describes_api_calls(app, client, world, as_user):
    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    app.test_client().get("/api/v1/provinces", headers=bearer(secret))
    as_user("province_staff_p")
    page = client.get("/audit").get_data(as_text=True)
    assert "/api/v1/provinces" in page


def test_the_migration_upgrades_and_downgrades(empty_database_url):  # noqa: F811
    from app import create_app
    from config import TestConfig

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Fresh)
    runner = app.test_cli_runner()

    def tables():
        with app.app_context():
            names = set(db.inspect(db.engine).get_table_names())
            db.engine.dispose()
            return names

    for args, present in ((["db", "upgrade"], True), (["db", "downgrade", "f7be2197030f"], False),
                          (["db", "upgrade"], True)):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert ("api_token" in tables()) is present, args
