"""Every page each role reaches (tests/crawl.py), and every htmx partial those
pages ask for, is sound HTML in the ways a validator and a screen reader
notice: a `<title>` of plain text, ids used once per page, no placeholder on a
date input (the browser draws its own), no `<details>` inside a `<figure>`,
and a required `<select>` that starts with an empty option.

A `{% block title %}` left open once put a whole section into `<title>`; these
checks catch that class of slip on every page, present and future."""
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.formatting import today_local
from tests.crawl import crawl

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class PageChecker(HTMLParser):
    """Reads one page and lists what is wrong with it."""

    def __init__(self, partial: bool):
        super().__init__(convert_charrefs=True)
        self.partial = partial
        self.problems: list[str] = []
        self.ids: dict[str, int] = {}
        self.titles: list[str] = []
        self.open: list[str] = []  # the open elements, innermost last
        self.in_title = False
        self.select: dict | None = None  # the required <select> being read, until its first option

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = f"<{tag}{' id=' + attrs['id'] if attrs.get('id') else ''}>"
        if self.in_title:
            self.problems.append(f"markup inside <title>: {where}")
            self.in_title = False  # once is enough; the rest of the page is likely inside it too
        if "id" in attrs:
            ident = attrs["id"] or ""
            if not ident.strip():
                self.problems.append(f"an empty id on {where}")
            self.ids[ident] = self.ids.get(ident, 0) + 1
        if tag == "title" and "svg" not in self.open:  # an SVG <title> is a tooltip, not the page's
            self.in_title = True
            self.titles.append("")
        if tag == "input" and (attrs.get("type") or "").lower() == "date" and "placeholder" in attrs:
            self.problems.append(f"placeholder on a date input: {where}")
        if tag == "details" and "figure" in self.open:
            self.problems.append(f"<details> inside <figure>: {where}")
        if self.select is not None and tag == "option":
            if attrs.get("value", None) != "":
                self.problems.append(f"the required <select name={self.select['name']}> starts with "
                                     f"option value={attrs.get('value')!r}, not an empty one")
            self.select = None
        if tag == "select" and "required" in attrs and "multiple" not in attrs and (attrs.get("size") or "1") == "1":
            self.select = {"name": attrs.get("name")}
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "select" and self.select is not None:
            self.problems.append(f"the required <select name={self.select['name']}> has no option")
            self.select = None
        if tag in self.open:  # close it and anything left open inside it (an omitted </p>, </li> …)
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if self.in_title:
            self.titles[-1] += data
            if "<" in data:  # a parser that reads <title> as raw text (Python 3.14's does) sees markup as data
                self.problems.append(f"markup inside <title>: {data.strip()[:40]!r}")
                self.in_title = False

    def check(self, text: str) -> list[str]:
        self.feed(text)
        self.close()
        if self.in_title:
            self.problems.append("a <title> that never closes")
        if not self.partial:
            if len(self.titles) != 1:
                self.problems.append(f"{len(self.titles)} <title> elements")
            elif not self.titles[0].strip():
                self.problems.append("an empty <title>")
        self.problems += [f'id="{ident}" used {n} times' for ident, n in self.ids.items() if n > 1]
        return self.problems


def problems_of(text: str, partial: bool = False) -> list[str]:
    return PageChecker(partial).check(text)


@pytest.fixture
def furnished(app, world):
    """The world with a record of every kind, so list and detail pages have rows to show."""
    from app.equipment.models import EquipmentEvent, EquipmentItem
    from app.reports.models import PeriodReport
    from app.resources.models import Resource
    from app.visits.models import VisitCount
    from tests.test_training import make_attendee, make_session

    session = make_session(app, world, start_date=date(2026, 5, 4), end_date=date(2026, 5, 4))
    make_attendee(app, session)
    with app.app_context():
        for point in (world.point_a, world.point_b):
            item = EquipmentItem(point_id=point.id, category="computer", description="Máy tính", quantity=2)
            db.session.add(item)
            db.session.flush()
            db.session.add(EquipmentEvent(item_id=item.id, occurred_on=date(2026, 5, 2), kind="repair",
                                          description="Thay ổ cứng", recorded_by_id=world.librarian_a.id))
        db.session.add(Resource(province_id=world.province_p.id, title="Thư viện số", link="https://example.vn"))
        # The last ended month, which the pages link to: one report waiting for a decision, one returned.
        with app.test_request_context():
            last = today_local().replace(day=1) - timedelta(days=1)
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=last.year, month=last.month,
                                    status="submitted", note="Ghi chú"))
        db.session.add(PeriodReport(commune_id=world.commune_b.id, year=last.year, month=last.month,
                                    status="returned", note="Ghi chú", comment="Thiếu số liệu"))
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 5, 4), service="reading",
                                  reader_group="children", count=3))
        db.session.commit()
    return world


def test_the_checker_sees_each_kind_of_slip():
    page = ('<html><head><title>Xã A <section id="x">…</section></title></head><body>'
            '<input type="hidden" id="csrf_token"><input type="hidden" id="csrf_token">'
            '<input type="date" placeholder="dd/mm/yyyy"><figure><details></details></figure>'
            '<select name="role" required><option value="admin">A</option></select></body></html>')
    found = " | ".join(problems_of(page))
    for slip in ("markup inside <title>", 'id="csrf_token" used 2 times', "placeholder on a date input",
                 "<details> inside <figure>", "<select name=role> starts with"):
        assert slip in found, (slip, found)
    assert "a <title> that never closes" in problems_of("<title>Xã A")
    assert "an empty <title>" in problems_of("<title> </title>")
    assert problems_of('<title>Xã A</title><select required><option value="">—</option></select>'
                       "<figure><svg></svg><figcaption>x</figcaption></figure><details></details>") == []


@pytest.mark.parametrize("role", ["librarian_a", "trainer_p", "province_staff_p", "admin"])
def test_every_page_has_a_text_title_and_unique_ids(furnished, as_user, role):
    client = as_user(role)
    failures, reached = [], 0
    for url, response, partial in crawl(client, per_shape=2, limit=400):
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        reached += 1
        problems = problems_of(response.get_data(as_text=True), partial)
        failures += [f"{url}{' (partial)' if partial else ''}: {p}" for p in problems]
    assert reached > 10  # the crawl really went through the pages
    assert not failures, "\n".join(failures)
