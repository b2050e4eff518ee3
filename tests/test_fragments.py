"""app.fragments: a cached piece of a page is the piece the request would have rendered, and a
kept register body is never shown once what it shows has changed."""
from datetime import date, datetime, timezone

from app.equipment.models import EquipmentItem, StockTake
from app.equipment.wear import WearLife
from app.extensions import db
from app.fragments import _fragments
from tests.conftest import csrf_token, login, update
from tests.test_equipment import make_item


def _filters(page: str) -> str:
    return page[page.index('<form method="get"'):page.index("</form>", page.index('<form method="get"'))]


def test_the_register_filters_show_each_requests_values_and_errors(app, as_user, world):
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    _fragments.clear()
    plain = _filters(client.get(url).get_data(as_text=True))
    chosen = _filters(client.get(url + "?category=chair&year=2013").get_data(as_text=True))
    bad = _filters(client.get(url + "?year=abc").get_data(as_text=True))
    assert '<option selected value="chair">' in chosen and 'value="2013"' in chosen
    assert 'selected value="chair"' not in plain and 'value="2013"' not in plain
    assert 'value="abc"' in bad and 'aria-invalid="true"' in bad
    assert 'aria-invalid' not in plain and 'aria-invalid' not in chosen
    # From the cache now: the same answers again.
    assert _filters(client.get(url).get_data(as_text=True)) == plain
    assert _filters(client.get(url + "?year=abc").get_data(as_text=True)) == bad
    assert sum(1 for key in _fragments if "register-filters" in key) == 3


def test_the_cached_filters_follow_the_language_and_the_point(app, as_user, world):
    client = as_user("admin")
    _fragments.clear()
    url_a, url_b = f"/points/{world.point_a.id}/equipment", f"/points/{world.point_b.id}/equipment"
    vietnamese = _filters(client.get(url_a).get_data(as_text=True))
    other_point = _filters(client.get(url_b).get_data(as_text=True))
    assert f'action="{url_b}"' in other_point and f'action="{url_a}"' in vietnamese
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client, url_a)})
    english = _filters(client.get(url_a).get_data(as_text=True))
    assert "All categories" in english and "All categories" not in vietnamese


def _rows(page: str) -> str:
    return page[page.index('<tbody id="items">'):page.index("</tbody>", page.index('<tbody id="items">'))]


def _bodies() -> int:
    return sum(1 for key in _fragments if "register" in key)


def test_the_kept_register_follows_every_change_of_its_items(app, as_user, world):
    """Changed by another server (no request of this one saw it), added, deleted (SQLite gives a
    deleted last row's id to the next row), liquidated: the next view shows it."""
    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    _fragments.clear()
    first = make_item(app, world.point_a.id, description="Máy chiếu cũ")
    assert "Máy chiếu cũ" in _rows(client.get(url).get_data(as_text=True))
    assert "Máy chiếu cũ" in _rows(client.get(url).get_data(as_text=True)) and _bodies() == 1
    update(app, EquipmentItem, first, description="Máy chiếu đã sửa tên")
    assert "Máy chiếu đã sửa tên" in _rows(client.get(url).get_data(as_text=True))
    with app.app_context():
        db.session.delete(db.session.get(EquipmentItem, first))
        db.session.commit()
    assert "Máy chiếu" not in _rows(client.get(url).get_data(as_text=True))
    again = make_item(app, world.point_a.id, description="Loa mới")
    page = client.get(url).get_data(as_text=True)
    assert "Loa mới" in _rows(page), f"item {again} (the deleted one was {first})"
    update(app, EquipmentItem, again, condition="liquidated")
    page = client.get(url).get_data(as_text=True)
    assert "Loa mới" not in _rows(page)
    assert "Loa mới" in _rows(client.get(url + "?condition=all").get_data(as_text=True))


