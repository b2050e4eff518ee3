"""The paper tally sheet: a printable A4 grid per library point and month (services × reader
groups × days) for days without power or network. Its QR code opens that point's month grid,
where the counts are keyed in afterwards."""
import re
from datetime import timedelta

import segno
from flask import request, url_for
from markupsafe import Markup

from app import periods
from app.access import requires
from app.formatting import today_local
from app.htmx import render
from app.periods import MONTH, Period
from app.units.models import LibraryPoint
from app.visits import bp
from app.visits.models import GROUPS, SERVICES

# A half month per A4 landscape page: a day's column is wide enough for a few strokes.
FIRST_HALF = 16


def qr_svg(url: str, title: str) -> Markup:
    """`url` as a QR code in inline SVG: no width or height (the stylesheet sizes it), no style
    attribute (the CSP allows none), the four-module quiet zone readers expect."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass="qr-line", title=title)
    return Markup(re.sub(r'\sstyle="[^"]*"', "", svg))


@bp.get("/points/<int:id>/sheet")
@requires("visits.view", load=LibraryPoint)
def sheet(point: LibraryPoint):
    """The sheet for ?month=YYYY-MM (any month from FIRST_YEAR to this year's December, so next
    month's can be printed ahead); another or a malformed month gives this month's."""
    today = today_local()
    period = periods.from_args(request.args, today, kinds=(MONTH,), default=Period.containing(today))
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    month = f"{period.year}-{period.number:02d}"
    grid_url = url_for("visits.month_entry", id=point.id, month=month, _external=True)
    return render("visits/sheet.html", point=point, commune=point.commune, period=period, month=month,
                  halves=[days[:FIRST_HALF], days[FIRST_HALF:]], services=SERVICES, groups=GROUPS, grid_url=grid_url,
                  qr=qr_svg(grid_url, period.label), today=today,
                  previous=periods.checked(Period.containing(period.start - timedelta(days=1)), today, (MONTH,)),
                  following=periods.checked(Period.containing(period.end + timedelta(days=1)), today, (MONTH,)))
