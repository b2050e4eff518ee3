"""Commune reorganisations (app.units.reorg): a merger moves points, users and
history to the successor, all or nothing; growth compares like for like across
it; the merged communes' approvals and locks hold; the administrator's page,
the CLI, and imports reading names from before a reorganisation."""
import io
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.imports.models import ImportBatch
from app.periods import Period
from app.reports.locks import period_lock
from app.reports.models import APPROVED, DRAFT, SUBMITTED, PeriodReport
from app.training.models import Attendance
from app.units import reorg
from app.units.models import LibraryPoint, PointMove, Unit, UnitAlias
from app.users.models import User
from app.visits.models import VisitCount
from tests.conftest import fetch, post
from tests.factories import make_commune, make_user
from tests.test_html import problems_of

TODAY = date(2026, 1, 15)  # the rules take today as an argument; the pages use the real one (later)
MERGED_ON = date(2025, 7, 1)


def code(app, unit_id):
    return fetch(app, Unit, unit_id).code


def add_visits(point_id, day, n):
    db.session.add(VisitCount(point_id=point_id, day=day, service="reading", reader_group="adults", count=n))


def approve(commune_id, year, month, status=APPROVED, by=None):
    at = datetime(year, month, 28, 3, tzinfo=timezone.utc)
    db.session.add(PeriodReport(commune_id=commune_id, year=year, month=month, status=status,
                                submitted_at=at, first_submitted_at=at, decided_at=at if status == APPROVED else None,
                                decided_by_id=by))


def unchanged(app, world):
    with app.app_context():
        return (db.session.get(LibraryPoint, world.point_b.id).commune_id == world.commune_b.id
                and db.session.get(Unit, world.commune_b.id).valid_to is None
                and db.session.get(User, world.librarian_b.id).unit_id == world.commune_b.id
                and db.session.scalar(select(func.count()).select_from(PointMove)) == 0)


# --- The rules ------------------------------------------------------------------------------

def test_merge_moves_points_users_and_ends_the_merged_commune(app, world):
    with app.app_context():
        a, b = db.session.get(Unit, world.commune_a.id), db.session.get(Unit, world.commune_b.id)
        plan = reorg.merge(a.code, [b.code], MERGED_ON, TODAY)
        db.session.commit()
        assert [u.id for u in plan.merged] == [b.id] and len(plan.points) == 1 and len(plan.users) == 1
        assert db.session.get(LibraryPoint, world.point_b.id).commune_id == a.id
        assert db.session.get(User, world.librarian_b.id).unit_id == a.id
        b = db.session.get(Unit, world.commune_b.id)
        assert b.valid_to == date(2025, 6, 30) and b.successor_id == a.id and not b.current_on(TODAY)
        move = db.session.scalar(select(PointMove))
        assert (move.point_id, move.from_unit_id, move.to_unit_id, move.moved_on) == (
            world.point_b.id, b.id, a.id, MERGED_ON)
        actions = {(e.action, e.object_type) for e in db.session.scalars(select(AuditEvent))}
        assert {("merge", "unit"), ("update", "library_point"), ("update", "user_account")} <= actions


@pytest.mark.parametrize("into, merged, on, message", [
    ("a", ["nope"], MERGED_ON, "No commune has the code nope."),
    ("nope", ["b"], MERGED_ON, "No commune has the code nope."),
    ("a", ["a"], MERGED_ON, "cannot be merged into itself"),
    ("a", ["c"], MERGED_ON, "communes merge within their province"),
    ("a", ["b"], date(2026, 2, 1), "cannot be after today"),
    ("a", [], MERGED_ON, "Name at least one commune"),
    ("a", ["b"], None, "Give the date"),
])
def test_bad_mergers_are_refused_and_nothing_changes(app, world, into, merged, on, message):
    codes = {k: code(app, getattr(world, f"commune_{k}").id) for k in "abc"}
    with app.app_context(), force_locale("en"):
        with pytest.raises(reorg.ReorgRefused) as refused:
            reorg.merge(codes.get(into, into), [codes.get(m, m) for m in merged], on, TODAY)
        db.session.rollback()
        said = str(refused.value.message)
    assert message in said
    assert unchanged(app, world)


