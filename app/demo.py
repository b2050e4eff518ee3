"""flask --app wsgi demo-data: a province, its communes, a library point in each,
and one user per role. Idempotent; refused when APP_ENV=production.

Each module adds its records through a function listed in extenders(); each
gets (province unit, list of commune units, years) and must be idempotent too.
"""
import random
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.units.cli import find_province, fold_name, load_province, unknown_province
from app.units.models import LibraryPoint, Unit
from app.users.models import ADMIN, LIBRARIAN, PROVINCE_STAFF, TRAINER, User

DEMO_PASSWORD = "thuvien2026"


def extenders():
    from app.equipment.demo import demo_equipment
    from app.equipment.maintenance_demo import demo_maintenance
    from app.reports.demo import demo_reports
    from app.resources.demo import demo_resources
    from app.standards.demo import demo_standard
    from app.training.demo import demo_training
    from app.visits.demo import demo_visits

    return [demo_equipment, demo_visits, demo_training, demo_reports, demo_resources, demo_standard,
            demo_maintenance]

MODELS = ["library_cultural_centre", "library_cultural_centre", "internet_access_point", "commune_library"]
VILLAGES = ["thôn Đồng Tâm", "thôn Làng Mới", "xóm Bãi Bằng", "thôn Na Hoàng", "xóm Đèo Khế",
            "thôn Tân Lập", "xóm Gốc Gạo", "thôn Khuôn Ngàn", "tổ dân phố 3", "thôn Bản Cái"]


def demo_users(province: Unit, first: Unit, second: Unit):
    return [
        ("admin", "Quản trị hệ thống", ADMIN, None),
        ("province", "Nguyễn Thị Thu Hà", PROVINCE_STAFF, province),
        ("trainer", "Trần Văn Minh", TRAINER, province),
        ("librarian1", "Hoàng Thị Lan", LIBRARIAN, first),
        ("librarian2", "Lục Văn Sơn", LIBRARIAN, second),
    ]


def _province_of(user: User) -> int | None:
    unit = user.unit
    if unit is None:
        return None
    return unit.id if unit.parent_id is None else unit.parent_id


def demo_login(username: str, unit: Unit | None, province: Unit) -> tuple[str, User | None]:
    """(the login of a demo role in `province`, its user if it exists). The plain
    name ("librarian1") belongs to the first province loaded; another province's
    demo users get its name after a dot ("librarian1.laocai"), so loading a second
    province neither takes over the first one's accounts nor names them as its own."""
    candidates = [username]
    if unit is not None:
        candidates.append(f"{username}.{fold_name(province.name).replace(' ', '')}"[:40])
    for name in candidates:
        user = db.session.scalar(select(User).where(User.username == name))
        if user is None:
            return name, None
        if unit is None or _province_of(user) == province.id:
            return name, user
    return candidates[-1], None


def ensure_points(communes, rng: random.Random) -> int:
    """One library point per commune that has none yet; the checklist partly done."""
    have = set(db.session.scalars(select(LibraryPoint.commune_id).distinct()))
    added = 0
    for commune in communes:
        if commune.id in have:
            continue
        opened = date(2013, 8, 1) + timedelta(days=rng.randrange(0, 365 * 10))
        point = LibraryPoint(
            commune=commune,
            name=f"Điểm thư viện {commune.name}",
            address=f"{rng.choice(VILLAGES)}, {commune.name}",
            model=rng.choice(MODELS),
            opened_on=opened,
        )
        step_day = date(2026, 1, 15)
        # Each checklist step is done by fewer points than the one before it.
        for key, share in (("internet_computer_on", 0.8), ("software_installed_on", 0.5),
                           ("staff_trained_on", 0.35), ("serving_readers_on", 0.25)):
            if rng.random() >= share:
                break
            step_day += timedelta(days=rng.randrange(5, 90))
            setattr(point, key, min(step_day, date(2026, 11, 1)))
        db.session.add(point)
        added += 1
    return added


def load_demo(province_name: str, communes_limit: int | None, years: int) -> dict:
    found, suggestions = find_province(province_name)
    if found is None:
        raise unknown_province(province_name, suggestions)
    province, _added, _updated = load_province(found)
    db.session.flush()
    communes = db.session.scalars(select(Unit).where(Unit.parent_id == province.id).order_by(Unit.code)).all()
    if communes_limit:
        communes = communes[:communes_limit]
    # The two demo librarians work in rural communes (xã) when there are two.
    rural = [c for c in communes if c.division_type == "xã"]
    pool = rural if len(rural) >= 2 else communes
    first, second = pool[0], pool[min(1, len(pool) - 1)]

    rng = random.Random(2026)
    points = ensure_points(communes, rng)
    created, logins = [], []
    for username, full_name, role, unit in demo_users(province, first, second):
        login, user = demo_login(username, unit, province)
        if user is None:
            user = User(username=login, full_name=full_name, role=role, unit=unit)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            created.append(login)
        logins.append(f"{login} ({user.unit.name})" if role == LIBRARIAN and user.unit is not None else login)
    for extend in extenders():
        extend(province, communes, years)
    db.session.commit()
    return {"province": province, "communes": len(communes), "points": points, "users": created,
            "logins": logins, "first": first, "second": second}


@click.command("demo-data")
@click.option("--province", "province_name", default="Thái Nguyên", show_default=True)
@click.option("--communes", type=click.IntRange(min=1), default=None, help="How many communes (default: all).")
@click.option("--years", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Years of history for the modules that add records.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_data_command(province_name, communes, years, if_empty):
    """Load demo data (refused when APP_ENV=production)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(_("Demo data is refused when APP_ENV=production."))
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo(_("The database already has data: no demo data loaded."))
        return
    result = load_demo(province_name, communes, years)
    click.echo(_("%(province)s: %(communes)s communes, %(points)s library points added, users added: %(users)s",
                 province=result["province"].name, communes=result["communes"], points=result["points"],
                 users=", ".join(result["users"]) or "—"))
    click.echo(_("Logins of %(province)s (password %(password)s): %(logins)s", province=result["province"].name,
                 password=DEMO_PASSWORD, logins=", ".join(result["logins"])))
