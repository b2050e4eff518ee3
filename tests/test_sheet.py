"""The paper tally sheet (GET /points/<id>/sheet?month=YYYY-MM): who may print it, the month it
shows (a bad one falls back to this month, never a 500), its grid, and the QR code, which must
encode the absolute URL of the point's month grid for that month."""
import re
from datetime import date

import pytest
import segno

from app.formatting import today_local
from app.visits.models import GROUPS, SERVICES


def this_month(app) -> str:
    with app.test_request_context():
        return today_local().strftime("%Y-%m")


def qr_path(html: str) -> str:
    """The drawing of the page's QR code (the d of its one path)."""
    svg = re.search(r'<svg[^>]*class="qr"[^>]*>.*?</svg>', html, re.S)
    assert svg, "no QR code on the sheet"
    return re.search(r' d="([^"]+)"', svg.group(0)).group(1)


def encoded_path(url: str) -> str:
    """What segno draws for `url` with the sheet's settings: the same drawing means the same content."""
    return re.search(r' d="([^"]+)"', segno.make(url, error="m", micro=False).svg_inline(border=4)).group(1)


@pytest.mark.parametrize("user, point, status", [
    ("librarian_a", "point_a", 200),
    ("librarian_b", "point_a", 403),   # another commune's librarian
    ("librarian_c", "point_a", 403),   # another province's librarian
    ("province_staff_p", "point_a", 200),
    ("province_staff_q", "point_a", 403),
    ("trainer_p", "point_a", 403),
    ("admin", "point_c", 200),
])
def test_who_may_print_the_sheet(world, as_user, user, point, status):
    response = as_user(user).get(f"/points/{getattr(world, point).id}/sheet")
    assert response.status_code == status


def test_a_stranger_is_sent_to_the_login_page(client, world):
    response = client.get(f"/points/{world.point_a.id}/sheet")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_a_missing_point_is_404(world, as_user):
    assert as_user("admin").get("/points/999999/sheet").status_code == 404


def test_the_sheet_is_a_grid_of_services_groups_and_days_with_the_point_and_month(app, world, as_user):
    html = as_user("librarian_a").get(f"/points/{world.point_a.id}/sheet?month=2026-02").get_data(as_text=True)
    assert "02/2026" in html
    with app.app_context():
        from app.extensions import db
        from app.units.models import LibraryPoint

        point = db.session.get(LibraryPoint, world.point_a.id)
        assert point.name in html and point.commune.name in html
    # Two pages (1–16 and 17–28), each with a row per service and group.
    assert html.count('<section class="sheet-page">') == 2
    assert html.count('<th scope="rowgroup"') == 2 * len(SERVICES)
    assert html.count('<th scope="row">') == 2 * len(SERVICES) * len(GROUPS)
    assert html.count('<th scope="row" colspan="2">') == 2  # each page's total of the day
    head_days = re.findall(r'<th scope="col"(?: class="weekend")?>(\d+)<span class="wd">', html)
    assert head_days == [str(d) for d in range(1, 29)]  # February 2026 has 28 days
    assert "style=" not in html  # the CSP allows no inline style, in the SVG either


def test_the_qr_code_encodes_the_month_grid_of_the_point(app, world, as_user):
    html = as_user("librarian_a").get(f"/points/{world.point_a.id}/sheet?month=2025-11").get_data(as_text=True)
    url = f"http://localhost/points/{world.point_a.id}/visits/month?month=2025-11"
    assert qr_path(html) == encoded_path(url)
    assert qr_path(html) != encoded_path(url.replace("2025-11", "2025-12"))
    assert f'href="{url}"' in html  # the same address as a link on screen, for the librarian


@pytest.mark.parametrize("month", ["2026-13", "1999-05", "abc", "2026-", "-05", "２０２６-05", "2026-00",
                                   f"{date.today().year + 3}-01"])
def test_a_bad_month_falls_back_to_this_month(app, world, as_user, month):
    response = as_user("librarian_a").get(f"/points/{world.point_a.id}/sheet", query_string={"month": month})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    current = this_month(app)
    assert f'name="month" value="{current}"' in html
    assert qr_path(html) == encoded_path(f"http://localhost/points/{world.point_a.id}/visits/month?month={current}")


def test_the_point_summary_links_to_the_sheet(world, as_user):
    html = as_user("province_staff_p").get(f"/points/{world.point_a.id}/visits").get_data(as_text=True)
    assert f'href="/points/{world.point_a.id}/sheet"' in html