def test_a_commune_merges_once_and_not_into_a_merged_one(app, world):
    with app.app_context(), force_locale("en"):
        d = make_commune(db.session.get(Unit, world.province_p.id), "Xã D")
        a, b = db.session.get(Unit, world.commune_a.id), db.session.get(Unit, world.commune_b.id)
        reorg.merge(a.code, [b.code], MERGED_ON, TODAY)
        db.session.commit()
        with pytest.raises(reorg.ReorgRefused, match="already merged"):
            reorg.merge(d.code, [b.code], TODAY, TODAY)
        with pytest.raises(reorg.ReorgRefused, match="merge into that commune"):
            reorg.merge(b.code, [d.code], TODAY, TODAY)


def test_a_merger_may_not_move_records_under_another_approval(app, world):
    """An approved month of the successor, or a submitted one of a merged commune, on or after the date."""
    with app.app_context():
        approve(world.commune_a.id, 2025, 8)
        approve(world.commune_b.id, 2025, 7, status=SUBMITTED)
        db.session.commit()
    a, b = code(app, world.commune_a.id), code(app, world.commune_b.id)
    with app.app_context():
        with pytest.raises(reorg.ReorgRefused, match="07/2025"):
            reorg.merge(a, [b], MERGED_ON, TODAY)
        db.session.rollback()
        with pytest.raises(reorg.ReorgRefused, match="08/2025"):
            reorg.merge(a, [b], date(2025, 8, 1), TODAY)
        db.session.rollback()
        reorg.merge(a, [b], date(2025, 9, 1), TODAY)  # after both: allowed
        db.session.commit()


# --- Across the merger: growth, approvals, locks --------------------------------------------

@pytest.fixture
def two_years(app, world):
    """Communes A and B with visits in 2024 and 2025 (A: 100 then 110 a month, B: 50 then 40), B's
    June 2025 approved, A's June 2025 submitted; B merges into A on 1 July 2025."""
    with app.app_context():
        for month in range(1, 13):
            for year, n_a, n_b in ((2024, 100, 50), (2025, 110, 40)):
                add_visits(world.point_a.id, date(year, month, 10), n_a)
                add_visits(world.point_b.id, date(year, month, 10), n_b)
        approve(world.commune_b.id, 2025, 6, by=world.province_staff_p.id)
        approve(world.commune_a.id, 2025, 6, status=SUBMITTED)
        db.session.commit()
        reorg.merge(code(app, world.commune_a.id), [code(app, world.commune_b.id)], MERGED_ON, TODAY)
        db.session.commit()


def test_the_successors_growth_compares_like_for_like(app, world, two_years):
    from app.dashboard.queries import commune_detail, province_rollup

    with app.test_request_context():
        province = db.session.get(Unit, world.province_p.id)
        rollup = province_rollup(province, Period.whole_year(2025), TODAY)
        rows = {r["id"]: r for r in rollup["rows"]}
        assert world.commune_b.id not in rows  # merged: its figures are in its successor's row
        a = rows[world.commune_a.id]
        assert (a["visits"], a["last_year"]) == (12 * 150, 12 * 150)
        assert a["growth"] == pytest.approx(0.0)
        assert rollup["totals"]["growth"] == pytest.approx(0.0)
        detail = commune_detail(db.session.get(Unit, world.commune_a.id), Period.whole_year(2025), TODAY)
        assert (detail["totals"]["visits"], detail["totals"]["last_year"]) == (1800, 1800)
        june = next(m for m in detail["months"] if m["period"].number == 6)
        assert (june["visits"], june["last_year"]) == (150, 150)


def test_growth_by_commune_lists_todays_communes(app, world, two_years):
    from app.visits.queries import growth_by_commune

    with app.app_context():
        province = db.session.get(Unit, world.province_p.id)
        rows = growth_by_commune(province, (date(2025, 1, 1), date(2025, 12, 31)),
                                 (date(2024, 1, 1), date(2024, 12, 31)))
        assert [(r["id"], r["visits"], r["last_year"]) for r in rows] == [(world.commune_a.id, 1800, 1800)]


