"""DHIS2: the province's mapping (checks of an upload, the template, the page)
and the dataValueSets export of a crafted month, checked value by value."""
import csv
import io
import json
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.dhis2 import queries
from app.dhis2.mapping import check_rows, is_uid
from app.dhis2.models import Dhis2CellMap, Dhis2Mapping, Dhis2UnitMap
from app.extensions import db
from app.periods import Period
from app.reports.models import APPROVED, SUBMITTED, PeriodReport
from app.units.models import LibraryPoint, Unit
from app.visits.models import VisitCount
from tests.conftest import csrf_token
from tests.factories import make_point

DE1, DE2, COC1, COC2 = "FTRrcoaog83", "eY5ehpbEsB7", "Prlt0C1RF0s", "V6L425pT3A0"
OU_A, OU_B = "DiszpKrYNg8", "ImspTQPwCqd"
HEADER = "service,reader_group,commune_code,description,data_element,category_option_combo,org_unit"
HEADER_WITH_POINTS = "service,reader_group,commune_code,point,description,data_element,category_option_combo,org_unit"


def code_of(app, unit_id):
    with app.app_context():
        return db.session.get(Unit, unit_id).code


def counts(app):
    """Rows of the mapping tables and audit events: what a refused upload must leave as it was."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Dhis2Mapping, Dhis2CellMap, Dhis2UnitMap, AuditEvent))


def upload(client, province_id, text, name="mapping.csv", **fields):
    data = {"csrf_token": csrf_token(client, "/"), "org_unit_scheme": "uid",
            "file": (io.BytesIO(text.encode() if isinstance(text, str) else text), name), **fields}
    return client.post(f"/provinces/{province_id}/dhis2/mapping", data=data, content_type="multipart/form-data")


def good_mapping(app, world) -> str:
    a, b = code_of(app, world.commune_a.id), code_of(app, world.commune_b.id)
    return "\n".join([
        HEADER,
        f"reading,children,,,{DE1},{COC1},",
        f"reading,students,,,{DE1},{COC2},",
        f"lending,adults,,,{DE2},,",
        "computer,elderly,,,,,",  # listed, left without a data element: maps nothing
        f",,{a},Xã A,,,{OU_A}",
        f",,{b},Xã B,,,{OU_B}",
    ]) + "\n"


# --- Rules --------------------------------------------------------------------------------------------

def test_uids():
    assert is_uid(DE1) and is_uid("a0000000000")
    for bad in ("", "FTRrcoaog8", "FTRrcoaog833", "1TRrcoaog83", "FTRrcoa-g83", "FTRrcoaóg83"):
        assert not is_uid(bad), bad


def test_dhis2_periods():
    assert queries.dhis2_period(Period.month(2026, 11)) == "202611"
    assert queries.dhis2_period(Period.month(2026, 3)) == "202603"
    assert queries.dhis2_period(Period.quarter(2026, 4)) == "2026Q4"
    assert queries.dhis2_period(Period.whole_year(2026)) == "2026"


def test_check_rows_lists_every_problem_by_row(app):
    communes = [(1, "00004", "Xã Một"), (2, "00007", "Xã Hai")]
    with app.test_request_context():
        checked = check_rows([
            (2, {"service": "reading", "reader_group": "children", "data_element": DE1, "category_option_combo": COC1}),
            (3, {"service": "singing", "reader_group": "children", "data_element": DE1}),
            (4, {"service": "reading", "reader_group": "babies", "data_element": DE1}),
            (5, {"service": "lending", "reader_group": "adults", "data_element": "short"}),
            (6, {"service": "lending", "reader_group": "elderly", "data_element": DE2,
                 "category_option_combo": "1abcdefghij"}),
            (7, {"commune_code": "99999", "org_unit": OU_A}),
            (8, {"commune_code": "4", "org_unit": "not a uid"}),  # Excel dropped the zeros: still found
            (9, {"service": "Đọc tại chỗ", "reader_group": "Thiếu nhi", "data_element": DE2}),  # a duplicate of row 2
            (10, {"commune_code": "00007", "service": "reading", "org_unit": OU_B}),
            (11, {"data_element": DE1}),
            (12, {"commune_code": "00007", "org_unit": OU_B}),
        ], communes, "uid")
    rows = sorted({row for row, _column, _message in checked.errors})
    assert rows == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = " ".join(message for _row, _column, message in checked.errors)
    assert "singing" in messages and "babies" in messages and "99999" in messages
    assert checked.cells == {("reading", "children"): (DE1, COC1)}
    assert checked.units == {2: OU_B}


def test_points_reported_apart(app):
    communes = [(1, "00004", "Xã Một"), (2, "00007", "Xã Hai")]
    points = [(10, 1, "Điểm Một"), (20, 2, "Điểm Hai")]
    with app.test_request_context():
        checked = check_rows([
            (2, {"point": "10", "org_unit": OU_A}),
            (3, {"point": "20", "commune_code": "00004", "org_unit": OU_B}),  # point 20 is in commune 2
            (4, {"point": "30", "org_unit": OU_B}),  # no such point in the province
            (5, {"point": "10", "org_unit": OU_B}),  # twice
            (6, {"point": "20", "commune_code": "00007", "org_unit": ""}),  # left empty: with its commune
        ], communes, "uid", points)
    assert sorted(row for row, _c, _m in checked.errors) == [3, 4, 5]
    assert checked.points == {10: OU_A} and checked.units == {}


def test_org_units_by_code(app):
    with app.test_request_context():
        checked = check_rows([(2, {"commune_code": "00004", "org_unit": "OU_VN_0004"})], [(1, "00004", "Xã")], "code")
        assert not checked.errors and checked.units == {1: "OU_VN_0004"}
        checked = check_rows([(2, {"commune_code": "00004", "org_unit": "x" * 51})], [(1, "00004", "Xã")], "code")
        assert [row for row, _c, _m in checked.errors] == [2]


# --- The mapping's routes -----------------------------------------------------------------------------

def test_upload_saves_the_mapping(app, world, as_user):
    client = as_user("province_staff_p")
    response = upload(client, world.province_p.id, good_mapping(app, world), data_set="pBOMPrpg1QX")
    assert response.status_code == 303
    with app.app_context():
        mapping = queries.mapping_of(world.province_p.id)
        assert mapping.data_set == "pBOMPrpg1QX" and mapping.filename == "mapping.csv"
        assert {(c.service, c.reader_group, c.data_element, c.category_option_combo) for c in mapping.cells} == {
            ("reading", "children", DE1, COC1), ("reading", "students", DE1, COC2), ("lending", "adults", DE2, "")}
        assert {(u.unit_id, u.org_unit) for u in mapping.units} == {(world.commune_a.id, OU_A),
                                                                     (world.commune_b.id, OU_B)}
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "dhis2_mapping")) == "update"
    page = client.get(f"/provinces/{world.province_p.id}/dhis2").get_data(as_text=True)
    assert DE1 in page and OU_B in page


def test_a_bad_upload_saves_nothing_and_lists_the_codes(app, world, as_user):
    client = as_user("province_staff_p")
    assert upload(client, world.province_p.id, good_mapping(app, world)).status_code == 303
    before = counts(app)
    c = code_of(app, world.commune_c.id)  # a commune of another province
    text = "\n".join([HEADER, f"reading,children,,,{DE1},{COC1},", f"singing,children,,,{DE1},,",
                      f"reading,babies,,,{DE1},,", "lending,adults,,,FTRrco,,", f",,{c},Xã C,,,{OU_A}",
                      f",,{code_of(app, world.commune_a.id)},,,,bad-org-unit"]) + "\n"
    response = upload(client, world.province_p.id, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for shown in ("singing", "babies", c):
        assert shown in page
    for row in (3, 4, 5, 6, 7):
        assert f"<td>{row}</td>" in page
    assert counts(app) == before
    with app.app_context():  # the old mapping is still whole
        assert len(queries.mapping_of(world.province_p.id).cells) == 3


def test_missing_columns_are_named(app, world, as_user):
    client = as_user("province_staff_p")
    before = counts(app)
    response = upload(client, world.province_p.id, "service,reader_group,data_element\nreading,children," + DE1)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    with app.test_request_context():
        from app.dhis2.mapping import COLUMNS

        for key in ("commune_code", "category_option_combo", "org_unit"):  # the missing ones, named
            assert str(COLUMNS[key]) in page
    assert counts(app) == before


@pytest.mark.parametrize("fields, name, text", [({"data_set": "nope"}, "mapping.csv", None),
                                                ({}, "mapping.txt", None),
                                                ({"org_unit_scheme": "name"}, "mapping.csv", None),
                                                ({}, "mapping.csv", HEADER + "\n"),
                                                ({}, "mapping.csv", "")])
def test_bad_form_values_save_nothing(app, world, as_user, fields, name, text):
    client = as_user("province_staff_p")
    before = counts(app)
    response = upload(client, world.province_p.id, good_mapping(app, world) if text is None else text, name=name,
                      **fields)
    assert response.status_code == 422
    assert counts(app) == before


def test_upload_of_an_xlsx_file(app, world, as_user):
    client = as_user("province_staff_p")
    book = Workbook()
    sheet = book.active
    sheet.append(["Service", "reader_group", "COMMUNE CODE", "description", "data_element", "category_option_combo",
                  "org_unit"])  # a column is named by its key or its label, in any case
    sheet.append(["reading", "children", None, None, DE1, COC1, None])
    sheet.append([None, None, code_of(app, world.commune_a.id), None, None, None, OU_A])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, world.province_p.id, out.getvalue(), name="mapping.xlsx")
    assert response.status_code == 303
    with app.app_context():
        assert {u.org_unit for u in queries.mapping_of(world.province_p.id).units} == {OU_A}


def test_template_is_prefilled_with_our_codes(app, world, as_user):
    client = as_user("province_staff_p")
    upload(client, world.province_p.id, good_mapping(app, world))
    response = client.get(f"/provinces/{world.province_p.id}/dhis2/mapping.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # Every visit cell, and the province's two communes each followed by its point (not commune C).
    assert len(rows) == 5 * 4 + 2 + 2
    assert ["reading", "children", "", "", rows[0][4], DE1, COC1, ""] == rows[0]
    codes = {row[2]: row[7] for row in rows if row[2] and not row[3]}
    assert codes == {code_of(app, world.commune_a.id): OU_A, code_of(app, world.commune_b.id): OU_B}
    assert [row[3] for row in rows if row[3]] == [str(world.point_a.id), str(world.point_b.id)]
    # The template goes back in unchanged.
    out = io.StringIO()
    csv.writer(out).writerows([HEADER_WITH_POINTS.split(",")] + rows)
    assert upload(client, world.province_p.id, out.getvalue()).status_code == 303


def test_edit_on_a_page(app, world, as_user):
    client = as_user("province_staff_p")
    url = f"/provinces/{world.province_p.id}/dhis2/mapping/edit"
    page = client.get(url)
    assert page.status_code == 200 and 'name="cell-reading-children-de"' in page.get_data(as_text=True)
    token = csrf_token(client, "/")
    data = {"csrf_token": token, "version": "0", "org_unit_scheme": "uid", "data_set": "",
            "attribute_option_combo": "", "cell-reading-children-de": DE1, "cell-reading-children-coc": COC1,
            f"unit-{world.commune_a.id}": OU_A, f"unit-{world.commune_c.id}": OU_B,  # C is not the province's: ignored
            f"point-{world.point_b.id}": OU_B, f"point-{world.point_c.id}": OU_A}
    assert client.post(url, data=data).status_code == 303
    with app.app_context():
        mapping = queries.mapping_of(world.province_p.id)
        assert [(c.service, c.reader_group, c.data_element) for c in mapping.cells] == [("reading", "children", DE1)]
        assert [(u.unit_id, u.org_unit) for u in mapping.units] == [(world.commune_a.id, OU_A)]
        assert [(p.point_id, p.org_unit) for p in mapping.points] == [(world.point_b.id, OU_B)]
        version = str(mapping.version)
    before = counts(app)
    bad = {**data, "version": version, "cell-lending-adults-de": "FTR", f"unit-{world.commune_b.id}": "x y",
           f"point-{world.point_a.id}": "1abcdefghij"}
    response = client.post(url, data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="cell-lending-adults-de-error"' in page and f'id="unit-{world.commune_b.id}-error"' in page
    assert f'id="point-{world.point_a.id}-error"' in page
    assert counts(app) == before
    stale = client.post(url, data={**data, "version": "0"})  # the page was read before the save above
    assert stale.status_code == 409 and counts(app) == before


def test_a_save_checks_the_version_under_its_lock(app, world):
    """Two people saving the page at once: the second finds the version moved on, even when both
    passed the route's first check, and nothing of theirs is saved."""
    with app.test_request_context():
        province = db.session.get(Unit, world.province_p.id)
        settings = {"scheme": "uid", "data_set": "", "attribute_option_combo": ""}
        queries.replace_mapping(province, **settings, cells={("reading", "children"): (DE1, "")}, units={},
                                version="0")
        db.session.commit()
        with pytest.raises(queries.StaleMapping):
            queries.replace_mapping(province, **settings, cells={}, units={}, version="0")
        db.session.rollback()
        assert len(queries.mapping_of(province.id).cells) == 1


