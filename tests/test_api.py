"""The JSON API: every route × the token's role × own or foreign province, and
the same figures as the pages (the API reads through the pages' queries)."""
from datetime import date

import pytest

from app.extensions import db
from app.formatting import today_local
from app.periods import MONTH, last_ended
from tests.api_support import bearer, make_token

# endpoint path (with {own} / {foreign} targets) → the world attributes of its object in province P and Q.
OBJECT_ROUTES = [
    ("/api/v1/provinces/{id}", "province_p", "province_q"),
    ("/api/v1/provinces/{id}/figures", "province_p", "province_q"),
    ("/api/v1/provinces/{id}/reports", "province_p", "province_q"),
    ("/api/v1/communes/{id}", "commune_a", "commune_c"),
    ("/api/v1/communes/{id}/figures", "commune_a", "commune_c"),
    ("/api/v1/points/{id}", "point_a", "point_c"),
    ("/api/v1/points/{id}/figures", "point_a", "point_c"),
]
LIST_ROUTES = ["/api/v1/provinces", "/api/v1/communes", "/api/v1/points"]


@pytest.fixture
def tokens(app, world):
    """Tokens of province P made by its staff and by an administrator, one of province Q made by its staff,
    and tokens whose creators no longer hold a role that reads the API (a librarian, a trainer)."""
    p, q = world.province_p.id, world.province_q.id
    return {
        "province_staff_p": make_token(app, world.province_staff_p.id, p),
        "admin": make_token(app, world.admin.id, p),
        "province_staff_q": make_token(app, world.province_staff_q.id, q),
        "librarian_a": make_token(app, world.librarian_a.id, p),
        "trainer_p": make_token(app, world.trainer_p.id, p),
    }


def local_today(app) -> date:
    with app.test_request_context():
        return today_local()


def error_code(response) -> str:
    assert response.mimetype == "application/json"
    return response.get_json()["error"]["code"]


@pytest.mark.parametrize("path,own,foreign", OBJECT_ROUTES)
def test_object_routes_by_role_and_province(client, world, tokens, path, own, foreign):
    for role in ("province_staff_p", "admin"):
        response = client.get(path.format(id=getattr(world, own).id), headers=bearer(tokens[role]))
        assert response.status_code == 200, (role, response.get_json())
        response = client.get(path.format(id=getattr(world, foreign).id), headers=bearer(tokens[role]))
        assert response.status_code == 404 and error_code(response) == "not_found", role
    # Province Q's officer: their own objects, never P's.
    assert client.get(path.format(id=getattr(world, foreign).id),
                      headers=bearer(tokens["province_staff_q"])).status_code == 200
    response = client.get(path.format(id=getattr(world, own).id), headers=bearer(tokens["province_staff_q"]))
    assert response.status_code == 404 and error_code(response) == "not_found"
    for role in ("librarian_a", "trainer_p"):
        response = client.get(path.format(id=getattr(world, own).id), headers=bearer(tokens[role]))
        assert response.status_code == 401 and error_code(response) == "invalid_token", role
    # No token; a missing object; an id beyond any row.
    response = client.get(path.format(id=getattr(world, own).id))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    for missing in (999_999, 2**40):
        response = client.get(path.format(id=missing), headers=bearer(tokens["province_staff_p"]))
        assert response.status_code == 404 and error_code(response) == "not_found"


def test_a_province_id_that_names_a_commune_is_not_found(client, world, tokens):
    response = client.get(f"/api/v1/provinces/{world.commune_a.id}", headers=bearer(tokens["province_staff_p"]))
    assert response.status_code == 404
    response = client.get(f"/api/v1/communes/{world.province_p.id}", headers=bearer(tokens["province_staff_p"]))
    assert response.status_code == 404


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_lists_hold_only_the_tokens_province(client, world, tokens, path):
    own = {"/api/v1/provinces": {world.province_p.id}, "/api/v1/communes": {world.commune_a.id, world.commune_b.id},
           "/api/v1/points": {world.point_a.id, world.point_b.id}}[path]
    for role in ("province_staff_p", "admin"):
        body = client.get(path, headers=bearer(tokens[role])).get_json()
        assert {item["id"] for item in body["items"]} == own, role
        assert body["count"] == len(own) and body["next"] is None
    foreign = client.get(path, headers=bearer(tokens["province_staff_q"])).get_json()
    assert not {item["id"] for item in foreign["items"]} & own
    for role in ("librarian_a", "trainer_p"):
        assert client.get(path, headers=bearer(tokens[role])).status_code == 401


def test_pages_of_a_list_link_to_the_next(app, client, world, tokens):
    from tests.factories import make_point

    with app.app_context():
        from app.units.models import Unit

        commune = db.session.get(Unit, world.commune_a.id)
        for n in range(4):
            make_point(commune, name=f"Điểm {n}")
        db.session.commit()
    headers = bearer(tokens["province_staff_p"])
    first = client.get("/api/v1/points?limit=2", headers=headers).get_json()
    assert first["count"] == 6 and len(first["items"]) == 2 and first["next"]
    seen = [item["id"] for item in first["items"]]
    following = first["next"]
    while following:
        page = client.get(following, headers=headers).get_json()
        seen += [item["id"] for item in page["items"]]
        following = page["next"]
    assert len(seen) == len(set(seen)) == 6
    only_a = client.get(f"/api/v1/points?commune={world.commune_a.id}", headers=headers).get_json()
    assert only_a["count"] == 5
    assert client.get(f"/api/v1/points?commune={world.commune_c.id}", headers=headers).status_code == 404
    for bad in ("limit=0", "limit=201", "offset=-1", "limit=abc", "offset=1e3"):
        response = client.get(f"/api/v1/points?{bad}", headers=headers)
        assert response.status_code == 400 and error_code(response) == "bad_request", bad


