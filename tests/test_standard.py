"""The equipment standard per point model, each point's gaps against it, the
province's equipping progress and purchase list, and the progress report."""
import io
import re
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.equipment.models import BROKEN, IN_USE, LIQUIDATED, UNDER_REPAIR, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.standards import queries
from app.standards.models import StandardLine, StandardSettings
from app.units.models import LibraryPoint, Unit
from app.users.models import User
from app.visits.models import VisitCount
from tests.conftest import fetch, post, update
from tests.factories import make_point

TODAY = date(2026, 6, 30)
MODEL = "library_cultural_centre"


@pytest.fixture
def frozen(monkeypatch):
    """freeze(day): today_local() (and every "now") is `day`, 10:00 in Hà Nội."""

    def freeze(day: date):
        monkeypatch.setattr("app.models_base.utcnow", lambda: datetime(day.year, day.month, day.day, 3,
                                                                       tzinfo=timezone.utc))

    freeze(TODAY)
    return freeze


def english(app, *usernames):
    """The users read the pages in English (the messages tested are the msgids)."""
    with app.app_context():
        for username in usernames:
            db.session.execute(db.update(User).where(User.username == username).values(language="en"))
        db.session.commit()


def set_standard(province_id, valid_from=date(2026, 1, 1), model=MODEL, **required):
    """A version of a model's standard: category=quantity, computer=(quantity, online)."""
    for category, quantity in required.items():
        quantity, internet = quantity if isinstance(quantity, tuple) else (quantity, False)
        db.session.add(StandardLine(province_id=province_id, point_model=model, valid_from=valid_from,
                                    category=category, min_quantity=quantity, needs_internet=internet))


def item(point_id, category, quantity=1, condition=IN_USE, received=date(2026, 1, 10), online=False):
    obj = EquipmentItem(point_id=point_id, category=category, description=category, quantity=quantity,
                        condition=condition, received_on=received, internet_connected=online)
    db.session.add(obj)
    return obj


def crafted_register(point_id):
    """Chairs: a lot of 6 in use, 2 of it split off broken, 5 liquidated; a broken printer;
    computers: 2 in use online, 1 in use offline, 1 under repair; 4 shelves."""
    item(point_id, "chair", 6)
    item(point_id, "chair", 2, BROKEN)
    item(point_id, "chair", 5, LIQUIDATED)
    item(point_id, "printer", 1, BROKEN)
    item(point_id, "computer", 2, online=True)
    item(point_id, "computer", 1)
    item(point_id, "computer", 1, UNDER_REPAIR, online=True)
    item(point_id, "shelf", 4)


@pytest.fixture
def register(app, world, frozen):
    with app.app_context():
        set_standard(world.province_p.id, chair=10, printer=1, computer=(4, True), shelf=4)
        crafted_register(world.point_a.id)
        db.session.commit()
    english(app, "librarian_a", "province_p")
    return world


def lines(gap):
    return {line["category"]: {k: line[k] for k in ("working", "missing", "connect", "repairable", "to_buy")}
            for line in gap["lines"]}


# --- Gaps of a point ------------------------------------------------------------------------

def test_gaps_of_a_crafted_register(app, register):
    with app.app_context():
        gap = queries.gaps_on(register.province_p.id, TODAY)[register.point_a.id]
    assert gap["status"] == queries.PARTLY
    assert lines(gap) == {
        # broken and liquidated chairs never count; the lot and its split-off part count by quantity
        "chair": {"working": 6, "missing": 4, "connect": 0, "repairable": 2, "to_buy": 2},
        "printer": {"working": 0, "missing": 1, "connect": 0, "repairable": 1, "to_buy": 0},
        # online computers: 2 working; connecting the offline one closes 1, repairing the other 1
        "computer": {"working": 2, "missing": 2, "connect": 1, "repairable": 1, "to_buy": 0},
        "shelf": {"working": 4, "missing": 0, "connect": 0, "repairable": 0, "to_buy": 0},
    }