# --- The export -----------------------------------------------------------------------------------------

OCTOBER = Period.month(2026, 10)


def crafted_month(app, world, approve_b=False):
    """October 2026 in province P: commune A approved, B submitted (or approved); visits in both, in a
    second point of A, in an unmapped cell, and on the first of November (outside the month)."""
    with app.app_context():
        a = db.session.get(Unit, world.commune_a.id)
        second = make_point(a, name="Điểm thứ hai")
        cells = [
            (world.point_a.id, date(2026, 10, 3), "reading", "children", 5),
            (world.point_a.id, date(2026, 10, 31), "reading", "children", 2),
            (second.id, date(2026, 10, 15), "reading", "children", 1),
            (world.point_a.id, date(2026, 10, 4), "lending", "adults", 7),
            (world.point_a.id, date(2026, 10, 4), "computer", "elderly", 3),
            (world.point_a.id, date(2026, 11, 1), "reading", "children", 100),
            (world.point_b.id, date(2026, 10, 9), "reading", "children", 11),
            (world.point_b.id, date(2026, 10, 9), "lending", "adults", 4),
            (world.point_c.id, date(2026, 10, 9), "reading", "children", 50),
        ]
        for point_id, day, service, group, n in cells:
            db.session.add(VisitCount(point_id=point_id, day=day, service=service, reader_group=group, count=n))
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2026, month=10, status=APPROVED))
        db.session.add(PeriodReport(commune_id=world.commune_b.id, year=2026, month=10,
                                    status=APPROVED if approve_b else SUBMITTED))
        db.session.commit()


