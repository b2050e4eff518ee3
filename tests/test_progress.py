"""Digital-library progress: the checklist kept by the commune's librarian and
province staff, and the province's counts and communes with no step."""
from datetime import date

import pytest

from app.units.models import LibraryPoint
from tests.conftest import fetch, post, update


def test_librarian_marks_steps_of_their_point(app, world, as_user):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/checklist",
                    {"version": "1", "internet_computer_on": "01/03/2026", "software_installed_on": "2026-04-15"})
    assert response.status_code == 303
    point = fetch(app, LibraryPoint, world.point_a.id)
    assert (point.internet_computer_on, point.software_installed_on, point.staff_trained_on) == (
        date(2026, 3, 1), date(2026, 4, 15), None)


def test_a_step_in_the_future_or_a_bad_date_saves_nothing(app, world, as_user):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/checklist",
                    {"version": "1", "internet_computer_on": "01/03/2099", "software_installed_on": "31/02/2026"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ở tương lai" in html and "dd/mm/yyyy" in html
    assert fetch(app, LibraryPoint, world.point_a.id).internet_computer_on is None


def test_a_stale_checklist_is_a_conflict(app, world, as_user):
    update(app, LibraryPoint, world.point_a.id, serving_readers_on=date(2026, 5, 1))
    client = as_user("province_staff_p")
    response = post(client, f"/points/{world.point_a.id}/checklist",
                    {"version": "1", "internet_computer_on": "01/03/2026"})
    assert response.status_code == 409
    assert fetch(app, LibraryPoint, world.point_a.id).internet_computer_on is None


@pytest.mark.parametrize("user", ["librarian_b", "trainer_p", "province_staff_q"])
def test_others_cannot_mark_steps(app, world, as_user, user):
    response = post(as_user(user), f"/points/{world.point_a.id}/checklist",
                    {"version": "1", "internet_computer_on": "01/03/2026"})
    assert response.status_code == 403
    assert fetch(app, LibraryPoint, world.point_a.id).internet_computer_on is None


def test_province_progress_counts_steps_and_names_communes_without_any(app, world, as_user):
    update(app, LibraryPoint, world.point_a.id, internet_computer_on=date(2026, 1, 2),
           software_installed_on=date(2026, 2, 3))
    update(app, LibraryPoint, world.point_c.id, internet_computer_on=date(2026, 1, 2))  # another province
    html = as_user("province_staff_p").get("/progress").get_data(as_text=True)
    values = [v.split("<")[0] for v in html.split('<span class="value">')[1:5]]
    assert values == ["1", "1", "0", "0"]
    untouched = html.split("chưa có bước nào")[1].split("</section>")[0]
    assert "1 xã/phường chưa có bước nào" in html and "Xã B" in untouched and "Xã A" not in untouched
    assert "Xã C" not in html