BAD_PERIODS = ["kind=week", "year=1999&number=1", "year=2026&number=13", "kind=quarter&year=2026&number=5", "number=3",
               "year=abc&number=1", "year=2026", f"year={date.today().year + 1}&number=1",
               "kind=year&year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96"]  # full-width digits


@pytest.mark.parametrize("query", BAD_PERIODS)
def test_a_bad_period_is_refused(client, world, tokens, query):
    response = client.get(f"/api/v1/communes/{world.commune_a.id}/figures?{query}",
                          headers=bearer(tokens["province_staff_p"]))
    assert response.status_code == 400 and error_code(response) == "bad_period", query
    assert response.get_json()["error"]["message"]


def test_the_figures_are_the_pages_figures(app, client, world, tokens):
    """Visits by service × group, the register by category × condition, training and reports: the API's
    numbers are what the dashboard's queries give."""
    from app.dashboard.queries import commune_detail, province_rollup
    from app.equipment.models import EquipmentItem
    from app.reports.models import PeriodReport
    from app.units.models import Unit
    from app.visits import queries as visits

    today = local_today(app)
    month = last_ended(MONTH, today)
    with app.app_context():
        visits.set_counts(world.point_a.id, {(month.start, "reading", "children"): 7,
                                             (month.end, "lending", "adults"): 5})
        visits.set_counts(world.point_b.id, {(month.start, "reading", "children"): 11})
        db.session.add_all([
            EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính", quantity=3,
                          condition="in_use", internet_connected=True, received_on=month.start),
            EquipmentItem(point_id=world.point_a.id, category="shelf", description="Giá sách", quantity=2,
                          condition="broken", received_on=month.start),
        ])
        db.session.commit()
    headers = bearer(tokens["province_staff_p"])
    query = f"kind=month&year={month.year}&number={month.number}"
    body = client.get(f"/api/v1/communes/{world.commune_a.id}/figures?{query}", headers=headers).get_json()
    assert body["period"] == {"kind": "month", "year": month.year, "number": month.number,
                              "start": month.start.isoformat(), "end": month.end.isoformat(), "label": month.label}
    assert body["visits"]["total"] == 12
    assert body["visits"]["by_service_group"]["reading"]["children"] == 7
    assert body["visits"]["by_service_group"]["lending"]["adults"] == 5
    assert body["equipment"]["by_category"]["computer"]["in_use"] == 3
    assert body["equipment"]["by_category"]["shelf"]["broken"] == 2
    assert body["equipment"]["computers_online"] == 3
    assert body["reports"]["expected"] == 1 and body["reports"]["submitted"] == 0
    with app.app_context():
        commune = db.session.get(Unit, world.commune_a.id)
        today = local_today(app)
        detail = commune_detail(commune, month, today)
        assert body["visits"]["total"] == detail["totals"]["visits"]
        assert [p["visits"] for p in body["points"]] == [row["visits"] for row in detail["points"]]
        rollup = province_rollup(db.session.get(Unit, world.province_p.id), month, today)
    province = client.get(f"/api/v1/provinces/{world.province_p.id}/figures?{query}", headers=headers).get_json()
    assert province["totals"]["visits"] == rollup["totals"]["visits"] == 23
    assert {row["id"]: row["visits"] for row in province["communes"]["items"]} == {
        row["id"]: row["visits"] for row in rollup["rows"]}
    assert province["effective_points"]["points"] == rollup["effective"]["total"]
    point = client.get(f"/api/v1/points/{world.point_a.id}/figures?{query}", headers=headers).get_json()
    assert point["visits"]["total"] == 12 and point["equipment"]["computers_in_use"] == 3
    # A report submitted: the report states say so.
    with app.app_context():
        from app.models_base import utcnow

        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=month.year, month=month.number,
                                    status="submitted", first_submitted_at=utcnow(), submitted_at=utcnow()))
        db.session.commit()
    reports = client.get(f"/api/v1/provinces/{world.province_p.id}/reports?{query}", headers=headers).get_json()
    by_id = {row["commune"]["id"]: row for row in reports["communes"]["items"]}
    assert by_id[world.commune_a.id]["submitted"] == 1 and by_id[world.commune_a.id]["status"] == "submitted"
    assert by_id[world.commune_b.id]["submitted"] == 0
    assert world.commune_c.id not in by_id


def test_the_default_period_is_the_last_ended_month(app, client, world, tokens):
    month = last_ended(MONTH, local_today(app))
    body = client.get(f"/api/v1/points/{world.point_a.id}/figures", headers=bearer(tokens["province_staff_p"]))
    assert body.get_json()["period"]["label"] == month.label
    for kind in ("quarter", "year"):
        body = client.get(f"/api/v1/points/{world.point_a.id}/figures?kind={kind}",
                          headers=bearer(tokens["province_staff_p"])).get_json()
        assert body["period"]["kind"] == kind


def test_a_token_never_reads_beyond_its_creators_scope(app, client, world):
    """An officer of P moved to Q: their token of P reads nothing of P (nor of Q: it is P's token)."""
    from app.users.models import User

    secret = make_token(app, world.province_staff_p.id, world.province_p.id)
    with app.app_context():
        db.session.get(User, world.province_staff_p.id).unit_id = world.province_q.id
        db.session.commit()
    headers = bearer(secret)
    for path in LIST_ROUTES:
        assert client.get(path, headers=headers).get_json()["items"] == [], path
    for path, own, foreign in OBJECT_ROUTES:
        for target in (own, foreign):
            assert client.get(path.format(id=getattr(world, target).id), headers=headers).status_code == 404