def test_the_merged_communes_approvals_and_locks_hold(app, world, two_years):
    from app.reports.queries import report_states

    with app.test_request_context():
        june = db.session.scalar(select(PeriodReport).where(PeriodReport.commune_id == world.commune_b.id))
        assert (june.status, june.year, june.month) == (APPROVED, 2025, 6)  # kept untouched
        point_b = db.session.get(LibraryPoint, world.point_b.id)
        assert point_b.commune_id == world.commune_a.id
        # B's point's June records stay locked by B's approval; A's own point is judged by A's report.
        assert period_lock(point_b, date(2025, 6, 1)) is not None
        assert period_lock(db.session.get(LibraryPoint, world.point_a.id), date(2025, 6, 1)) is None
        visit = db.session.scalar(select(VisitCount).where(VisitCount.point_id == point_b.id,
                                                          VisitCount.day == date(2025, 6, 10)))
        assert period_lock(visit, visit.day) is not None
        assert period_lock(point_b, date(2025, 7, 1)) is None  # after the merger: A's months
        # A's June shows submitted (its own), not approved: approved only when A's and B's both are.
        province = db.session.get(Unit, world.province_p.id)
        states, _ = report_states(province, Period.month(2025, 6), TODAY)
        assert set(states) == {world.commune_a.id}
        assert states[world.commune_a.id]["status"] == SUBMITTED
        report = db.session.scalar(select(PeriodReport).where(PeriodReport.commune_id == world.commune_a.id))
        report.status = APPROVED
        db.session.commit()
        states, _ = report_states(province, Period.month(2025, 6), TODAY)
        assert states[world.commune_a.id]["status"] == APPROVED
        # May: B had no report, so A's May is not approved either.
        states, _ = report_states(province, Period.month(2025, 5), TODAY)
        assert states[world.commune_a.id]["status"] == DRAFT


def test_a_locked_month_of_the_merged_commune_refuses_a_change(app, world, two_years, as_user):
    """Through a page: the librarian (now of A) cannot change B's point's June visits."""
    client = as_user("librarian_b")
    response = post(client, f"/points/{world.point_b.id}/tally", {"day": "10/06/2025", "cell": "reading:adults"})
    assert response.status_code == 423
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(
            VisitCount.point_id == world.point_b.id, VisitCount.day == date(2025, 6, 10))) == 40


# --- The CLI ---------------------------------------------------------------------------------

def test_cli_merges_and_refuses_with_a_clear_message(app, world, runner):
    a, b, c = (code(app, getattr(world, f"commune_{k}").id) for k in "abc")
    result = runner.invoke(args=["units", "merge", "--into", a, "--date", "2025-07-01", c])
    assert result.exit_code != 0 and "trong cùng một tỉnh" in result.output  # in the default language
    assert unchanged(app, world)
    result = runner.invoke(args=["units", "merge", "--into", a, "--date", "01/07/2025", b])
    assert result.exit_code == 0, result.output
    assert "Xã B" in result.output and fetch(app, Unit, world.commune_b.id).successor_id == world.commune_a.id


def test_cli_loads_a_mapping_file(app, world, runner, tmp_path):
    a = code(app, world.commune_a.id)
    path = tmp_path / "map.csv"
    path.write_text(f"old_code,old_name,old_district,new_code\n05000,Xã Tân Cương,Huyện Đại Từ,{a}\n", "utf-8")
    result = runner.invoke(args=["units", "mapping", "91", str(path)])
    assert result.exit_code == 0, result.output
    path.write_text("old_code,old_name,old_district,new_code\n,Xã X,,99999\n", "utf-8")
    result = runner.invoke(args=["units", "mapping", "91", str(path)])
    assert result.exit_code != 0 and "99999" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UnitAlias)) == 1  # the bad file saved nothing


# --- The administrator's page ------------------------------------------------------------------

def merge_form(world, **values):
    return {"province": world.province_p.id, "into_id": world.commune_a.id, "merged_ids": [world.commune_b.id],
            "on": "01/07/2025", **values}


@pytest.mark.parametrize("user", ["province_staff_p", "librarian_a", "trainer_p"])
def test_only_administrators_reach_the_page(app, world, as_user, user):
    client = as_user(user)
    assert client.get("/units/reorg").status_code == 403
    assert post(client, "/units/reorg", merge_form(world, confirm="1")).status_code == 403
    assert unchanged(app, world)


def test_the_page_checks_then_confirms(app, world, as_user):
    client = as_user("admin")
    page = client.get(f"/units/reorg?province={world.province_p.id}")
    assert page.status_code == 200 and "Xã B" in page.get_data(as_text=True)
    assert problems_of(page.get_data(as_text=True), False) == []
    preview = post(client, "/units/reorg", merge_form(world))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'name="confirm"' in body and world.point_b.name in body
    assert problems_of(body, False) == []
    assert unchanged(app, world)  # nothing changes before the confirmation
    done = post(client, "/units/reorg", merge_form(world, confirm="1"))
    assert done.status_code == 303
    assert fetch(app, LibraryPoint, world.point_b.id).commune_id == world.commune_a.id
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "30/06/2025" in page  # listed among the merged communes, with its last day


