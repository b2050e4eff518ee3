"""The one reader of whole numbers and đồng (app.numbers), receipt dates known to the month,
and every form and import reading numbers through it."""
import io
from datetime import date

import pytest
from flask_babel import force_locale

from app.formatting import MONTH, fmt_day_or_month, parse_day_or_month
from app.numbers import DECIMALS, GARBAGE, GROUPS, NumberError, parse_whole
from tests.conftest import csrf_token, post

ACCEPTED = [
    ("0", 0), ("7", 7), ("1.000", 1000), ("12.500.000", 12_500_000), ("12.500.000 ₫", 12_500_000),
    ("12.500.000₫", 12_500_000), ("12.500.000 đ", 12_500_000), ("12.500.000 VND", 12_500_000),
    ("12500000", 12_500_000), ("12 500 000", 12_500_000), ("12\u00a0500\u00a0000", 12_500_000),
    ("12,500,000", 12_500_000), ("1,000", 1000), ("  450.000  ", 450_000), (12, 12), (12.0, 12),
]
REFUSED = [
    ("12,5,00", GROUPS), ("1.0000", GROUPS), ("1.500,000", GROUPS), ("1..000", GROUPS),
    ("1.00", DECIMALS), ("1.5", DECIMALS), ("1,5", DECIMALS), ("12.500.000,00", DECIMALS), (2.5, DECIMALS),
    ("abc", GARBAGE), ("", GARBAGE), ("1e6", GARBAGE), ("12tr", GARBAGE), ("--5", GARBAGE), ("٣", GARBAGE),
    (True, GARBAGE), (float("nan"), GARBAGE),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("text, number", ACCEPTED)
def test_accepted_in_both_languages(app, lang, text, number):
    with app.test_request_context(), force_locale(lang):
        assert parse_whole(text) == number


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("text, reason", REFUSED)
def test_refused_with_the_reason(app, lang, text, reason):
    with app.test_request_context(), force_locale(lang):
        with pytest.raises(NumberError) as refused:
            parse_whole(text)
        assert str(refused.value) == str(reason)


@pytest.mark.parametrize("lang, expected", [("vi", "Số phải từ 0 đến 10.000."),
                                            ("en", "Number must be between 0 and 10.000.")])
def test_limits_are_written_like_every_number(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        with pytest.raises(NumberError) as refused:
            parse_whole("10.001", 0, 10_000)
        assert str(refused.value) == expected
        with pytest.raises(NumberError):
            parse_whole("-1", 0, 10_000)  # a minus is read, and refused by the range, by name


@pytest.mark.parametrize("text, expected", [
    ("15/08/2013", (date(2013, 8, 15), "day")), ("2013-08-15", (date(2013, 8, 15), "day")),
    ("08/2013", (date(2013, 8, 1), MONTH)), ("8/2013", (date(2013, 8, 1), MONTH)),
    ("2013-08", (date(2013, 8, 1), MONTH)), ("13/2013", None), ("32/08/2013", None), ("tháng 8", None), ("", None),
])
def test_day_or_month(text, expected):
    assert parse_day_or_month(text) == expected


def test_month_precision_is_shown_as_a_month():
    assert fmt_day_or_month(date(2013, 8, 1), MONTH) == "08/2013"
    assert fmt_day_or_month(date(2013, 8, 1), "day") == "01/08/2013"


# --- Every form and import ------------------------------------------------------------------

def _item(**overrides):
    data = {"category": "computer", "description": "Máy tính", "asset_code": "", "quantity": "1",
            "condition": "in_use", "funding_source": "province", "received_on": "", "unit_value": "", "notes": "",
            "version": ""}
    return {**data, **overrides}


def test_item_form_reads_vietnamese_numbers_and_a_month(app, world, as_user):
    from app.equipment.models import EquipmentItem

    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new",
                    _item(unit_value="12.500.000", quantity="1.000", received_on="08/2013"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        from app.extensions import db

        item = db.session.scalars(db.select(EquipmentItem)).one()
        assert (item.unit_value, item.quantity) == (12_500_000, 1000)
        assert (item.received_on, item.received_precision) == (date(2013, 8, 1), "month")
        item_id = item.id
    page = client.get(f"/equipment/{item_id}").get_data(as_text=True)
    assert "08/2013" in page and "12.500.000" in page
    edit = client.get(f"/equipment/{item_id}/edit").get_data(as_text=True)
    assert 'value="08/2013"' in edit  # shown as it was given


@pytest.mark.parametrize("field", ["unit_value", "quantity"])
def test_item_form_refuses_misgrouped_digits(app, world, as_user, field):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", _item(**{field: "12,5,00"}))
    assert response.status_code == 422
    with app.test_request_context(), force_locale("vi"):
        assert str(GROUPS) in response.get_data(as_text=True)


def test_event_cost_reads_vietnamese_numbers(app, world, as_user):
    from app.equipment.models import EquipmentEvent, EquipmentItem
    from app.extensions import db

    with app.app_context():
        item = EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính")
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    client = as_user("librarian_a")
    base = {"kind": "repair", "occurred_on": "04/05/2026", "new_condition": "", "description": "Thay ổ cứng",
            "version": "1"}
    assert post(client, f"/equipment/{item_id}/events", {**base, "cost": "12,5,00"}).status_code == 422
    response = post(client, f"/equipment/{item_id}/events", {**base, "cost": "12.500.000"})
    assert response.status_code in (200, 303)
    with app.app_context():
        assert db.session.scalars(db.select(EquipmentEvent.cost)).all() == [12_500_000]


def test_grid_cells_read_vietnamese_numbers(app, world, as_user):
    from tests.test_visits import counts, grid_page, today

    client = as_user("librarian_a")
    day = today(app)
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    refused = post(client, path, {"seen": seen, "reading:children": "1,0,00"})
    assert refused.status_code == 422 and counts(app, world.point_a.id) == {}
    saved = post(client, path, {"seen": seen, "reading:children": "12", "reading:adults": "1.000",
                                "confirm_unusual": "y"})
    assert saved.status_code == 303
    assert counts(app, world.point_a.id)[(day, "reading", "adults")] == 1000


def _csv(header: str, *lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *lines]) + "\n").encode("utf-8"))


