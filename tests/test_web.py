"""Health check, security headers, cookies, htmx page-or-fragment rules, errors."""
import re

import pytest

from app import create_app
from config import ProductionConfig, TestConfig
from tests.conftest import login


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_healthz_503_when_the_database_is_gone(tmp_path):
    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/none.db"

    app = create_app(Unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "database" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self';") and "unsafe" not in csp  # scripts and styles: self only
    assert "script-src" not in csp and "style-src" not in csp  # nothing widens default-src for them
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_carry_no_inline_script(as_user, world):
    body = as_user("admin").get("/").get_data(as_text=True)
    assert "<script>" not in body and " on" + "click=" not in body
    assert re.search(r'<script src="/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{10}\.js" defer></script>', body)
    assert re.search(r'<script src="/static/js/app\.[0-9a-f]{10}\.js" defer></script>', body)


def test_session_cookie_flags(client, world):
    response = login(client, "librarian_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_production_cookie_is_secure_and_needs_a_secret_key(monkeypatch):
    assert ProductionConfig.SESSION_COOKIE_SECURE is True

    class NoKey(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(NoKey)


def test_development_key_is_generated_once(tmp_path, monkeypatch):
    import config

    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.development_secret_key()
    assert len(first) == 64 and config.development_secret_key() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_database_url_spellings():
    from config import normalise_database_url

    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


@pytest.mark.parametrize("headers, fragment", [
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ({"HX-History-Restore-Request": "true"}, False),
    ({}, False),
])
def test_page_or_fragment(as_user, world, headers, fragment):
    response = as_user("province_staff_p").get("/points", headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" not in body) is fragment
    assert "Điểm thư viện Xã A" in body
    assert "HX-Request" in response.headers["Vary"]


def test_errors_are_localized_pages_or_retargeted_fragments(as_user, world):
    client = as_user("librarian_a")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Không được phép" in response.get_data(as_text=True) and "<html" in response.get_data(as_text=True)
    response = client.get("/points/999999", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#flashes"
    assert "<html" not in response.get_data(as_text=True)
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_unknown_url_is_a_localized_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_pages_answer_503_without_a_trace_when_the_database_is_gone(app, world, tmp_path):
    """A logged-in user's next request when the database cannot be reached:
    a localized 503 page (and fragment), no stack trace."""
    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/none.db"

    client = app.test_client()
    assert login(client, world.librarian_a.name).status_code == 303
    broken = create_app(Unreachable)
    broken_client = broken.test_client()
    broken_client.set_cookie("session", client.get_cookie("session").value)
    for path, headers in (("/", {}), (f"/points/{world.point_a.id}/tally", {}), ("/", {"HX-Request": "true"})):
        response = broken_client.get(path, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 503, (path, response.status_code)
        assert "Dịch vụ tạm thời không khả dụng" in body or "tạm thời" in body, body[:500]
        assert "Traceback" not in body and "sqlalchemy" not in body.lower() and "none.db" not in body
        assert response.headers["Retry-After"] == "30"
    assert broken_client.post("/login", data={"username": "x", "password": "y"}).status_code in (400, 503)


def test_production_shows_no_debug_output(app, world, monkeypatch):
    """In production an unexpected error is a short localized 500 page: no
    traceback, no exception text, no debugger."""
    from app.access import public

    class Production(ProductionConfig):
        SECRET_KEY = "a-production-key"
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    production = create_app(Production)

    @public
    def boom():
        raise ZeroDivisionError("secret detail")

    production.add_url_rule("/boom", "boom", boom)
    assert not production.debug and not production.testing
    response = production.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in body
    for leak in ("Traceback", "ZeroDivisionError", "secret detail", "werkzeug", "Werkzeug"):
        assert leak not in body, leak
    assert "Werkzeug" not in response.headers.get("Server", "")
