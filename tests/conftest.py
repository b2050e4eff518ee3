"""Fixtures: a fresh database per test, the app, a client, and factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL
points at one (`make test` does both). The schema is created once per run; each
test starts from empty tables.
"""
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

_tmp = tempfile.mkdtemp(prefix="sothuvien-test-")
os.environ.setdefault("TEST_DATABASE_URL", f"sqlite:///{_tmp}/test.db")
os.environ.setdefault("INSTANCE_PATH", _tmp)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402
from tests.factories import World  # noqa: E402

PASSWORD = "thuvien2026"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
# Sweeps over every route and role or every page: a fifth of the SQLite run's time.
SWEEPS = {"test_access_matrix.py", "test_html.py", "test_xss.py", "test_fuzz.py"}


def pytest_collection_modifyitems(items):
    """Every test under tests/browser/ is marked `browser`, and the sweeps
    `sweep` (see pytest.ini): `make test-fast` leaves them out."""
    for item in items:
        if BROWSER_TESTS in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)
        if item.path.name in SWEEPS:
            item.add_marker(pytest.mark.sweep)


@pytest.fixture(scope="session")
def _schema():
    app = create_app(TestConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield


def empty_tables():
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def app(_schema):
    """The app on empty tables. No app context stays pushed during the test:
    each request then gets its own context, `g` and database session, as in
    production (a shared context would carry the logged-in user and the CSRF
    token from one request to the next). Tests open `with app.app_context():`
    to look at the database."""
    app = create_app(TestConfig)
    with app.app_context():
        empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the client's session, as a page carries it."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username, password=PASSWORD):
    """Log in through the real form; returns the response to the POST."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def post(client, path, data=None, headers=None, **kwargs):
    """POST with the session's CSRF token added, as the page's form would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, "/"))
    return client.post(path, data=data, headers=headers or {}, **kwargs)


@pytest.fixture
def world(app):
    with app.app_context():
        return World.build()


@pytest.fixture
def as_user(client, world):
    """as_user("librarian_a") logs the client in as that world user."""

    def _as(name):
        response = login(client, getattr(world, name).name)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client

    return _as


def refusal(app, value, minimum=None, maximum=None) -> str:
    """The message app.numbers gives a librarian (in Vietnamese) for `value`,
    as a page shows it."""
    from flask_babel import force_locale

    from app.numbers import NumberError, parse_whole

    with app.test_request_context(), force_locale("vi"):
        try:
            parse_whole(value, minimum, maximum)
        except NumberError as error:
            return str(error)
    raise AssertionError(f"{value!r} was accepted")


def fetch(app, model, key):
    """A row as it is now in the database, detached (its columns loaded)."""
    with app.app_context():
        obj = db.session.get(model, key)
        if obj is not None:
            db.session.expunge(obj)
        return obj


@contextmanager
def old_schema_transaction(engine):
    """A transaction on `engine` whose writes give the data no new generation (app.pagecache), as
    a migration's: the schema it writes to may be older than the data_generation table."""
    with engine.connect().execution_options(data_generation=False) as conn, conn.begin():
        yield conn


def update(app, model, key, **values):
    """Change a row directly in the database, as another server would."""
    with app.app_context():
        obj = db.session.get(model, key)
        for name, value in values.items():
            setattr(obj, name, value)
        db.session.commit()