@pytest.mark.parametrize("values, message", [
    ({"on": ""}, "Give the date the merger took effect."),
    ({"on": "31/02/2025"}, "dd/mm/yyyy"),
    ({"merged_ids": []}, "Choose at least one commune to merge."),
    ({"merged_ids": ["x"]}, "Not a valid choice"),
    ({"into_id": "99999"}, "Not a valid choice"),
])
def test_the_page_refuses_bad_input(app, world, as_user, values, message):
    client = as_user("admin")
    response = post(client, "/units/reorg", merge_form(world, confirm="1", **values))
    assert response.status_code == 422
    assert unchanged(app, world)


def test_the_page_shows_a_refused_merger_in_vietnamese(app, world, as_user):
    client = as_user("admin")
    response = post(client, "/units/reorg", merge_form(world, into_id=world.commune_b.id, confirm="1"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and ("chính nó" in body or "cannot be merged into itself" in body)
    assert unchanged(app, world)


def test_the_page_loads_a_mapping_file_all_or_nothing(app, world, as_user):
    client = as_user("admin")
    a = code(app, world.commune_a.id)
    good = f"old_code,old_name,old_district,new_code\n,Xã Tân Cương,Huyện Đại Từ,{a}\n".encode()
    response = post(client, "/units/reorg/mapping", {"province": world.province_p.id,
                                                     "file": (io.BytesIO(good), "map.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    bad = f"old_code,old_name,old_district,new_code\n,Xã Một,,{a}\n,Xã Hai,,nope\n".encode()
    response = post(client, "/units/reorg/mapping", {"province": world.province_p.id,
                                                     "file": (io.BytesIO(bad), "map.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 422 and "nope" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(UnitAlias.old_name)).all() == ["Xã Tân Cương"]
    missing = post(client, "/units/reorg/mapping", {"province": world.province_p.id})
    assert missing.status_code == 422


# --- Imports: names from before a reorganisation -----------------------------------------------

@pytest.fixture
def mapped(app, world):
    """Before 2025: Tân Cương (district Đại Từ) became part of A; Hùng Sơn was split between A and B;
    the district Phú Lương went wholly into B. Today, B merges into nothing; D merges into A."""
    with app.app_context():
        province = db.session.get(Unit, world.province_p.id)
        d = make_commune(province, "Xã Dương Thành")
        a, b = world.commune_a.id, world.commune_b.id
        rows = [("", "Xã Tân Cương", "Huyện Đại Từ", a), ("", "Xã Hùng Sơn", "Huyện Đại Từ", a),
                ("", "Xã Hùng Sơn", "Huyện Đại Từ", b), ("", "Xã Yên Ninh", "Huyện Phú Lương", b),
                ("", "Xã Yên Đổ", "Huyện Phú Lương", b)]
        db.session.add_all(UnitAlias(province_id=province.id, old_code=c, old_name=n, old_district=dist, unit_id=u)
                           for c, n, dist, u in rows)
        db.session.commit()
        reorg.merge(db.session.get(Unit, a).code, [d.code], TODAY, TODAY)
        db.session.commit()


def test_old_names_resolve_to_todays_communes(app, world, mapped):
    with app.app_context():
        lookup = reorg.name_lookup(world.province_p.id, TODAY)
        a, b = world.commune_a.id, world.commune_b.id
        assert reorg.resolve(lookup, "Xã A") == {a}
        assert reorg.resolve(lookup, "tan cuong") == {a}
        assert reorg.resolve(lookup, "Xã Tân Cương, huyện Đại Từ") == {a}
        assert reorg.resolve(lookup, "Dương Thành") == {a}  # merged today into A
        assert reorg.resolve(lookup, "Huyện Phú Lương") == {b}  # a whole district into one commune
        assert reorg.resolve(lookup, "Hùng Sơn") == {a, b}  # split: ambiguous
        assert reorg.resolve(lookup, "Huyện Đại Từ") == {a, b}
        assert reorg.resolve(lookup, "Xã Không Có") == set()


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Họ và tên", "Giới tính", "Năm sinh", "Chức danh", "Xã/phường", "Số điện thoại"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_import_maps_an_old_name_and_asks_about_an_ambiguous_one(app, world, mapped, as_user):
    from tests.test_training import make_session

    session = make_session(app, world)
    client = as_user("trainer_p")

    def upload(rows):
        return post(client, f"/training/{session}/import", {"file": (io.BytesIO(xlsx(rows)), "ds.xlsx")},
                    content_type="multipart/form-data")

    response = upload([["Nguyễn Thị Hoa", "nữ", 1985, "", "Xã Tân Cương, huyện Đại Từ", ""],
                       ["Lê Văn Tám", "nam", 1980, "", "Hùng Sơn", ""]])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hùng Sơn" in body and "Xã A, Xã B" in body  # asks which one is meant
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    response = upload([["Nguyễn Thị Hoa", "nữ", 1985, "", "Xã Tân Cương, huyện Đại Từ", ""],
                       ["Lê Văn Tám", "nam", 1980, "", "Xã B", ""]])
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    assert post(client, f"/training/batches/{batch_id}").status_code == 303
    with app.app_context():
        assert sorted(db.session.scalars(select(Attendance.commune_id))) == sorted(
            [world.commune_a.id, world.commune_b.id])


# --- The migration ---------------------------------------------------------------------------------

def test_the_migration_downgrades_and_upgrades_again(tmp_path):
    from sqlalchemy import make_url

    from app import create_app
    from config import TestConfig

    if make_url(TestConfig.SQLALCHEMY_DATABASE_URI).get_backend_name() != "sqlite":
        pytest.skip("tests/test_migrations.py covers the upgrade on PostgreSQL")

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/reorg.db"

    fresh = create_app(Fresh)
    runner = fresh.test_cli_runner()
    for args in (["db", "upgrade"], ["db", "downgrade", "f7be2197030f"], ["db", "upgrade"], ["db", "check"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    with fresh.app_context():
        db.engine.dispose()


def test_make_user_keeps_working(app, world):
    """A librarian added to a successor after a merger is an ordinary user of it."""
    with app.app_context():
        reorg.merge(code(app, world.commune_a.id), [code(app, world.commune_b.id)], MERGED_ON, TODAY)
        user = make_user("librarian", db.session.get(Unit, world.commune_a.id))
        db.session.commit()
        assert user.unit_id == world.commune_a.id


def test_pickers_progress_and_counts_list_todays_communes(app, world):
    from app.dashboard.queries import unit_counts
    from app.units.queries import communes_for, progress_of

    with app.test_request_context():
        reorg.merge(code(app, world.commune_a.id), [code(app, world.commune_b.id)], MERGED_ON, TODAY)
        db.session.commit()
        staff = db.session.get(User, world.province_staff_p.id)
        assert [c.id for c in communes_for(staff)] == [world.commune_a.id]
        _steps, communes = progress_of(staff)
        assert [(c["id"], c["points"]) for c in communes] == [(world.commune_a.id, 2)]
        assert unit_counts(staff)["communes"] == 1


def test_a_report_shows_the_points_its_commune_had_then(app, world, two_years):
    """After the merger, A's and B's June reports each show their own points' figures, as approved;
    A's July shows both; B's pages show the points it had on its last day."""
    from app.reports.queries import period_summary
    from app.units.queries import commune_point_ids

    with app.test_request_context():
        a, b = db.session.get(Unit, world.commune_a.id), db.session.get(Unit, world.commune_b.id)
        june, july = Period.month(2025, 6), Period.month(2025, 7)
        assert (period_summary(a, june)["visits"], period_summary(b, june)["visits"]) == (110, 40)
        assert period_summary(a, july)["visits"] == 150
        assert period_summary(b, june)["last_year"] == 50
        assert db.session.scalars(commune_point_ids(b)).all() == [world.point_b.id]


def test_a_mapping_file_that_is_not_csv_is_refused(app, world):
    with app.test_request_context():
        province = db.session.get(Unit, world.province_p.id)
        for text in ("old_name,new_code\nA\x00B,1\n", "nothing,here\n1,2\n", "old_name,new_code\n"):
            with pytest.raises(reorg.ReorgRefused):
                reorg.load_mapping(province, text)
        with pytest.raises(reorg.ReorgRefused):
            reorg.load_mapping(db.session.get(Unit, world.commune_a.id), "old_name,new_code\n")