EXPECTED_A = [
    {"dataElement": DE1, "period": "202610", "orgUnit": OU_A, "categoryOptionCombo": COC1, "value": "8"},
    {"dataElement": DE1, "period": "202610", "orgUnit": OU_A, "categoryOptionCombo": COC2, "value": "0"},
    {"dataElement": DE2, "period": "202610", "orgUnit": OU_A, "value": "7"},
]


def test_export_of_a_crafted_month_value_by_value(app, world, as_user):
    client = as_user("province_staff_p")
    assert upload(client, world.province_p.id, good_mapping(app, world), data_set="pBOMPrpg1QX").status_code == 303
    crafted_month(app, world)
    url = f"/provinces/{world.province_p.id}/dhis2/export"
    response = client.get(f"{url}.json?kind=month&year=2026&number=10")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "dhis2-" in response.headers["Content-Disposition"] and "202610.json" in response.headers[
        "Content-Disposition"]
    assert json.loads(response.data) == {"dataSet": "pBOMPrpg1QX", "dataValues": EXPECTED_A}
    response = client.get(f"{url}.csv?kind=month&year=2026&number=10")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).splitlines() == [
        "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup",
        f"{DE1},202610,{OU_A},{COC1},,8,,,,",
        f"{DE1},202610,{OU_A},{COC2},,0,,,,",
        f"{DE2},202610,{OU_A},,,7,,,,",
    ]
    # The preview says what is left out: commune B (not approved), the computer cells.
    page = client.get(f"{url}?kind=month&year=2026&number=10").get_data(as_text=True)
    assert "Xã B" in page.split('id="export-not-approved"')[1].split("</section>")[0]
    unmapped = page.split('id="export-unmapped-cells"')[1].split("</section>")[0]
    assert unmapped.count("<tr>") == 1 + 20 - 3  # the header row, and every cell but the three mapped


