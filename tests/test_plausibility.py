"""The expected range of a visit cell, the grid's warning and confirmation, the import's flags, and the
province's follow-up reaching the report page and the librarian's home."""
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.visits.models import PlausibilityFlag
from app.visits.plausibility import DEFAULT_HIGH, MIN_DAYS, expected_range, is_unusual
from tests.conftest import post
from tests.test_visits import counts, grid_page, store, today


def test_a_new_point_gets_the_default_range():
    assert expected_range([]) == (0, DEFAULT_HIGH)
    assert expected_range([5] * (MIN_DAYS - 1)) == (0, DEFAULT_HIGH)
    assert not is_unusual(40, *expected_range([]))
    assert is_unusual(9_999, *expected_range([]))


def test_a_steady_point():
    low, high = expected_range([10, 12, 9, 11, 10, 13, 8, 10, 12, 11] * 10)
    assert low <= 8 and 13 <= high <= 40
    assert is_unusual(9_999, low, high) and is_unusual(200, low, high)


def test_one_huge_day_in_the_history_widens_nothing():
    history = [10, 12, 9, 11, 10, 13, 8, 10, 12, 11] * 10 + [9_999]
    assert expected_range(history)[1] <= expected_range(history[:-1])[1] + 2  # the median moves by half a step
    assert is_unusual(9_999, *expected_range(history))


def test_a_seasonal_point_is_not_unusual_in_its_season():
    """A summer of children's reading (40 a day) last year: this summer's 45 is usual, 400 is not."""
    history = [10] * 180 + [40] * 60
    low, high = expected_range(history)
    assert not is_unusual(45, low, high)
    assert is_unusual(400, low, high)


def _history(app, point_id, before: date, value=10, days=60):
    store(app, point_id, {(before - timedelta(days=n), "reading", "children"): value for n in range(1, days + 1)})


def _flags(app):
    with app.app_context():
        return db.session.scalars(select(PlausibilityFlag)).all()


def test_the_day_grid_warns_then_saves_with_a_comment(app, world, as_user):
    day = today(app)
    _history(app, world.point_a.id, day)
    client = as_user("librarian_a")
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    warned = post(client, path, {"seen": seen, "reading:children": "9.999"})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and 'name="confirm_unusual"' in html and "c-reading_children-warning" in html
    assert (day, "reading", "children") not in counts(app, world.point_a.id, day)
    saved = post(client, path, {"seen": seen, "reading:children": "9.999", "confirm_unusual": "y",
                                "unusual_comment": "Ngày hội đọc sách"})
    assert saved.status_code == 303
    assert counts(app, world.point_a.id, day)[(day, "reading", "children")] == 9_999
    [flag] = _flags(app)
    assert (flag.value, flag.comment, flag.state, flag.source) == (9_999, "Ngày hội đọc sách", "open", "grid")


def test_a_usual_count_saves_at_once_and_clears_a_flag(app, world, as_user):
    day = today(app)
    _history(app, world.point_a.id, day)
    client = as_user("librarian_a")
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    post(client, path, {"seen": seen, "reading:children": "500", "confirm_unusual": "y"})
    assert len(_flags(app)) == 1
    _html, seen = grid_page(client, path)
    assert post(client, path, {"seen": seen, "reading:children": "11"}).status_code == 303
    assert _flags(app) == []


def test_the_month_grid_warns_too(app, world, as_user):
    day = today(app)
    _history(app, world.point_a.id, day.replace(day=1))
    client = as_user("librarian_a")
    month = day.strftime("%Y-%m")
    path = f"/points/{world.point_a.id}/visits/month?month={month}&group=children"
    _html, seen = grid_page(client, path)
    warned = post(client, path, {"seen": seen, f"{day.isoformat()}:reading": "5.000"})
    assert warned.status_code == 422 and 'name="confirm_unusual"' in warned.get_data(as_text=True)


def test_an_import_flags_and_does_not_refuse(app, world, as_user):
    import io

    from tests.conftest import csrf_token

    client = as_user("librarian_a")
    file = io.BytesIO("Ngày,Dịch vụ,Nhóm bạn đọc,Số lượt\n01/06/2025,Đọc tại chỗ,Thiếu nhi,\"9.999\"\n".encode())
    preview = client.post(f"/points/{world.point_a.id}/visits/import", content_type="multipart/form-data",
                          data={"csrf_token": csrf_token(client, "/"), "file": (file, "a.csv")})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "9.999" in html and "0–60" in html
    batch = html.split('/visits/imports/')[1].split('"')[0]
    assert post(client, f"/visits/imports/{batch}", {}).status_code == 303
    [flag] = _flags(app)
    assert (flag.value, flag.source, flag.day) == (9_999, "import", date(2025, 6, 1))


def _flag(app, world, day, value=9_999):
    from app.models_base import utcnow

    with app.app_context():
        flag = PlausibilityFlag(point_id=world.point_a.id, day=day, service="reading", reader_group="children",
                                value=value, expected_low=5, expected_high=40, comment="Hội sách", flagged_at=utcnow())
        db.session.add(flag)
        db.session.commit()
        return flag.id


def test_the_province_follows_up_and_the_librarian_sees_the_correction(app, world, as_user, client):
    day = date(2026, 5, 4)
    flag_id = _flag(app, world, day)
    staff = as_user("province_staff_p")
    page = staff.get(f"/provinces/{world.province_p.id}/follow-up?month=2026-05")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "9.999" in html and "Hội sách" in html and "5–40" in html
    report = staff.get(f"/communes/{world.commune_a.id}/reports/2026/5").get_data(as_text=True)
    assert "9.999" in report and f"/follow-up/{flag_id}" in report
    refused = post(staff, f"/follow-up/{flag_id}", {"state": "needs_fix", "comment": ""})
    assert refused.status_code == 303 and _flags(app)[0].state == "open"  # "needs correction" says what to correct
    done = post(staff, f"/follow-up/{flag_id}", {"state": "needs_fix", "comment": "Nhập nhầm, kiểm tra sổ giấy"})
    assert done.status_code == 303
    flag = _flags(app)[0]
    assert (flag.state, flag.province_comment) == ("needs_fix", "Nhập nhầm, kiểm tra sổ giấy")
    post(staff, "/logout")
    librarian = as_user("librarian_a")
    home = librarian.get("/").get_data(as_text=True)
    assert "Xã A" in home, home[:3000]
    assert "Nhập nhầm, kiểm tra sổ giấy" in home


def test_only_the_province_reviews(app, world, as_user):
    flag_id = _flag(app, world, date(2026, 5, 4))
    for user, status in [("librarian_a", 403), ("trainer_p", 403), ("province_staff_q", 403)]:
        client = as_user(user)
        assert post(client, f"/follow-up/{flag_id}", {"state": "checked"}).status_code == status
        assert client.get(f"/provinces/{world.province_p.id}/follow-up").status_code == 403
    assert _flags(app)[0].state == "open"
