"""Charts drawn on the server as SVG: the geometry here, the markup in
templates/_partials/_line_chart.html and _bar_chart.html. No JavaScript, no
library: a few lines of arithmetic, and the numbers also shown as a table for
screen readers.

The charts have no viewBox, so a phone does not shrink their text with the
drawing: text is set in CSS px (TICK_PX, NAME_PX, in app.css) and stays that
size at any width. Horizontal positions are percentages of the chart's width,
vertical ones px; the lines of a line chart are drawn in a <symbol> stretched
over the plot (its strokes do not scale). Margins are percentages too, sized so
the widest label fits the narrowest chart (MIN_WIDTH px, on a 320 px phone):
on a wide screen they are only roomier."""
import math

from app.formatting import fmt_number

MIN_WIDTH = 260  # px: the chart's width on a 320 px phone (page and card padding taken off)
TICK_PX, NAME_PX = 12, 13  # font sizes in CSS px; app.css sets the same
GAP = 6  # px between an axis label and the plot
HEIGHT, TOP, BOTTOM = 240, 12, 28
LINES_WIDTH = 1000  # the width of a line chart's <symbol>, stretched over the plot
MAX_SERIES = 6
TREND_YEARS = 4

# Advance widths in em, rounded up, of the widest common sans-serif (DejaVu
# Sans, Chromium's default on Debian); other fonts draw narrower.
_EM = {**dict.fromkeys("0123456789", 0.64), **dict.fromkeys(".,:;' ", 0.33), "%": 0.96, "+": 0.84, "-": 0.37,
       "−": 0.84, "*": 0.5, "…": 1.0}


def text_width(text: str, px: float) -> float:
    """An upper estimate of the width in px of `text` set at `px`."""
    return sum(_EM.get(c, 0.74 if c.isupper() else 0.62) for c in str(text)) * px


def percent(px: float, width: float = MIN_WIDTH) -> float:
    """`px` of a chart `width` px wide, as a percentage of it, rounded up."""
    return math.ceil(1000 * px / width) / 10