def test_equipment_import_reads_vietnamese_numbers_and_months(app, world, as_user):
    from tests.test_equipment import csv_bytes

    client = as_user("librarian_a")

    def upload(row):
        file = (io.BytesIO(csv_bytes([row])), "a.csv")
        return client.post(f"/points/{world.point_a.id}/equipment/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client, "/"), "file": file})

    response = upload(["Ghế", "Ghế gỗ", "", "2", "", "", "", "08/2013", "12.500.000", ""])
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:3000]
    assert "12.500.000" in body and "08/2013" in body
    assert upload(["Ghế", "Ghế gỗ", "", "2", "", "", "", "", "12,5,00", ""]).status_code == 422


def test_visits_import_reads_vietnamese_numbers(app, world, as_user):
    client = as_user("librarian_a")
    header = "Ngày,Dịch vụ,Nhóm bạn đọc,Số lượt"
    ok = client.post(f"/points/{world.point_a.id}/visits/import", content_type="multipart/form-data",
                     data={"csrf_token": csrf_token(client, "/"),
                           "file": (_csv(header, '01/06/2025,Đọc tại chỗ,Thiếu nhi,"1.000"'), "a.csv")})
    assert ok.status_code == 200
    refused = client.post(f"/points/{world.point_a.id}/visits/import", content_type="multipart/form-data",
                          data={"csrf_token": csrf_token(client, "/"),
                                "file": (_csv(header, '01/06/2025,Đọc tại chỗ,Thiếu nhi,"12,5,00"'), "b.csv")})
    assert refused.status_code == 422