def test_the_export_equals_the_dashboard(app, world, as_user):
    """Every visit of the month is accounted for: sent, or listed as left out; and each commune's
    figure is the dashboard's."""
    from app.dashboard.queries import province_rollup

    client = as_user("province_staff_p")
    upload(client, world.province_p.id, good_mapping(app, world))
    crafted_month(app, world)
    with app.test_request_context():
        province = db.session.get(Unit, world.province_p.id)
        today = date(2026, 12, 2)
        export = queries.build_export(province, OCTOBER, today)
        rollup = province_rollup(province, OCTOBER, today)
        dashboard = {row["id"]: row["visits"] for row in rollup["rows"]}
        figures = queries.visits_by_point_cell(province.id, OCTOBER.start, OCTOBER.end)
        commune_of = {point_id: commune_id for point_id, commune_id, _name in queries.points_of(province.id)}
        mine = {}
        for (point_id, _s, _g), n in figures.items():
            mine[commune_of[point_id]] = mine.get(commune_of[point_id], 0) + n
        assert mine == {k: v for k, v in dashboard.items() if v} == {world.commune_a.id: 18, world.commune_b.id: 15}
        assert export.total == rollup["totals"]["visits"] == 8 + 7 + 3 + 15
        left_out = sum(v for *_x, v in export.not_approved) + sum(v for *_x, v in export.unmapped_cells)
        assert export.sent + left_out == export.total