def test_the_librarians_home_and_the_point_page_show_the_gaps(app, register, as_user):
    librarian = as_user("librarian_a")
    home = librarian.get("/").get_data(as_text=True)
    assert "Still missing: 4 chairs, 2 internet-connected computers, 1 printer" in home
    assert "Repairs would close 2 chairs, 1 internet-connected computer, 1 printer of it." in home
    assert f'href="/points/{register.point_a.id}/gaps"' in home
    page = librarian.get(f"/points/{register.point_a.id}").get_data(as_text=True)
    assert "Still missing: 4 chairs, 2 internet-connected computers, 1 printer" in page
    gaps = librarian.get(f"/points/{register.point_a.id}/gaps")
    assert gaps.status_code == 200
    assert librarian.get(f"/points/{register.point_b.id}/gaps").status_code == 403


def test_a_point_whose_model_has_no_standard_shows_no_gaps(app, register, as_user):
    with app.app_context():
        db.session.get(LibraryPoint, register.point_a.id).model = "reading_room"
        db.session.commit()
    home = as_user("librarian_a").get("/").get_data(as_text=True)
    assert "Still missing" not in home and "gaps-" not in home


def test_a_fully_equipped_point_says_so(app, register, as_user):
    with app.app_context():
        item(register.point_a.id, "chair", 4)
        item(register.point_a.id, "printer", 1)
        item(register.point_a.id, "computer", 2, online=True)
        db.session.commit()
    home = as_user("librarian_a").get("/").get_data(as_text=True)
    assert "Equipped to the standard for its model." in home and "Still missing" not in home


def test_gaps_as_of_a_past_day_follow_the_register_of_that_day(app, register, as_user):
    with app.app_context():
        printer = db.session.scalar(select(EquipmentItem).where(EquipmentItem.category == "printer"))
        # the printer broke on 01/03/2026: on 15/02 it was working
        db.session.add(EquipmentEvent(item_id=printer.id, occurred_on=date(2026, 3, 1), kind="condition_change",
                                      old_condition=IN_USE, new_condition=BROKEN))
        item(register.point_a.id, "chair", 4, received=date(2026, 5, 1))  # not yet received on 15/02
        db.session.commit()
        before = lines(queries.gaps_on(register.province_p.id, date(2026, 2, 15))[register.point_a.id])
        now = lines(queries.gaps_on(register.province_p.id, TODAY)[register.point_a.id])
    assert before["printer"]["missing"] == 0 and now["printer"]["missing"] == 1
    assert before["chair"]["missing"] == 4 and now["chair"]["missing"] == 0
    page = as_user("province_staff_p").get(f"/points/{register.point_a.id}/gaps?on=15/02/2026").get_data(as_text=True)
    assert "as of 15/02/2026" in page and "Still missing: 4 chairs, 2 internet-connected computers" in page


def test_a_point_opened_after_the_day_is_not_measured(app, register):
    update(app, LibraryPoint, register.point_a.id, opened_on=date(2026, 3, 1))
    with app.app_context():
        assert register.point_a.id not in queries.gaps_on(register.province_p.id, date(2026, 2, 1))
        assert register.point_a.id in queries.gaps_on(register.province_p.id, TODAY)


# --- The province's progress and purchase list -------------------------------------------------

@pytest.fixture
def province(app, world, frozen):
    """Province P with four points of the standard's model: A fully equipped; B partly
    (2 chairs short, a broken printer); B2 with nothing; and a reading room without a standard."""
    with app.app_context():
        set_standard(world.province_p.id, chair=4, printer=1, computer=(1, True))
        a, b = world.point_a.id, world.point_b.id
        b2 = make_point(db.session.get(Unit, world.commune_b.id), name="Điểm B2").id
        make_point(db.session.get(Unit, world.commune_b.id), name="Phòng đọc", model="reading_room")
        item(a, "chair", 4), item(a, "printer"), item(a, "computer", online=True)
        item(b, "chair", 2), item(b, "printer", condition=BROKEN), item(b, "computer", online=True)
        item(world.point_c.id, "chair", 1)  # another province: never counted
        db.session.add(StandardSettings(province_id=world.province_p.id, start_date=date(2026, 1, 1),
                                        deadline=date(2026, 6, 30)))
        db.session.commit()
    english(app, "province_p", "admin")
    return {"world": world, "b2": b2}


