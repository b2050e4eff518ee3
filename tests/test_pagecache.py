"""app.pagecache: a kept page is served again only to the same session, while no data, day or
request header it depends on has changed; every kind of write gives the data a new generation."""
import gzip
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select, text

from app import pagecache, sql
from app.equipment.models import EquipmentItem
from app.extensions import db
from app.units.models import Unit
from tests.conftest import csrf_token, login, post, update
from tests.test_equipment import make_item
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)


def generation(app) -> int | None:
    with app.app_context():
        return db.session.scalar(select(pagecache.DataGeneration.token))


@pytest.fixture
def statements(app):
    """How many statements the requests under `with statements:` sent (ORM and driver_row alike)."""

    class Counter:
        sent = 0

        def _count(self, *args):
            self.sent += 1

        def __enter__(self):
            self.sent = 0
            with app.app_context():
                self.engine = db.engine
            event.listen(self.engine, "before_cursor_execute", self._count)
            sql.listeners.append(self._count)
            return self

        def __exit__(self, *exc):
            event.remove(self.engine, "before_cursor_execute", self._count)
            sql.listeners.remove(self._count)

    return Counter()


# --- The generation ------------------------------------------------------------------


def test_every_commit_that_wrote_gives_a_new_generation_and_a_read_or_a_rollback_none(app, world):
    first = generation(app)
    assert first is not None  # the world's rows were written
    with app.app_context():
        db.session.scalar(select(Unit.name).limit(1))
        db.session.commit()
    assert generation(app) == first
    update(app, Unit, world.commune_a.id, name="Xã đã đổi tên")  # the ORM
    second = generation(app)
    assert second != first
    with app.app_context():
        db.session.execute(text("UPDATE unit SET name = 'Xã Hòa Bình' WHERE id = :id"), {"id": world.commune_a.id})
        db.session.rollback()
    assert generation(app) == second
    with app.app_context():  # a statement of its own, as a bulk change or a migration sends it
        db.session.execute(text("UPDATE unit SET name = 'Xã Hòa Bình' WHERE id = :id"), {"id": world.commune_a.id})
        db.session.commit()
    assert generation(app) not in (first, second)


def test_a_deleted_generation_row_comes_back_with_the_next_write(app, world):
    with app.app_context():
        db.session.execute(text("DELETE FROM data_generation"))
        db.session.commit()
    assert generation(app) is not None


# --- The pages -------------------------------------------------------------------------


def test_a_page_opened_again_is_served_from_what_was_kept(app, as_user, world, statements):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    client.get(url)  # the session's CSRF token is made here: a page that changed the cookie is not kept
    with statements:
        first = client.get(url)
    rendered = statements.sent
    with statements:
        again = client.get(url)
    assert again.status_code == 200 and again.data == first.data
    assert statements.sent == 1 < rendered  # the session's row, which brings the generation
    assert again.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in again.headers


def test_a_kept_page_follows_a_change_made_by_another_server(app, as_user, world):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    item = make_item(app, world.point_a.id, description="Máy chiếu cũ")
    client.get(url)
    assert "Máy chiếu cũ" in client.get(url).get_data(as_text=True)
    update(app, EquipmentItem, item, description="Máy chiếu đã sửa tên")
    page = client.get(url).get_data(as_text=True)
    assert "Máy chiếu đã sửa tên" in page and "Máy chiếu cũ" not in page


def test_a_kept_page_is_never_served_to_another_session(app, client, world):
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    login(client, "librarian_a")
    client.get(url)
    mine = client.get(url).get_data(as_text=True)
    other = app.test_client()
    login(other, "province_p")
    theirs = other.get(url).get_data(as_text=True)
    assert theirs != mine and csrf_token(other, url) in theirs and csrf_token(client, url) not in theirs
    post(client, "/logout")
    login(client, "librarian_a")  # a new session of the same user
    assert csrf_token(client, url) not in mine


def test_a_flash_message_is_shown_not_a_kept_page(app, as_user, world):
    client = as_user("librarian_a")
    pagecache.clear()
    client.get("/account")
    kept = client.get("/account").get_data(as_text=True)
    with client.session_transaction() as session:  # as a route that wrote nothing would leave one
        session["_flashes"] = [("info", "Đã gửi lại thư")]
    shown = client.get("/account").get_data(as_text=True)
    assert "Đã gửi lại thư" in shown and "Đã gửi lại thư" not in kept
    assert "Đã gửi lại thư" not in client.get("/account").get_data(as_text=True)  # shown once


def test_a_page_in_the_language_the_user_just_chose(app, as_user, world):
    client = as_user("librarian_a")
    pagecache.clear()
    client.get("/account")
    kept = client.get("/account").get_data(as_text=True)
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client, "/account")})
    english = client.get("/account").get_data(as_text=True)
    assert english != kept and 'lang="en"' in english and 'lang="vi"' in kept


