"""One period vocabulary (app.periods): every spelling a page is asked in, the
years a form offers, and pages that never fail on a bad period."""
import re
from datetime import date

import pytest

from app import periods
from app.periods import MONTH, QUARTER, YEAR, Period, from_args

TODAY = date(2026, 7, 15)


@pytest.mark.parametrize("args, kinds, expected", [
    ({"kind": "quarter", "year": "2025", "number": "3"}, (MONTH, QUARTER, YEAR), Period(QUARTER, 2025, 3)),
    ({"kind": "year", "year": "2024"}, (MONTH, QUARTER, YEAR), Period(YEAR, 2024, 1)),
    ({"month": "2025-06"}, (MONTH,), Period(MONTH, 2025, 6)),  # the month grid's and the queue's spelling
    ({"year": "2025", "month": "6"}, (MONTH, YEAR), Period(MONTH, 2025, 6)),  # the visit summaries' spelling
    ({"year": "2025", "month": ""}, (MONTH, YEAR), Period(YEAR, 2025, 1)),  # "whole year"
    ({"year": "2025"}, (YEAR,), Period(YEAR, 2025, 1)),  # exports, a commune's reports, training coverage
])
def test_every_spelling_names_the_same_period(args, kinds, expected):
    assert from_args(args, TODAY, kinds=kinds) == expected


@pytest.mark.parametrize("args", [
    {"month": "2025-13"}, {"month": "abc-06"}, {"month": "1999-06"}, {"month": "2027-01"},
    {"year": "1899"}, {"year": "2100", "month": "1"}, {"year": "x"}, {"year": "2025", "month": "0"},
    {"kind": "quarter", "year": "2025", "number": "2"},  # a kind these pages do not show
])
def test_bad_values_fall_back_to_the_default(args):
    default = Period.whole_year(TODAY.year)
    assert from_args(args, TODAY, kinds=(MONTH, YEAR), default=default) == default


def test_without_a_default_the_last_ended_period_of_the_kind_is_shown():
    assert from_args({}, TODAY) == Period(MONTH, 2026, 6)
    assert from_args({"kind": "quarter", "year": "abc"}, TODAY) == Period(QUARTER, 2026, 2)
    assert from_args({"kind": "year"}, TODAY) == Period(YEAR, 2025, 1)


def test_a_kind_the_page_does_not_show_is_not_taken():
    assert from_args({"kind": "quarter", "year": "2025", "number": "2"}, TODAY, kinds=(YEAR,),
                     default=Period.whole_year(2026)) == Period.whole_year(2026)
    assert from_args({"month": "2025-06"}, TODAY, kinds=(YEAR,), default=Period.whole_year(2026)).kind == YEAR


def test_an_optional_period_is_none_when_absent_or_bad():
    assert from_args({}, TODAY, kinds=(YEAR,), optional=True) is None
    assert from_args({"year": "1900"}, TODAY, kinds=(YEAR,), optional=True) is None
    assert from_args({"year": "2024"}, TODAY, kinds=(YEAR,), optional=True) == Period.whole_year(2024)


@pytest.mark.parametrize("period", [Period(MONTH, 2025, 6), Period(QUARTER, 2024, 4), Period(YEAR, 2023, 1)])
def test_as_args_is_the_inverse_of_from_args(period):
    args = {k: str(v) for k, v in periods.as_args(period).items() if v is not None}
    assert from_args(args, TODAY) == period


def test_one_list_of_selectable_years():
    years = periods.selectable_years(TODAY)
    assert years == list(range(2026, 2026 - periods.SELECTABLE_YEARS, -1))
    assert periods.selectable_years(TODAY, 2010)[-1] == 2010  # an older year a link asked for stays shown
    assert periods.selectable_years(TODAY, 2025) == years
    assert periods.selectable_years(date(2001, 3, 1)) == [2001, 2000]  # never before FIRST_YEAR


def test_ended_months_are_newest_first_within_the_selectable_years():
    months = periods.ended_months(TODAY)
    assert months[0] == Period(MONTH, 2026, 6)
    assert months[-1] == Period(MONTH, periods.selectable_years(TODAY)[-1], 1)
    assert len(months) == len(set(months)) == 12 * (periods.SELECTABLE_YEARS - 1) + 6


def test_a_month_in_a_path_is_checked():
    assert periods.month_of_path(2025, 6, TODAY) == Period(MONTH, 2025, 6)
    assert periods.month_of_path(2026, 12, TODAY) == Period(MONTH, 2026, 12)  # a deadline may be set ahead
    for year, month in ((2025, 13), (2025, 0), (1999, 5), (2027, 1)):
        assert periods.month_of_path(year, month, TODAY) is None


# --- Pages: a bad period is never an error ------------------------------------------------

BAD = "kind=week&year=abc&number=-3&month=2025-99"


@pytest.mark.parametrize("user, path", [
    ("province_staff_p", "/province?" + BAD),
    ("province_staff_p", "/province/trends?" + BAD),
    ("province_staff_p", "/visits?year=abc&month=99"),
    ("province_staff_p", "/reports?month=20x5-06"),
    ("province_staff_p", "/reports/completeness?" + BAD),
    ("province_staff_p", "/training/coverage?year=99999"),
    ("librarian_a", "/points/{point_a}/visits?year=1800&month=x"),
    ("librarian_a", "/points/{point_a}/visits/month?month=9999-01"),
    ("librarian_a", "/points/{point_a}/visits/export.csv?year=abc"),
    ("librarian_a", "/communes/{commune_a}/reports?year=3000"),
    ("librarian_a", "/communes/{commune_a}/visits?year=2025&month=13"),
])
def test_pages_answer_a_bad_period_with_their_default(world, as_user, user, path):
    client = as_user(user)
    response = client.get(path.format(point_a=world.point_a.id, commune_a=world.commune_a.id))
    assert response.status_code == 200


def test_a_report_path_outside_the_reportable_months_is_not_found(world, as_user):
    client = as_user("librarian_a")
    assert client.get(f"/communes/{world.commune_a.id}/reports/2025/13").status_code == 404
    assert client.get(f"/communes/{world.commune_a.id}/reports/1999/6").status_code == 404


def test_the_queue_reads_its_month_like_every_page(world, as_user):
    client = as_user("province_staff_p")
    old = client.get("/reports?month=2025-06").get_data(as_text=True)
    new = client.get("/reports?kind=month&year=2025&number=6").get_data(as_text=True)
    for html in (old, new):
        assert (re.search(r'<option (selected )?value="2025-06"( selected)?>', html).group(0)
                != '<option value="2025-06">')