def test_progress_against_hand_counts(app, province, as_user):
    world = province["world"]
    with app.app_context():
        result = queries.progress(world.province_p.id, TODAY)
    assert {k: result["counts"][k] for k in ("full", "partly", "none", "no_standard", "measured")} == {
        "full": 1, "partly": 1, "none": 1, "no_standard": 1, "measured": 3}
    purchases = {(r["category"], r["internet"]): (r["points"], r["missing"], r["repairable"], r["to_buy"])
                 for r in result["purchases"]}
    # chairs: B lacks 2, B2 lacks 4; printers: B's broken one, B2's; online computers: B2's
    assert purchases == {("chair", False): (2, 6, 0, 6), ("printer", False): (2, 2, 1, 1),
                         ("computer", True): (1, 1, 0, 1)}
    page = as_user("province_staff_p").get("/province/equipping")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<span class="value">1/3</span><span class="label">points fully equipped', html)
    assert "2 points still short" in html and "Điểm B2" in html


def test_purchase_list_export(app, province, as_user):
    response = as_user("province_staff_p").get("/province/equipping/purchases.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row[0] == "No.")
    rows = [list(row) for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)]
    assert rows == [[1, "Chair", 2, 6, 0, 0, 6], [2, "Printer", 2, 2, 0, 1, 1],
                    [3, "Internet-connected computer", 1, 1, 0, 0, 1], [None, "Total", None, 9, 0, 1, 8]]
    points = [list(r) for r in book.worksheets[1].iter_rows(min_row=header_row + 1, values_only=True)]
    assert [(r[1], r[2], r[4]) for r in points] == [("Xã B", "Phòng đọc", "No standard for its model"),
                                                    ("Xã B", "Điểm B2", "No category up to the standard"),
                                                    ("Xã B", "Điểm thư viện Xã B", "Partly equipped")]


def test_trend_of_fully_equipped_points_by_month(app, province):
    world = province["world"]
    with app.app_context():
        # B gets its chairs in April and its printer repaired in May
        item(world.point_b.id, "chair", 2, received=date(2026, 4, 20))
        printer = db.session.scalar(select(EquipmentItem).where(EquipmentItem.point_id == world.point_b.id,
                                                                EquipmentItem.category == "printer"))
        printer.condition = IN_USE
        db.session.add(EquipmentEvent(item_id=printer.id, occurred_on=date(2026, 5, 10), kind="repair",
                                      old_condition=BROKEN, new_condition=IN_USE))
        db.session.commit()
        trend = queries.fully_equipped_by_month(world.province_p.id, queries.month_ends(date(2026, 1, 1), TODAY))
    assert [(d.month, full, of) for d, full, of in trend] == [(1, 1, 3), (2, 1, 3), (3, 1, 3), (4, 1, 3),
                                                              (5, 2, 3), (6, 2, 3)]


# --- The progress report ---------------------------------------------------------------------------

def report_tables(html):
    return [re.search(rf'<table class="sheet-table[^"]*" id="{name}">.*?</table>', html, re.S).group(0)
            for name in ("missing-by-category", "by-commune")] + [
        re.search(r'<p id="summary-equipment">.*?</p>', html, re.S).group(0)]


def test_report_defaults_to_the_deadline_and_shows_the_figures(app, province, as_user, frozen):
    world = province["world"]
    frozen(date(2026, 8, 15))
    with app.app_context():
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 3, 2), service="reading",
                                  reader_group="adults", count=12))
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2025, 12, 31), service="reading",
                                  reader_group="adults", count=99))  # before the start date
        db.session.commit()
    update(app, LibraryPoint, world.point_a.id, internet_computer_on=date(2026, 2, 1))
    html = as_user("province_staff_p").get("/province/equipping/report").get_data(as_text=True)
    assert "as of 30/06/2026" in html  # the deadline, not today
    assert "of 3 active library points whose model has an equipment standard, 1 are fully equipped, 1 partly" \
        in html
    by_commune = report_tables(html)[1]
    row_a = re.search(r"<tr><td class=\"no\">1</td><td>Xã A</td>(.*?)</tr>", by_commune, re.S).group(1)
    assert re.findall(r'class="num">([^<]*)<', row_a) == ["1", "1/1", "1", "0", "0", "0", "0", "12"]
    assert "Xã B: missing 6 chairs, 2 printers, 1 internet-connected computer" in html
    assert ("Xã A: digital library: library software installed 0/1, staff trained 0/1, serving readers 0/1."
            in html)  # fully equipped, but not every digital-library step
    assert "SOCIALIST REPUBLIC OF VIETNAM" in html and "Recipients:" in html


