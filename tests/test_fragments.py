"""app.fragments: a cached piece of a page is the piece the request would have rendered."""
from app.fragments import _fragments
from tests.conftest import csrf_token


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
    assert len(_fragments) == 3


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
