"""The charts' geometry: tick labels grouped the Vietnamese way, and margins
wide enough for the widest label on the narrowest chart (charts.MIN_WIDTH px)."""
from itertools import pairwise

import pytest

from app import charts


@pytest.mark.parametrize("maximum, labels", [
    (75_000, ["0", "20.000", "40.000", "60.000", "80.000"]),
    (100_000, ["0", "25.000", "50.000", "75.000", "100.000"]),
    (3, ["0", "1", "2", "3"]),  # whole visits only, never 0,5
    (0, ["0", "1"]),
])
def test_tick_labels_are_whole_and_grouped(maximum, labels):
    chart = charts.line_chart(["01", "02"], [("2026", [maximum, None])])
    assert [label for _y, label in chart["y_ticks"]] == labels


@pytest.mark.parametrize("maximum", [9, 950, 75_000, 100_000, 1_250_000])
def test_left_margin_holds_the_widest_tick_label(maximum):
    chart = charts.line_chart([f"{m:02d}" for m in range(1, 13)], [("2026", [maximum] * 12)])
    widest = max(charts.text_width(label, charts.TICK_PX) for _y, label in chart["y_ticks"])
    room = chart["left"] * charts.MIN_WIDTH / 100 - charts.GAP  # px left of the label's right end
    assert room >= widest, (chart["left"], widest)
    assert charts.text_width("12", charts.TICK_PX) / 2 <= (100 - chart["right"]) * charts.MIN_WIDTH / 100
    x_step = (chart["x_labels"][1][0] - chart["x_labels"][0][0]) * charts.MIN_WIDTH / 100
    if maximum <= 100_000:  # a province's month; past a million the months' labels would touch on a 320 px phone
        assert x_step >= charts.text_width("12", charts.TICK_PX) + 2


def test_margins_grow_with_the_labels():
    small = charts.line_chart(["01", "02"], [("2026", [9, 9])])
    large = charts.line_chart(["01", "02"], [("2026", [100_000, 100_000])])
    assert small["left"] < large["left"]


def test_text_width_is_an_upper_estimate_for_digits():
    assert charts.text_width("100.000", 12) == pytest.approx((6 * 0.64 + 0.33) * 12)


def test_growth_bars_fit_their_labels_on_the_narrowest_chart():
    rows = [("Phường Nguyễn Thị Minh Khai Đông Và Một Cái Tên Rất Dài", 24.6, "met"), ("B", -63.3, "missed")]
    chart = charts.growth_bars(rows, (5.0, 7.0))
    long, clipped = chart["bars"]
    assert long["label"].endswith("…") and long["name"] == rows[0][0]
    assert charts.text_width(long["label"], charts.NAME_PX) <= charts.MIN_WIDTH
    assert clipped["value"] == "-63,3*" and long["value"] == "+24,6"
    value_room = (100 - chart["right"]) * charts.MIN_WIDTH / 100
    assert value_room >= charts.text_width("-63,3*", charts.TICK_PX) + charts.GAP
    xs = [x * charts.MIN_WIDTH / 100 for x, _label in chart["ticks"]]
    widest = max(charts.text_width(label, charts.TICK_PX) for _x, label in chart["ticks"])
    assert xs[0] >= widest / 2 and all(b - a >= widest for a, b in pairwise(xs))  # tick labels apart
