"""Languages: complete catalogs, the per-user switch, Vietnamese formats."""
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.users.models import User
from tests.conftest import csrf_token, fetch, login, post

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings the code uses now, extracted as `make extract` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "--ignore-dirs", ".*", "-k", "lazy_gettext", "-k", "_l",
                    "-k", "_n:1,2", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalog_is_complete(extracted, lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    missing = sorted(extracted - set(translated))
    untranslated = sorted(k for k in extracted if not translated.get(k, False))
    assert not missing, f"not in translations/{lang} (run make extract): {missing[:5]}"
    assert not untranslated, f"untranslated or fuzzy in translations/{lang}: {untranslated[:5]}"
    assert (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo").exists(), "run make translations"


def test_vietnamese_is_the_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in body and "Đăng nhập" in body


def test_anonymous_switch_to_english(client):
    token = csrf_token(client)
    response = client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in body and "Log in" in body


def test_user_language_is_stored_and_follows_them(app, as_user, world):
    client = as_user("librarian_a")
    response = post(client, "/language", {"language": "en", "next": "/points"})
    assert response.headers["Location"] == "/points"
    assert fetch(app, User, world.librarian_a.id).language == "en"
    assert "Library points" in client.get("/points").get_data(as_text=True)
    # Another device, the same user: English too.
    other = app.test_client()
    login(other, "librarian_a")
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_language_switch_rejects_unknown_language_and_foreign_next(app, as_user, world):
    client = as_user("librarian_a")
    response = post(client, "/language", {"language": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert fetch(app, User, world.librarian_a.id).language == "vi"


def test_formats(app):
    from app.formatting import fmt_date, fmt_datetime, fmt_number, fmt_vnd, parse_date

    with app.test_request_context():
        assert fmt_date(date(2026, 7, 1)) == "01/07/2026"
        # 20:30 UTC on 30 June is 03:30 on 1 July in Asia/Ho_Chi_Minh.
        moment = datetime(2026, 6, 30, 20, 30, tzinfo=timezone.utc)
        assert fmt_datetime(moment) == "01/07/2026 03:30"
        assert fmt_date(moment) == "01/07/2026"
        assert fmt_number(1234567) == "1.234.567"
        assert fmt_vnd(15000000) == "15.000.000 ₫"
    assert parse_date("15/08/2013") == date(2013, 8, 15) == parse_date("2013-08-15")
    assert parse_date("31/02/2013") is None


@pytest.mark.parametrize("moments", [
    # (UTC, the day in Hà Nội): its day begins at 17:00 UTC the day before
    [((2026, 12, 31, 16, 59, 59), date(2026, 12, 31)), ((2026, 12, 31, 17, 0, 0), date(2027, 1, 1)),
     ((2026, 12, 31, 16, 59, 59), date(2026, 12, 31))],  # a clock set back leaves the day it moved into
    [((2026, 6, 30, 20, 30, 0), date(2026, 7, 1)), ((2026, 6, 29, 17, 0, 0), date(2026, 6, 30)),
     ((2026, 7, 1, 16, 59, 0), date(2026, 7, 1)), ((2026, 7, 1, 17, 0, 0), date(2026, 7, 2))],
])
def test_today_local_turns_at_midnight_in_ha_noi(app, monkeypatch, moments):
    """today_local() keeps the day's bounds per process: it must still turn at the local midnight,
    forward and back."""
    from app.formatting import today_local

    with app.test_request_context():
        for moment, day in moments:
            monkeypatch.setattr("app.models_base.utcnow", lambda moment=moment: datetime(*moment, tzinfo=timezone.utc))
            assert today_local() == day, moment


def test_timestamps_round_trip_as_utc(app, world):
    with app.app_context():
        user = db.session.get(User, world.librarian_a.id)
        user.last_login_at = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(User, world.librarian_a.id).last_login_at == datetime(2026, 1, 1, 12, 0,
                                                                                     tzinfo=timezone.utc)