def test_merged_communes_and_codes_add_up(app, world, as_user):
    """Two communes mapped onto one org unit (named by code) send one value per cell: their sum."""
    client = as_user("province_staff_p")
    a, b = code_of(app, world.commune_a.id), code_of(app, world.commune_b.id)
    text = "\n".join([HEADER, f"reading,children,,,{DE1},{COC1},", f",,{a},,,,OU_MERGED", f",,{b},,,,OU_MERGED"])
    assert upload(client, world.province_p.id, text, org_unit_scheme="code",
                  attribute_option_combo="HllvX50cXC0").status_code == 303
    crafted_month(app, world, approve_b=True)
    document = json.loads(client.get(
        f"/provinces/{world.province_p.id}/dhis2/export.json?kind=month&year=2026&number=10").data)
    assert document == {"orgUnitIdScheme": "CODE", "dataValues": [
        {"dataElement": DE1, "period": "202610", "orgUnit": "OU_MERGED", "categoryOptionCombo": COC1,
         "attributeOptionCombo": "HllvX50cXC0", "value": str(8 + 11)}]}


def test_a_point_reported_apart(app, world, as_user):
    """A point with an org unit of its own sends its visits there; the commune's other points go to the
    commune's org unit; a commune without one whose points all have theirs leaves nothing out."""
    client = as_user("province_staff_p")
    crafted_month(app, world, approve_b=True)
    with app.app_context():
        second_id = db.session.scalar(select(LibraryPoint.id).where(LibraryPoint.name == "Điểm thứ hai"))
    text = "\n".join([HEADER_WITH_POINTS, f"reading,children,,,,{DE1},{COC1},",
                      f",,{code_of(app, world.commune_a.id)},,,,,{OU_A}",
                      f",,,{second_id},,,,ImspTQPwCqA", f",,,{world.point_b.id},,,,{OU_B}"])
    assert upload(client, world.province_p.id, text).status_code == 303
    url = f"/provinces/{world.province_p.id}/dhis2/export"
    values = json.loads(client.get(f"{url}.json?kind=month&year=2026&number=10").data)["dataValues"]
    assert {(v["orgUnit"], v["value"]) for v in values} == {(OU_A, "7"), ("ImspTQPwCqA", "1"), (OU_B, "11")}
    page = client.get(f"{url}?kind=month&year=2026&number=10").get_data(as_text=True)
    assert "Xã B" not in page.split('id="export-unmapped-communes"')[1].split("</section>")[0]


