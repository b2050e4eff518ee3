"""Charts drawn on the server as SVG: the geometry here, the markup in
templates/_partials/_line_chart.html. No JavaScript, no library: a few lines
of arithmetic, and the numbers also shown as a table for screen readers."""
import math

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 30
MAX_SERIES = 6
TREND_YEARS = 4


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `maximum` (0, 250, 500, …)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(0, math.ceil(maximum / step) + 1)]


def line_chart(x_labels: list[str], series: list[tuple[str, list[float | None]]]) -> dict:
    """Geometry of a line chart: each series is (name, one value per x label,
    None where there is no value). The last series is drawn emphasised."""
    values = [v for _name, points in series for v in points if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1] or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(x_labels) - 1)

    def x(i):
        return round(LEFT + i * step, 1)

    def y(v):
        return round(TOP + plot_h * (1 - v / top), 1)

    lines = []
    for index, (name, points) in enumerate(series[-MAX_SERIES:]):
        drawn = [(x(i), y(v)) for i, v in enumerate(points) if v is not None]
        lines.append({
            "name": name, "index": index, "data": points,
            "points": " ".join(f"{px},{py}" for px, py in drawn),
            "last": drawn[-1] if drawn else None,
        })
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM,
        "x_labels": [(x(i), label) for i, label in enumerate(x_labels)],
        "y_ticks": [(y(t), t) for t in ticks],
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


BAR_WIDTH, BAR_ROW, BAR_LABEL, BAR_VALUE, BAR_TOP = 600, 22, 190, 64, 24
GROWTH_LIMIT = 50.0  # growth beyond ±50 % is drawn to the edge and marked


def growth_bars(rows: list[tuple[str, float | None, str | None]], band: tuple[float, float]) -> dict | None:
    """Geometry of a horizontal bar chart of growth in % against last year:
    one bar per (name, growth, target status), from the highest growth down,
    with the target band shaded. Rows without a comparison are left out (the
    caller says how many). None when there is nothing to draw."""
    drawn = sorted((r for r in rows if r[1] is not None), key=lambda r: -r[1])
    if not drawn:
        return None
    low = max(-GROWTH_LIMIT, min(min(r[1] for r in drawn), band[0], 0) - 5)
    high = min(GROWTH_LIMIT, max(max(r[1] for r in drawn), band[1], 0) + 5)
    left, right = BAR_LABEL, BAR_WIDTH - BAR_VALUE

    def x(value):
        value = min(max(value, low), high)
        return round(left + (value - low) * (right - left) / (high - low), 1)

    step = next(s for s in (5, 10, 20, 25) if (high - low) / s <= 8)
    ticks = list(range(int(math.ceil(low / step) * step), int(high) + 1, step))
    zero = x(0)
    bars = []
    for index, (name, growth, status) in enumerate(drawn):
        end = x(growth)
        bars.append({
            "name": name, "growth": growth, "status": status or "none", "y": BAR_TOP + index * BAR_ROW,
            "x": min(zero, end), "width": max(1.0, round(abs(end - zero), 1)),
            "clipped": not low <= growth <= high,
        })
    return {
        "width": BAR_WIDTH, "height": BAR_TOP + len(bars) * BAR_ROW + 8, "row": BAR_ROW, "left": left, "right": right,
        "zero": zero, "band": (x(band[0]), round(x(band[1]) - x(band[0]), 1)), "band_values": band,
        "ticks": [(x(t), t) for t in ticks], "bars": bars,
    }