def test_the_kept_register_follows_the_stocktake_the_lives_the_day_and_the_user(app, as_user, world, monkeypatch):
    day = {"now": datetime(2026, 12, 30, 16, 0, tzinfo=timezone.utc)}  # 23:00 on 30 December in Việt Nam
    monkeypatch.setattr("app.models_base.utcnow", lambda: day["now"])
    app.config["SESSION_MAX_AGE"] = 60 * 24 * 3600  # the session starts today (a column default's clock)
    make_item(app, world.point_a.id, description="Máy tính bàn", unit_value=20_000_000, received_on=date(2024, 5, 1))
    url = f"/points/{world.point_a.id}/equipment"
    _fragments.clear()
    librarian = as_user("librarian_a")
    before = librarian.get(url).get_data(as_text=True)
    # Computers wear 20 % a year (5 years): 2 years closed by 30 December 2026, 4 million each.
    assert "12.000.000" in _rows(before) and "/edit" in _rows(before)
    day["now"] = datetime(2026, 12, 30, 17, 30, tzinfo=timezone.utc)  # 00:30 on 31 December: a third year
    assert "8.000.000" in _rows(librarian.get(url).get_data(as_text=True))
    with app.app_context():
        db.session.add(WearLife(province_id=world.province_p.id, category="computer", life_years=10))
        db.session.commit()
    assert "14.000.000" in _rows(librarian.get(url).get_data(as_text=True))  # 10 % a year, 3 years
    with app.app_context():
        db.session.add(StockTake(point_id=world.point_a.id, started_on=date(2026, 12, 31), started_by_id=None,
                                 completed_at=day["now"]))
        db.session.commit()
    assert "31/12/2026" in librarian.get(url).get_data(as_text=True)
    # Province staff of the province may not edit the row: a body of their own, without the button.
    other = app.test_client()
    assert login(other, world.province_staff_p.name).status_code == 303
    staff = other.get(url).get_data(as_text=True)
    assert "14.000.000" in _rows(staff) and "/edit" not in _rows(staff)


def _menu(page: str) -> str:
    return page[page.index('<nav class="nav"'):page.index("</nav>", page.index('<nav class="nav"'))]


def test_the_kept_menu_is_each_users_own_and_marks_each_page(app, world):
    """Kept per role, commune and page: a librarian's Reports link goes to their own commune,
    province staff get the approval queue, and the page shown is the one marked."""
    _fragments.clear()
    menus = {}
    for name in ("librarian_a", "librarian_b", "province_staff_p"):
        client = app.test_client()
        assert login(client, getattr(world, name).name).status_code == 303
        menus[name] = {path: _menu(client.get(path).get_data(as_text=True)) for path in ("/", "/account")}
    for name, commune in (("librarian_a", world.commune_a), ("librarian_b", world.commune_b)):
        assert f'href="/communes/{commune.id}/reports"' in menus[name]["/"]
    assert 'href="/reports"' in menus["province_staff_p"]["/"] and "/communes/" not in menus["province_staff_p"]["/"]
    home, account = 'href="/" aria-current="page"', 'href="/account" aria-current="page"'
    for menu in menus.values():
        assert home in menu["/"] and account not in menu["/"]
        assert account in menu["/account"] and home not in menu["/account"]
    assert sum(1 for key in _fragments if "nav" in key) == 6


def test_the_cache_starts_again_when_full(app, as_user, world, monkeypatch):
    """Bounded by count and by size: a worker never keeps more than MAX_CHARS of pages."""
    from app import fragments

    client = as_user("librarian_a")
    url = f"/points/{world.point_a.id}/equipment"
    _fragments.clear()
    fragments._chars[0] = 0
    client.get(url)
    kept, chars = len(_fragments), fragments._chars[0]
    assert kept >= 3 and chars == sum(len(html) for html in _fragments.values())
    monkeypatch.setattr(fragments, "MAX_CHARS", chars + 10)
    page = client.get(url + "?category=chair").get_data(as_text=True)  # a new body: over the limit
    assert len(_fragments) < kept + 2 and fragments._chars[0] <= chars + 10
    assert '<tbody id="items">' in page
