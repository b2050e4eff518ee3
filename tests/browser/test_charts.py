"""The server-drawn charts of the trends page, legible on a 360 px phone and a
1280 px screen: every text of every chart at least 11 CSS px tall and inside
its chart's box (no clipped digit), measured in Chromium. Screenshots of each
chart go to $CHART_SHOTS when it is set, to look at."""
import os
from datetime import date

import pytest

from app.extensions import db
from app.formatting import today_local
from app.units.models import Unit
from app.visits.models import VisitCount
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_login import log_in

pytestmark = pytest.mark.browser

MIN_PX = 11

# Per text element of every chart: its font size in CSS px as drawn (the font
# size times the scale of a viewBox, if the chart has one), its box, and the box
# of its <svg>.
MEASURE = """() => [...document.querySelectorAll("figure.chart > svg")].map(svg => {
  const box = svg.getBoundingClientRect();
  const vb = svg.viewBox && svg.viewBox.baseVal;
  const scale = vb && vb.width ? box.width / vb.width : 1;
  return {svg: {left: box.left, right: box.right, top: box.top, bottom: box.bottom, width: box.width},
          texts: [...svg.querySelectorAll("text")].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
                    left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height};
          })};
})"""


@pytest.fixture
def big_province(app, world):
    """Tens of thousands of visits a month in two communes over two years (the
    y axis reaches 100.000), long commune names, growth from −60 % to +40 %."""
    with app.app_context():
        a, b = db.session.get(Unit, world.commune_a.id), db.session.get(Unit, world.commune_b.id)
        a.name, b.name = "Phường Nguyễn Thị Minh Khai Đông", "Xã Hoàng Văn Thụ"
        today = today_local()
        for year, a_count, b_count in ((today.year - 1, 70_000, 20_000), (today.year, 98_000, 8_000)):
            for month in range(1, 13):
                day = date(year, month, 1)
                if day >= date(today.year, today.month, 1):
                    break
                db.session.add(VisitCount(point_id=world.point_a.id, day=day, service="reading",
                                          reader_group="adults", count=a_count + 1000 * month))
                db.session.add(VisitCount(point_id=world.point_b.id, day=day, service="reading",
                                          reader_group="adults", count=b_count))
        db.session.commit()
        world.year = today.year
    return world


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_chart_texts_are_legible_and_inside(make_page, big_province, viewport):
    page, problems = make_page(viewport=viewport)
    log_in(page, big_province.province_staff_p.name)
    page.goto(f"/province/trends?kind=year&year={big_province.year}")
    charts = page.evaluate(MEASURE)
    assert len(charts) == 2, "the monthly lines and the growth bars"
    shots = os.environ.get("CHART_SHOTS")
    for i, figure in enumerate(page.locator("figure.chart").all()):
        if shots:
            figure.screenshot(path=os.path.join(shots, f"chart-{i}-{viewport['width']}.png"))

    labels = []
    for chart in charts:
        box = chart["svg"]
        assert box["right"] <= viewport["width"], box  # the chart fits the screen
        assert chart["texts"], "a chart with no text"
        for t in chart["texts"]:
            labels.append(t["text"])
            assert t["px"] >= MIN_PX and t["height"] >= MIN_PX, t
            assert (box["left"] - 0.5 <= t["left"] and t["right"] <= box["right"] + 0.5
                    and box["top"] - 0.5 <= t["top"] and t["bottom"] <= box["bottom"] + 0.5), (t, box)
    assert "100.000" in labels or "120.000" in labels, labels  # the y axis, grouped the Vietnamese way
    assert "Phường Nguyễn Thị Minh Khai Đông" in labels
    assert problems == [], problems