def test_report_as_of_a_past_day_is_unchanged_by_later_edits(app, province, as_user, frozen):
    world = province["world"]
    staff = as_user("province_staff_p")
    before = report_tables(staff.get("/province/equipping/report?on=30/06/2026").get_data(as_text=True))
    frozen(date(2026, 9, 1))
    with app.app_context():
        item(world.point_b.id, "chair", 10, received=date(2026, 8, 1))
        printer = db.session.scalar(select(EquipmentItem).where(EquipmentItem.point_id == world.point_b.id,
                                                                EquipmentItem.category == "printer"))
        printer.condition = IN_USE
        db.session.add(EquipmentEvent(item_id=printer.id, occurred_on=date(2026, 8, 20), kind="repair",
                                      old_condition=BROKEN, new_condition=IN_USE))
        a_printer = db.session.scalar(select(EquipmentItem).where(EquipmentItem.point_id == world.point_a.id,
                                                                  EquipmentItem.category == "printer"))
        a_printer.condition = LIQUIDATED
        db.session.add(EquipmentEvent(item_id=a_printer.id, occurred_on=date(2026, 8, 25), kind="liquidation",
                                      old_condition=IN_USE, new_condition=LIQUIDATED))
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 8, 2), service="reading",
                                  reader_group="adults", count=40))
        db.session.get(LibraryPoint, world.point_b.id).software_installed_on = date(2026, 8, 3)
        db.session.commit()
    # the standard changes from today on
    form = standard_form(staff, world.province_p.id)
    form.update({"min_chair": "8", "min_printer": "2"})
    assert post(staff, f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}", form).status_code == 303
    after = report_tables(staff.get("/province/equipping/report?on=30/06/2026").get_data(as_text=True))
    assert after == before
    now = report_tables(staff.get("/province/equipping/report?on=01/09/2026").get_data(as_text=True))
    assert now != before


def test_report_refuses_a_bad_day_with_a_message(app, province, as_user):
    html = as_user("province_staff_p").get("/province/equipping/report?on=31/02/2026").get_data(as_text=True)
    assert "Enter a date as dd/mm/yyyy." in html and "as of 30/06/2026" in html


# --- Editing the standard and the dates ---------------------------------------------------------------

def standard_form(client, province_id, model=MODEL):
    html = client.get(f"/provinces/{province_id}/standard/edit?model={model}").get_data(as_text=True)
    values = dict(re.findall(r'name="(min_\w+)"[^>]*value="([^"]*)"', html))
    values["version"] = re.search(r'name="version"[^>]*value="([^"]*)"', html).group(1)
    if re.search(r'<input[^>]*\bchecked\b[^>]*name="computer_internet"|name="computer_internet"[^>]*\bchecked\b', html):
        values["computer_internet"] = "y"
    return values


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(StandardLine.id))),
                db.session.scalar(select(func.count(AuditEvent.id))
                                  .where(AuditEvent.object_type == "standard_settings")),
                db.session.scalar(select(StandardSettings.version)))


def test_a_saved_standard_is_a_new_version_valid_from_today_and_audited(app, province, as_user):
    world = province["world"]
    staff = as_user("province_staff_p")
    form = standard_form(staff, world.province_p.id)
    assert form["min_chair"] == "4" and form["min_computer"] == "1" and form["computer_internet"] == "y"
    form.update({"min_chair": "6", "min_desk": "2"})
    response = post(staff, f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}", form)
    assert response.status_code == 303
    with app.app_context():
        assert queries.standards_on(world.province_p.id, TODAY)[MODEL] == {
            "desk": (2, False), "chair": (6, False), "computer": (1, True), "printer": (1, False)}
        assert queries.standards_on(world.province_p.id, date(2026, 6, 29))[MODEL]["chair"] == (4, False)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update_standard"))
        assert event.username == "province_p" and '"chair": "6"' in event.after and '"chair": "4"' in event.before
    page = staff.get(f"/provinces/{world.province_p.id}/standard").get_data(as_text=True)
    assert "Equipment standard" in page and "Internet-connected computer" in page