def test_the_htmx_answer_and_the_page_are_kept_apart(app, as_user, world):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    client.get(url)
    page = client.get(url).get_data(as_text=True)
    partial = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in page and "<html" not in partial
    assert "<html" in client.get(url).get_data(as_text=True)
    assert "<html" not in client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_a_kept_page_is_not_served_the_next_day(app, as_user, world, monkeypatch, statements):
    day = {"now": datetime(2026, 12, 30, 16, 0, tzinfo=timezone.utc)}  # 23:00 in Việt Nam
    monkeypatch.setattr("app.models_base.utcnow", lambda: day["now"])
    app.config["SESSION_MAX_AGE"] = 60 * 24 * 3600  # the session starts today (a column default's clock)
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    client.get(url)
    client.get(url)
    with statements:
        assert client.get(url).status_code == 200
    assert statements.sent == 1
    day["now"] = datetime(2026, 12, 30, 17, 0, tzinfo=timezone.utc)  # midnight: 31 December
    with statements:
        assert client.get(url).status_code == 200
    assert statements.sent > 1


def test_a_kept_page_lives_at_most_page_cache_seconds(app, as_user, world, statements):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    client.get(url)
    client.get(url)
    app.config["PAGE_CACHE_SECONDS"] = -1  # every kept page already too old
    with statements:
        client.get(url)
    assert statements.sent > 1


def test_nothing_is_kept_with_no_bytes_to_keep_it_in(app, as_user, world):
    app.config["PAGE_CACHE_BYTES"] = 0
    client = as_user("librarian_a")
    pagecache.clear()
    for _ in range(3):
        client.get(f"/points/{world.point_a.id}/equipment")
    assert not pagecache._pages


def test_the_kept_pages_stay_within_their_bytes(app, as_user, world):
    client = as_user("province_staff_p")
    pagecache.clear()
    pages = [f"/points/{point}/equipment?page={n}" for point in (world.point_a.id, world.point_b.id)
             for n in range(1, 11)]
    client.get(pages[0])
    largest = max(len(client.get(url).data) for url in pages)
    # One page at most an eighth (its body, headers, key and OVERHEAD counted): some 8 pages.
    app.config["PAGE_CACHE_BYTES"] = limit = 8 * (largest + 4 * pagecache.OVERHEAD)
    pagecache.clear()
    for url in pages * 2:
        client.get(url)
    assert 0 < len(pagecache._pages) < len(pages)
    charged = [kept[4] for kept in pagecache._pages.values()]
    assert pagecache._state["bytes"] == sum(charged) <= limit
    assert all(len(body) < size for body, _status, _headers, _at, size in pagecache._pages.values())
    # Kept again when too old: counted once.
    app.config["PAGE_CACHE_SECONDS"] = -1
    for url in pages[-2:] * 3:
        client.get(url)
    assert pagecache._state["bytes"] == sum(kept[4] for kept in pagecache._pages.values()) <= limit


def test_only_a_whole_get_answer_of_a_logged_in_session_is_kept(app, client, world):
    pagecache.clear()
    client.get("/login")
    client.get("/login")
    assert not pagecache._pages  # nobody logged in
    login(client, "librarian_a")
    client.get("/healthz")
    client.get("/healthz")
    post(client, "/language", {"language": "en"})
    client.get("/no-such-page")
    client.get("/no-such-page")
    assert not pagecache._pages


def test_a_page_is_kept_compressed_per_encoding_the_browser_takes(app, as_user, world, statements):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    pagecache.clear()
    client.get(url)
    plain = client.get(url)
    gzip_first = client.get(url, headers={"Accept-Encoding": "gzip"})
    with statements:
        gzip_again = client.get(url, headers={"Accept-Encoding": "gzip"})
        plain_again = client.get(url)
    assert statements.sent == 2  # the session's row, twice
    assert gzip_again.headers["Content-Encoding"] == "gzip" and gzip_again.data == gzip_first.data
    assert gzip.decompress(gzip_again.data) == plain_again.data == plain.data
    assert "Content-Encoding" not in plain_again.headers
    assert "Accept-Encoding" in gzip_again.headers["Vary"] and "HX-Request" in gzip_again.headers["Vary"]


def test_a_write_drops_every_kept_page_of_the_worker(app, as_user, world):
    client = as_user("librarian_a")
    pagecache.clear()
    for url in ("/account", f"/points/{world.point_a.id}/equipment") * 2:
        client.get(url)
    assert len(pagecache._pages) == 2
    update(app, Unit, world.commune_b.id, name="Xã B mới")  # nothing these pages show
    client.get("/account")
    assert pagecache._state["generation"] == generation(app) and len(pagecache._pages) == 1


def test_no_page_is_kept_for_a_long_query_or_an_htmx_redirect(app, as_user, world):
    client = as_user("librarian_a")
    pagecache.clear()
    url = f"/points/{world.point_a.id}/equipment"
    client.get(url)
    for _ in range(2):
        assert client.get(url + "?q=" + "x" * pagecache.MAX_KEY_CHARS).status_code == 200
        padded = {"HX-Request": "true", "HX-Pad": "x" * pagecache.MAX_KEY_CHARS}
        assert client.get(url, headers=padded).status_code == 200
    assert not pagecache._pages
    for _ in range(2):  # the tally without a point: htmx is sent to the librarian's point
        answer = client.get("/tally", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "HX-Location" in answer.headers and not answer.data
    assert not pagecache._pages


def test_a_migration_ends_with_a_new_generation(empty_database_url):  # noqa: F811
    from app import create_app
    from config import TestConfig

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Fresh)
    runner = app.test_cli_runner()
    tokens = []
    for _ in range(2):  # the second has nothing to upgrade: the servers' pages go all the same
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        tokens.append(generation(app))
    with app.app_context():
        db.engine.dispose()
    assert None not in tokens and tokens[0] != tokens[1]