def nice_ticks(maximum: float, count: int = 4) -> list[int]:
    """Round, whole tick values from 0 to at least `maximum` (0, 250, 500, …):
    the charts count visits."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, math.ceil(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)))
    return [step * i for i in range(0, math.ceil(maximum / step) + 1)]


def line_chart(x_labels: list[str], series: list[tuple[str, list[float | None]]]) -> dict:
    """Geometry of a line chart: each series is (name, one value per x label,
    None where there is no value). The last series is drawn emphasised.
    x positions are in % of the chart's width (the lines' points in units of
    its LINES_WIDTH-wide symbol), y positions in px."""
    values = [v for _name, points in series for v in points if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1] or 1
    tick_labels = [fmt_number(t) for t in ticks]
    # Room for the widest y label left of the plot, and half of the last x label right of it.
    left = percent(max(text_width(label, TICK_PX) for label in tick_labels) + GAP + 2)
    right = percent(max((text_width(label, TICK_PX) for label in x_labels[-1:]), default=0) / 2 + 2)
    plot_w, plot_h = 100 - left - right, HEIGHT - TOP - BOTTOM
    count = max(1, len(x_labels) - 1)

    def x(i):  # in % of the chart
        return round(left + i * plot_w / count, 2)

    def y(v):  # in px
        return round(TOP + plot_h * (1 - v / top), 1)

    lines = []
    for index, (name, points) in enumerate(series[-MAX_SERIES:]):
        drawn = [(i, y(v)) for i, v in enumerate(points) if v is not None]
        lines.append({
            "name": name, "index": index, "data": points,
            "points": " ".join(f"{round(i * LINES_WIDTH / count, 1)},{py}" for i, py in drawn),
            "last": (x(drawn[-1][0]), drawn[-1][1]) if drawn else None,
        })
    return {
        "height": HEIGHT, "left": left, "right": round(100 - right, 2), "plot": round(plot_w, 2),
        "top": TOP, "bottom": HEIGHT - BOTTOM, "gap": GAP, "lines_width": LINES_WIDTH,
        "x_labels": [(x(i), label) for i, label in enumerate(x_labels)],
        "y_ticks": [(y(t), label) for t, label in zip(ticks, tick_labels, strict=True)],
        "series": lines, "labels": x_labels,
    }


def monthly_trend(totals: dict[tuple[int, int], int], until: tuple[int, int], years: int = TREND_YEARS) -> dict | None:
    """Monthly visits over the years: one line per year, January to December,
    the most recent `years` years, up to the month `until` (year, month), the
    last complete one: a running month would look like a fall. None when
    there is nothing to draw."""
    totals = {k: v for k, v in totals.items() if k <= until}
    if not totals:
        return None
    last_year = max(y for y, _m in totals)
    shown = [y for y in range(last_year - years + 1, last_year + 1) if any(k[0] == y for k in totals)]
    first = min(totals)
    series = []
    for year in shown:
        points = [totals.get((year, m), 0) if first <= (year, m) <= until else None for m in range(1, 13)]
        series.append((str(year), points))
    return line_chart([f"{m:02d}" for m in range(1, 13)], series)


# A bar's row: its commune's name on a line of its own, the bar under it, the
# value at the right edge — so a long name never squeezes the bars on a phone.
BAR_ROW, BAR_NAME, BAR_HEIGHT, BAR_TOP = 40, 15, 14, 22
GROWTH_LIMIT = 50.0  # growth beyond ±50 % is drawn to the edge and marked


def growth_label(growth: float, clipped: bool = False) -> str:
    """+12,5 (Vietnamese decimal comma), with * when drawn clipped at the edge."""
    return f"{growth:+.1f}".replace(".", ",") + ("*" if clipped else "")


def fit(text: str, px: float, width: float) -> str:
    """`text`, cut with … so that it fits `width` px."""
    if text_width(text, px) <= width:
        return text
    while text and text_width(text + "…", px) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def growth_bars(rows: list[tuple[str, float | None, str | None]], band: tuple[float, float]) -> dict | None:
    """Geometry of a horizontal bar chart of growth in % against last year:
    one bar per (name, growth, target status), from the highest growth down,
    with the target band shaded. Rows without a comparison are left out (the
    caller says how many). None when there is nothing to draw. x positions
    and widths in % of the chart's width, y positions in px."""
    drawn = sorted((r for r in rows if r[1] is not None), key=lambda r: -r[1])
    if not drawn:
        return None
    low = max(-GROWTH_LIMIT, min(min(r[1] for r in drawn), band[0], 0) - 5)
    high = min(GROWTH_LIMIT, max(max(r[1] for r in drawn), band[1], 0) + 5)
    values = [growth_label(g, not low <= g <= high) for _n, g, _s in drawn]
    widest_tick = max(text_width(f"{t}%", TICK_PX) for t in (int(low), int(high), -50))
    left = percent(widest_tick / 2 + 2)  # the first tick's label is centred on the plot's left edge
    right_edge = 100 - percent(max(text_width(v, TICK_PX) for v in values) + GAP + 2)
    plot_px = (right_edge - left) * MIN_WIDTH / 100
    # The first step whose labels do not run into each other on the narrowest chart.
    step = next((s for s in (5, 10, 20, 25, 50) if plot_px * s / (high - low) >= widest_tick + 4), 50)

    def x(value):
        value = min(max(value, low), high)
        return round(left + (value - low) * (right_edge - left) / (high - low), 2)

    ticks = list(range(int(math.ceil(low / step) * step), int(high) + 1, step))
    zero = x(0)
    bars = []
    for index, (name, growth, status) in enumerate(drawn):
        end = x(growth)
        bars.append({
            "name": name, "label": fit(name, NAME_PX, MIN_WIDTH - 2), "growth": growth, "value": values[index],
            "status": status or "none", "y": BAR_TOP + index * BAR_ROW,
            "x": min(zero, end), "width": max(0.3, round(abs(end - zero), 2)),
            "clipped": not low <= growth <= high,
        })
    return {
        "height": BAR_TOP + len(bars) * BAR_ROW + 4, "row": BAR_ROW, "name_y": BAR_NAME,
        "bar_y": BAR_NAME + 5, "bar_height": BAR_HEIGHT, "left": left, "right": right_edge,
        "zero": zero, "band": (x(band[0]), round(x(band[1]) - x(band[0]), 2)), "band_values": band,
        "ticks": [(x(t), f"{t}%") for t in ticks], "bars": bars,
    }