@pytest.mark.parametrize("value, words", [("-1", ("0", "999")), ("1000", ("0", "999")), ("abc", ())])
def test_a_bad_quantity_is_refused_with_a_message_and_nothing_saved(app, province, as_user, value, words):
    world = province["world"]
    staff = as_user("province_staff_p")
    before = counts(app)
    form = standard_form(staff, world.province_p.id)
    form.update({"min_chair": "7", "min_printer": value})
    response = post(staff, f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}", form)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="min_printer-error">([^<]+)</p>', response.get_data(as_text=True))
    assert error and all(word in error.group(1) for word in words), error  # the message next to the field
    assert 'id="min_chair-error"' not in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_stale_standard_form_gets_the_conflict(app, province, as_user):
    world = province["world"]
    staff = as_user("province_staff_p")
    form = standard_form(staff, world.province_p.id)
    first = dict(form, min_chair="5")
    assert post(staff, f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}", first).status_code == 303
    before = counts(app)
    response = post(staff, f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}", dict(form, min_chair="9"))
    assert response.status_code == 409 and "Someone else changed this" in response.get_data(as_text=True)
    assert counts(app) == before


def test_an_unknown_model_is_not_found(app, province, as_user):
    world = province["world"]
    assert as_user("province_staff_p").get(f"/provinces/{world.province_p.id}/standard/edit?model=x").status_code == 404


def settings_form(client, province_id):
    html = client.get(f"/provinces/{province_id}/standard/settings").get_data(as_text=True)
    return {"version": re.search(r'name="version"[^>]*value="([^"]*)"', html).group(1)}


def test_settings_are_checked_saved_and_audited(app, world, as_user, frozen):
    english(app, "province_p")
    staff = as_user("province_staff_p")
    form = settings_form(staff, world.province_p.id)
    assert form["version"] == "0"  # no settings yet
    bad = post(staff, f"/provinces/{world.province_p.id}/standard/settings",
               dict(form, start_date="01/07/2026", deadline="30/06/2026"))
    assert bad.status_code == 422 and "The deadline cannot come before the start date." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(StandardSettings.id))) == 0
    good = post(staff, f"/provinces/{world.province_p.id}/standard/settings",
                dict(form, start_date="01/01/2026", deadline="30/06/2026"))
    assert good.status_code == 303
    with app.app_context():
        settings = db.session.scalar(select(StandardSettings))
        assert (settings.start_date, settings.deadline) == (date(2026, 1, 1), date(2026, 6, 30))
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "standard_settings", AuditEvent.action == "update")) == 1
    stale = post(staff, f"/provinces/{world.province_p.id}/standard/settings",
                 dict(form, start_date="01/02/2026", deadline=""))
    assert stale.status_code == 409
    assert fetch(app, StandardSettings, settings.id).start_date == date(2026, 1, 1)


@pytest.mark.parametrize("user, path, status", [
    ("librarian_a", "/provinces/{p}/standard", 403),
    ("trainer_p", "/provinces/{p}/standard/edit", 403),
    ("province_staff_q", "/provinces/{p}/standard", 403),
    ("province_staff_q", "/provinces/{p}/standard/settings", 403),
    ("province_staff_p", "/provinces/{a}/standard", 404),  # a commune is not a province
    ("librarian_a", "/province/equipping", 403),
    ("librarian_a", "/province/equipping/report", 403),
    ("trainer_p", "/province/equipping/purchases.xlsx", 403),
    ("province_staff_q", "/points/{point}/gaps", 403),
    ("librarian_b", "/points/{point}/gaps", 403),
])
def test_who_may_see_what(app, world, as_user, user, path, status):
    url = path.format(p=world.province_p.id, a=world.commune_a.id, point=world.point_a.id)
    assert as_user(user).get(url).status_code == status


def test_another_provinces_staff_cannot_post_the_standard(app, province, as_user):
    world = province["world"]
    before = counts(app)
    response = post(as_user("province_staff_q"), f"/provinces/{world.province_p.id}/standard/edit?model={MODEL}",
                    {"min_chair": "1", "version": "1"})
    assert response.status_code == 403 and counts(app) == before


def test_an_administrator_picks_the_province(app, province, as_user):
    world = province["world"]
    admin = as_user("admin")
    html = admin.get(f"/province/equipping?province={world.province_q.id}").get_data(as_text=True)
    assert "Tỉnh Q" in html and '<span class="value">0/0</span>' in html  # Q has no standard: nothing measured
    report = admin.get(f"/province/equipping/report?province={world.province_p.id}").get_data(as_text=True)
    assert "Tỉnh P" in report
