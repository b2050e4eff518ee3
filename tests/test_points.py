"""Library points: province staff manage their province's; librarians read their own."""
from sqlalchemy import func, select

from app.extensions import db
from app.units.models import LibraryPoint
from tests.conftest import fetch, post


def point_data(world, **overrides):
    data = {"commune_id": str(world.commune_a.id), "name": "Điểm thư viện thôn Đồng Tâm", "address": "thôn Đồng Tâm",
            "model": "library_cultural_centre", "opened_on": "15/08/2013", "internet_computer_on": "2026-03-01",
            "software_installed_on": "", "staff_trained_on": "", "serving_readers_on": "", "notes": ""}
    data.update(overrides)
    return data


def count_points(app):
    with app.app_context():
        return db.session.scalar(select(func.count(LibraryPoint.id)))


def test_province_staff_list_their_province_only(as_user, world):
    page = as_user("province_staff_p").get("/points").get_data(as_text=True)
    assert "Xã A" in page and "Xã B" in page and "Xã C" not in page


def test_librarian_lists_own_commune_only(as_user, world):
    page = as_user("librarian_a").get("/points").get_data(as_text=True)
    assert "Xã A" in page and "Xã B" not in page and "Xã C" not in page


def test_commune_filter_cannot_reach_another_province(as_user, world):
    page = as_user("province_staff_p").get(f"/points?commune_id={world.commune_c.id}").get_data(as_text=True)
    assert "Xã C" not in page


def test_point_list_filters_and_htmx_fragment(as_user, world):
    client = as_user("province_staff_p")
    page = client.get(f"/points?commune_id={world.commune_b.id}").get_data(as_text=True)
    assert "Điểm thư viện Xã B" in page and "Điểm thư viện Xã A" not in page
    response = client.get("/points?q=xã a", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Điểm thư viện Xã A" in body and "Điểm thư viện Xã B" not in body


def test_trainer_has_no_point_pages(as_user, world):
    client = as_user("trainer_p")
    assert client.get("/points").status_code == 403
    assert client.get(f"/points/{world.point_a.id}").status_code == 403


def test_point_detail_access(app, world):
    from tests.conftest import login

    expectations = {
        "librarian_a": {"point_a": 200, "point_b": 403, "point_c": 403},
        "province_staff_p": {"point_a": 200, "point_b": 200, "point_c": 403},
        "province_staff_q": {"point_a": 403, "point_c": 200},
        "admin": {"point_a": 200, "point_c": 200},
    }
    for user, points in expectations.items():
        client = app.test_client()
        login(client, getattr(world, user).name)
        for point, status in points.items():
            assert client.get(f"/points/{getattr(world, point).id}").status_code == status, (user, point)
    assert client.get("/points/999999").status_code == 404


def test_province_staff_add_a_point(app, as_user, world):
    client = as_user("province_staff_p")
    response = post(client, "/points/new", point_data(world))
    assert response.status_code == 303
    with app.app_context():
        point = db.session.scalar(select(LibraryPoint).where(LibraryPoint.name == "Điểm thư viện thôn Đồng Tâm"))
        assert point.commune_id == world.commune_a.id
        assert point.opened_on.isoformat() == "2013-08-15"
        assert point.internet_computer_on.isoformat() == "2026-03-01"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "15/08/2013" in page and "01/03/2026" in page


def test_add_point_bad_input_saves_nothing(app, as_user, world):
    client = as_user("province_staff_p")
    before = count_points(app)
    cases = [
        (point_data(world, commune_id=str(world.commune_c.id)), "Chọn một xã/phường thuộc tỉnh của bạn"),
        (point_data(world, commune_id=""), "Chọn một xã/phường"),
        (point_data(world, name=""), "Vui lòng nhập mục này."),  # WTForms' own message, in Vietnamese
        (point_data(world, name="x" * 201), "Không được dài quá 200 ký tự."),
        (point_data(world, opened_on="31/02/2020"), "dd/mm/yyyy"),
        (point_data(world, model="castle"), "Lựa chọn không hợp lệ."),
    ]
    for data, marker in cases:
        response = post(client, "/points/new", data)
        assert response.status_code == 422, data
        assert marker in response.get_data(as_text=True), (data, marker)
    assert count_points(app) == before


def test_librarian_cannot_add_or_edit(app, as_user, world):
    client = as_user("librarian_a")
    assert client.get("/points/new").status_code == 403
    assert post(client, "/points/new", point_data(world)).status_code == 403
    assert client.get(f"/points/{world.point_a.id}/edit").status_code == 403
    assert post(client, f"/points/{world.point_a.id}/edit", point_data(world, version="1")).status_code == 403
    assert post(client, f"/points/{world.point_a.id}/deactivate").status_code == 403
    assert count_points(app) == 3


def test_edit_point_and_stale_version(app, as_user, world):
    client = as_user("province_staff_p")
    data = point_data(world, name="Thư viện xã A (mới)", version="1")
    assert post(client, f"/points/{world.point_a.id}/edit", data).status_code == 303
    assert fetch(app, LibraryPoint, world.point_a.id).name == "Thư viện xã A (mới)"
    assert fetch(app, LibraryPoint, world.point_a.id).version == 2
    response = post(client, f"/points/{world.point_a.id}/edit", {**data, "name": "Ghi đè"})
    assert response.status_code == 409
    assert "Thư viện xã A (mới)" in response.get_data(as_text=True)
    assert fetch(app, LibraryPoint, world.point_a.id).name == "Thư viện xã A (mới)"


def test_cannot_move_a_point_into_another_province(app, as_user, world):
    client = as_user("province_staff_p")
    response = post(client, f"/points/{world.point_a.id}/edit",
                    point_data(world, commune_id=str(world.commune_c.id), version="1"))
    assert response.status_code == 422
    assert fetch(app, LibraryPoint, world.point_a.id).commune_id == world.commune_a.id


def test_foreign_province_staff_cannot_edit(app, as_user, world):
    client = as_user("province_staff_q")
    assert post(client, f"/points/{world.point_a.id}/edit", point_data(world, version="1")).status_code == 403
    assert post(client, f"/points/{world.point_a.id}/deactivate").status_code == 403
    assert fetch(app, LibraryPoint, world.point_a.id).active is True


def test_deactivate_and_reopen_point(app, as_user, world):
    client = as_user("province_staff_p")
    assert post(client, f"/points/{world.point_b.id}/deactivate").status_code == 303
    assert fetch(app, LibraryPoint, world.point_b.id).active is False
    link = "Điểm thư viện Xã B</a>"  # in the list, not in the flash message
    assert link not in client.get("/points").get_data(as_text=True)
    assert link in client.get("/points?show_inactive=y").get_data(as_text=True)
    assert post(client, f"/points/{world.point_b.id}/reactivate").status_code == 303
    assert fetch(app, LibraryPoint, world.point_b.id).active is True


def test_htmx_form_post_redirects_with_hx_location(as_user, world):
    client = as_user("province_staff_p")
    response = post(client, f"/points/{world.point_b.id}/deactivate", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f"/points/{world.point_b.id}" in response.headers["HX-Location"]
