"""Administration of users: list, create, edit, deactivate, reset password."""
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.users.models import User
from tests.conftest import fetch, login, post


def count_users(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def new_user(world, **overrides):
    data = {"username": "thuthu_moi", "full_name": "Nguyễn Văn Mới", "role": "librarian",
            "unit_id": str(world.commune_a.id), "language": "vi", "password": "tamthoi2026x",
            "email": "", "phone": ""}
    data.update(overrides)
    return data


def test_admin_lists_and_filters_users(as_user, world):
    client = as_user("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "librarian_a" in page and "province_q" in page
    page = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "trainer_p" in page and "librarian_a" not in page
    page = client.get("/admin/users?q=librarian_b").get_data(as_text=True)
    assert "librarian_b" in page and "librarian_a" not in page


def test_user_list_filter_answers_htmx_with_the_table_only(as_user, world):
    client = as_user("admin")
    response = client.get("/admin/users?role=trainer", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "trainer_q" in body
    assert "HX-Request" in response.headers["Vary"]


def test_create_user(app, as_user, world):
    client = as_user("admin")
    response = post(client, "/admin/users/new", new_user(world))
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "thuthu_moi"))
        assert user.unit_id == world.commune_a.id and user.must_change_password
        assert user.password_hash.startswith("scrypt:")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                           AuditEvent.object_id == user.id))
        assert '"username": "thuthu_moi"' in event.after


def test_create_user_bad_input_saves_nothing(app, as_user, world):
    client = as_user("admin")
    before = count_users(app)
    cases = [
        (new_user(world, username="librarian_b"), "Tên đăng nhập này đã có người dùng"),
        (new_user(world, password="123"), "ít nhất 8 ký tự"),
        (new_user(world, password="thuthu_moi1"), "quá dễ đoán"),
        (new_user(world, unit_id=str(world.province_p.id)), "Cán bộ thư viện phải thuộc một xã"),
        (new_user(world, unit_id=""), "Cán bộ thư viện phải thuộc một xã"),
        (new_user(world, role="trainer"), "phải thuộc một tỉnh"),
        (new_user(world, full_name="x" * 121), "Không được dài quá 120 ký tự."),
        (new_user(world, username="Có Dấu"), "chữ thường không dấu"),
        (new_user(world, role="superuser"), "Lựa chọn không hợp lệ."),
        (new_user(world, unit_id="999999"), "Chọn một đơn vị trong danh sách"),
    ]
    for data, message in cases:
        response = post(client, "/admin/users/new", data)
        assert response.status_code == 422, data
        body = response.get_data(as_text=True)
        assert 'class="error"' in body
        assert message in body, (data, message)
    assert count_users(app) == before


def test_edit_user_and_stale_version(app, as_user, world):
    client = as_user("admin")
    user = fetch(app, User, world.librarian_b.id)
    data = new_user(world, username="librarian_b", full_name="Lục Văn Sơn", unit_id=str(world.commune_b.id),
                    version=str(user.version))
    data.pop("password")
    assert post(client, f"/admin/users/{user.id}/edit", data).status_code == 303
    assert fetch(app, User, user.id).full_name == "Lục Văn Sơn"
    # The same (now stale) version again: a conflict, nothing saved.
    data["full_name"] = "Tên Cũ Đè Lên"
    response = post(client, f"/admin/users/{user.id}/edit", data)
    assert response.status_code == 409
    assert "Lục Văn Sơn" in response.get_data(as_text=True)  # the form shows the current values
    assert fetch(app, User, user.id).full_name == "Lục Văn Sơn"


def test_moving_a_user_to_another_unit_ends_their_sessions(app, as_user, world):
    librarian = app.test_client()
    login(librarian, "librarian_b")
    client = as_user("admin")
    data = new_user(world, username="librarian_b", unit_id=str(world.commune_a.id),
                    version=str(fetch(app, User, world.librarian_b.id).version))
    data.pop("password")
    assert post(client, f"/admin/users/{world.librarian_b.id}/edit", data).status_code == 303
    assert librarian.get("/").status_code == 303


def test_deactivate_and_reactivate(app, as_user, world):
    client = as_user("admin")
    assert post(client, f"/admin/users/{world.trainer_p.id}/deactivate").status_code == 303
    assert fetch(app, User, world.trainer_p.id).active is False
    assert post(client, f"/admin/users/{world.trainer_p.id}/reactivate").status_code == 303
    assert fetch(app, User, world.trainer_p.id).active is True
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == world.trainer_p.id,
                                                                     AuditEvent.object_type == "user_account")).all()
    assert {"deactivate", "activate"} <= set(actions)


def test_admin_cannot_deactivate_themself(app, as_user, world):
    client = as_user("admin")
    response = post(client, f"/admin/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "Bạn không thể khóa tài khoản của chính mình" in response.get_data(as_text=True)
    assert fetch(app, User, world.admin.id).active is True


def test_reset_password_validation(app, as_user, world):
    client = as_user("admin")
    old_hash = fetch(app, User, world.librarian_a.id).password_hash
    response = post(client, f"/admin/users/{world.librarian_a.id}/password", {"password": "abc", "confirm": "abc"})
    assert response.status_code == 422
    response = post(client, f"/admin/users/{world.librarian_a.id}/password",
                    {"password": "tamthoi2026x", "confirm": "tamthoi2026y"})
    assert response.status_code == 422
    assert fetch(app, User, world.librarian_a.id).password_hash == old_hash


def test_missing_user_is_404(as_user, world):
    client = as_user("admin")
    assert client.get("/admin/users/999999/edit").status_code == 404


def test_other_roles_cannot_manage_users(app, as_user, world):
    for name in ("province_staff_p", "trainer_p", "librarian_a"):
        client = app.test_client()
        login(client, getattr(world, name).name)
        assert client.get("/admin/users").status_code == 403
        assert client.get(f"/admin/users/{world.librarian_b.id}/edit").status_code == 403
        assert post(client, f"/admin/users/{world.librarian_b.id}/deactivate").status_code == 403
    assert fetch(app, User, world.librarian_b.id).active is True


def test_users_create_cli(app, runner, world):
    result = runner.invoke(args=["users", "create", "--username", "quantri2", "--password", "matkhaumanh9"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "quantri2"))
        assert user.role == "admin" and user.check_password("matkhaumanh9")


def test_users_create_cli_refuses_bad_input(app, runner, world):
    with app.app_context():
        from flask_babel import gettext

        taken = gettext("The username %(name)s is already taken.", name="admin")  # Vietnamese once merged
    cases = [
        (["--username", "admin", "--password", "matkhaumanh9"], taken),
        (["--username", "x2", "--password", "short"], "8"),
        (["--username", "x3", "--password", "matkhaumanh9", "--role", "librarian"], "--unit-code"),
        (["--username", "x4", "--password", "matkhaumanh9", "--role", "librarian", "--unit-code", "91"], "--unit-code"),
    ]
    before = count_users(app)
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert count_users(app) == before


def test_users_create_cli_for_a_librarian(app, runner, world):
    with app.app_context():
        from app.units.models import Unit

        code = db.session.get(Unit, world.commune_a.id).code
    result = runner.invoke(args=["users", "create", "--username", "thuthu9", "--password", "matkhaumanh9",
                                 "--role", "librarian", "--unit-code", code])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.unit_id).where(User.username == "thuthu9")) == world.commune_a.id
