"""The audit trail viewer: scoped to the province, filtered, exported as CSV; read-only."""
from datetime import datetime, timezone

from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import login


def events(app, world):
    """Events in commune A, commune B, province P and commune C (province Q)."""
    with app.app_context():
        at = datetime(2026, 6, 10, 3, 0, tzinfo=timezone.utc)
        for unit, user, action, after in (
            (world.commune_a.id, "librarian_a", "tally", '{"count": 1}'),
            (world.commune_b.id, "librarian_b", "update", '{"name": "=CMD()"}'),
            (world.province_p.id, "province_p", "approve", '{"status": "approved"}'),
            (world.commune_c.id, "librarian_c", "tally", '{"count": 9}'),
        ):
            db.session.add(AuditEvent(unit_id=unit, username=user, action=action, object_type="library_point",
                                      object_id=1, after=after, created_at=at))
        db.session.commit()


def changed_label(app):
    """What the history calls an "update", in Vietnamese (the catalog's, or the msgid before it is merged)."""
    from app.audit.describe import action_label

    with app.test_request_context():
        return action_label("update")


def test_province_staff_read_only_their_provinces_events(app, world, as_user):
    events(app, world)
    html = as_user("province_staff_p").get("/audit").get_data(as_text=True)
    assert "librarian_a" in html and "librarian_b" in html and "province_p" in html
    assert "librarian_c" not in html


def test_admin_reads_every_event(app, world, as_user):
    events(app, world)
    assert "librarian_c" in as_user("admin").get("/audit").get_data(as_text=True)


def test_filters_by_user_commune_and_dates(app, world, as_user):
    events(app, world)
    client = as_user("province_staff_p")
    html = client.get(f"/audit?commune={world.commune_a.id}").get_data(as_text=True)
    assert "librarian_a" in html and "librarian_b" not in html
    html = client.get("/audit?user=LIBRARIAN_B", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in html and "librarian_b" in html and "librarian_a" not in html
    # 03:00 UTC on 10/06 is 10:00 in Hà Nội: inside 10/06, outside 11/06.
    assert "librarian_a" in client.get("/audit?start=10/06/2026&end=10/06/2026").get_data(as_text=True)
    assert "librarian_a" not in client.get("/audit?start=11/06/2026").get_data(as_text=True)


def test_csv_export_is_scoped_and_neutralised(app, world, as_user):
    events(app, world)
    text = as_user("province_staff_p").get("/audit/export.csv").get_data(as_text=True)
    assert "librarian_b" in text and "librarian_c" not in text
    assert "'{" not in text and '"{""name"": ""=CMD()""}"' in text  # JSON cells start with {, not a formula


def test_no_route_changes_an_audit_event(app, world):
    mutating = [rule for rule in app.url_map.iter_rules()
                if rule.endpoint.startswith("audit.") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert mutating == []


def test_librarians_and_trainers_cannot_read_the_trail(app, world):
    for name in ("librarian_a", "trainer_p"):
        client = app.test_client()
        login(client, getattr(world, name).name)
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403


def test_a_record_shows_its_change_history(app, world, as_user):
    client = as_user("province_staff_p")
    from tests.conftest import post

    response = post(client, f"/points/{world.point_a.id}/edit", {
        "version": "1", "commune_id": str(world.commune_a.id), "name": "Điểm thư viện thôn Mới", "model": "other"})
    assert response.status_code == 303
    html = client.get(f"/points/{world.point_a.id}").get_data(as_text=True)
    history = html.split('class="history"')[1]
    assert changed_label(app) in history and "Điểm thư viện thôn Mới" in history
    assert "update" not in history


def test_a_training_session_shows_its_change_history(app, world, as_user):
    from tests.conftest import post
    from tests.test_training import make_session, session_data

    session_id = make_session(app, world)
    client = as_user("trainer_p")
    response = post(client, f"/training/{session_id}/edit",
                    session_data(world, version="1", venue="Hội trường UBND xã"))
    assert response.status_code == 303
    html = client.get(f"/training/{session_id}").get_data(as_text=True)
    history = html.split('class="history"')[1]
    assert changed_label(app) in history and "Hội trường UBND xã" in history
