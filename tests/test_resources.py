"""Shared resources: province staff share links with their communes; everyone of the province reads them."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.resources.models import Resource
from tests.conftest import fetch, post, update

GOOD = {"title": "Thư viện số tỉnh", "kind": "platform", "link": "https://thuvienso.example.vn/",
        "description": "Đọc sách điện tử"}


def shared(app):
    with app.app_context():
        return db.session.scalars(select(Resource.title).where(Resource.active.is_(True))).all()


def test_province_staff_share_and_every_role_of_the_province_reads(app, world, as_user):
    client = as_user("province_staff_p")
    assert post(client, f"/provinces/{world.province_p.id}/resources/new", GOOD).status_code == 303
    assert shared(app) == ["Thư viện số tỉnh"]
    for name in ("librarian_a", "trainer_p"):
        other = app.test_client()
        from tests.conftest import login

        login(other, getattr(world, name).name)
        html = other.get("/resources").get_data(as_text=True)
        assert 'href="https://thuvienso.example.vn/"' in html and 'rel="noopener noreferrer"' in html
    outsider = app.test_client()
    from tests.conftest import login

    login(outsider, world.librarian_c.name)
    assert "Thư viện số tỉnh" not in outsider.get("/resources").get_data(as_text=True)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://x.vn/a",
                                  "https://", "thuvien.vn", "https://a b.vn"])
def test_only_web_links_are_shared(app, world, as_user, link):
    client = as_user("province_staff_p")
    response = post(client, f"/provinces/{world.province_p.id}/resources/new", {**GOOD, "link": link})
    assert response.status_code == 422
    assert "http:// hoặc https://" in response.get_data(as_text=True)
    assert shared(app) == []


@pytest.mark.parametrize("user", ["librarian_a", "trainer_p", "province_staff_q"])
def test_others_cannot_share(app, world, as_user, user):
    assert post(as_user(user), f"/provinces/{world.province_p.id}/resources/new", GOOD).status_code == 403
    assert shared(app) == []


def make(app, world):
    with app.app_context():
        resource = Resource(province_id=world.province_p.id, title="OPAC", kind="lookup", link="https://opac.example.vn")
        db.session.add(resource)
        db.session.commit()
        return resource.id


def test_edit_with_a_stale_version_is_a_conflict(app, world, as_user):
    resource_id = make(app, world)
    update(app, Resource, resource_id, title="OPAC tỉnh")
    client = as_user("province_staff_p")
    response = post(client, f"/resources/{resource_id}/edit", {**GOOD, "version": "1"})
    assert response.status_code == 409 and 'value="OPAC tỉnh"' in response.get_data(as_text=True)
    assert post(client, f"/resources/{resource_id}/edit", {**GOOD, "version": "2"}).status_code == 303
    assert fetch(app, Resource, resource_id).title == "Thư viện số tỉnh"


def test_stop_sharing(app, world, as_user):
    resource_id = make(app, world)
    client = as_user("province_staff_p")
    assert post(client, f"/resources/{resource_id}/remove").status_code == 303
    assert shared(app) == []
    client.get("/resources")  # shows the flash message
    assert "https://opac.example.vn" not in client.get("/resources").get_data(as_text=True)