def test_quarter_needs_every_month_approved(app, world, as_user):
    client = as_user("province_staff_p")
    upload(client, world.province_p.id, good_mapping(app, world))
    crafted_month(app, world, approve_b=True)
    url = f"/provinces/{world.province_p.id}/dhis2/export.json?kind=quarter&year=2026&number=4"
    assert client.get(url).status_code == 409  # Q4 2026 has not ended
    with app.app_context():
        for month in (7, 8):
            for commune in (world.commune_a, world.commune_b):
                db.session.add(PeriodReport(commune_id=commune.id, year=2026, month=month, status=APPROVED))
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 9, 2), service="reading",
                                  reader_group="children", count=4))
        db.session.commit()
    response = client.get(url.replace("number=4", "number=3"))
    assert json.loads(response.data)["dataValues"] == []  # September is approved nowhere: nothing is sent
    page = client.get(f"/provinces/{world.province_p.id}/dhis2/export?kind=quarter&year=2026&number=3")
    assert "2026Q3" in page.get_data(as_text=True) and "2/3" in page.get_data(as_text=True)
    with app.app_context():
        for commune in (world.commune_a, world.commune_b):
            db.session.add(PeriodReport(commune_id=commune.id, year=2026, month=9, status=APPROVED))
        db.session.commit()
    values = json.loads(client.get(url.replace("number=4", "number=3")).data)["dataValues"]
    assert {(v["orgUnit"], v["categoryOptionCombo"] if "categoryOptionCombo" in v else "", v["value"])
            for v in values if v["dataElement"] == DE1} == {(OU_A, COC1, "4"), (OU_A, COC2, "0"),
                                                            (OU_B, COC1, "0"), (OU_B, COC2, "0")}


def test_no_mapping_no_file(app, world, as_user):
    client = as_user("province_staff_p")
    crafted_month(app, world)
    url = f"/provinces/{world.province_p.id}/dhis2/export"
    assert client.get(f"{url}.csv?kind=month&year=2026&number=10").status_code == 409
    page = client.get(f"{url}?kind=month&year=2026&number=10")
    assert page.status_code == 200 and 'href="/provinces/' in page.get_data(as_text=True)


@pytest.mark.parametrize("user", ["librarian_a", "trainer_p", "province_staff_q"])
def test_others_may_not_upload_nor_export(app, world, as_user, user):
    client = as_user(user)
    before = counts(app)
    assert upload(client, world.province_p.id, good_mapping(app, world)).status_code == 403
    assert counts(app) == before
    assert client.get(f"/provinces/{world.province_p.id}/dhis2/export.json").status_code == 403
    assert client.get(f"/provinces/{world.commune_a.id}/dhis2").status_code in (403, 404)


def test_a_commune_is_not_a_province(app, world, as_user):
    client = as_user("province_staff_p")
    assert client.get(f"/provinces/{world.commune_a.id}/dhis2").status_code == 404
    assert client.get(f"/provinces/{world.commune_a.id}/dhis2/export").status_code == 404


def test_start_goes_to_the_users_province(app, world, as_user):
    response = as_user("province_staff_p").get("/dhis2")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/provinces/{world.province_p.id}/dhis2")


def test_the_pages_are_well_formed(app, world, as_user):
    """Each DHIS2 page, also with its errors shown: a text title, unique ids, valid markup (tests/test_html.py)."""
    from tests.test_html import problems_of

    client = as_user("province_staff_p")
    base = f"/provinces/{world.province_p.id}/dhis2"
    pages = [client.get(base), client.get(f"{base}/mapping/edit"), client.get(f"{base}/export"),
             upload(client, world.province_p.id, HEADER + "\nsinging,children,,,x,,\n"),
             client.post(f"{base}/mapping/edit", data={"csrf_token": csrf_token(client, "/"), "version": "0",
                                                       "org_unit_scheme": "uid", "cell-reading-children-de": "x"})]
    upload(client, world.province_p.id, good_mapping(app, world))
    crafted_month(app, world)
    pages += [client.get(base), client.get(f"{base}/export?kind=month&year=2026&number=10")]
    for response in pages:
        assert response.status_code in (200, 422)
        assert problems_of(response.get_data(as_text=True)) == [], response.request.path


def test_an_org_unit_code_a_spreadsheet_would_run_is_refused(app, world, as_user):
    """The export file holds the codes as they are (DHIS2 matches them exactly): none may be a formula."""
    client = as_user("province_staff_p")
    before = counts(app)
    text = "\n".join([HEADER, f"reading,children,,,{DE1},{COC1},",
                      f",,{code_of(app, world.commune_a.id)},,,,=HYPERLINK(\"x\")"]) + "\n"
    response = upload(client, world.province_p.id, text, org_unit_scheme="code")
    assert response.status_code == 422
    assert counts(app) == before
