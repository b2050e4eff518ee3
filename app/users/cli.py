"""flask --app wsgi users create: the first administrator (or any user)."""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import models as audit
from app.extensions import db
from app.units.models import Unit
from app.users.forms import password_problem
from app.users.models import ADMIN, ROLE_UNIT_KIND, ROLES, User

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--username", prompt=True)
@click.option("--full-name", default="", help="Defaults to the username.")
@click.option("--role", type=click.Choice(list(ROLES)), default=ADMIN, show_default=True)
@click.option("--unit-code", default="",
              help="Official code of the commune (librarian) or province (trainer, province).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(username, full_name, role, unit_code, password):
    """Create a user; by default the first administrator."""
    username = username.strip().lower()
    if not username or len(username) > 40:
        raise click.ClickException(_("Invalid username."))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise click.ClickException(_("The username %(name)s is already taken.", name=username))
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(str(problem))
    unit = None
    kind = ROLE_UNIT_KIND[role]
    if kind:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
        if unit is None or unit.kind != kind:
            raise click.ClickException(
                _("The role %(role)s needs --unit-code of a loaded commune.", role=ROLES[role]) if kind == "commune"
                else _("The role %(role)s needs --unit-code of a loaded province.", role=ROLES[role]))
    user = User(username=username, full_name=full_name or username, role=role, unit=unit)
    user.set_password(password)
    db.session.add(user)
    audit.record("create", user, username="cli", after={"username": username, "role": role},
                 unit_id=unit.id if unit else None)
    db.session.commit()
    click.echo(_("User %(name)s created (%(role)s).", name=username, role=ROLES[role]))
