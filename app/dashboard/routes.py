from flask_login import current_user

from app.access import login_required_for, requires
from app.dashboard import bp
from app.dashboard.queries import unit_counts, users_by_role
from app.htmx import render
from app.reports.routes import due_reports
from app.units.queries import points_for
from app.users.models import ROLES


login_required_for(bp)


@bp.get("/")
@requires("home.view")
def home():
    """Each role's home: what it looks after, and where to go next."""
    context = {"counts": unit_counts(current_user)}
    if current_user.role == "librarian":
        context["points"] = points_for(current_user)
        context["due_reports"] = due_reports(current_user)
    elif current_user.role in ("province", "admin"):
        counts = users_by_role(current_user)
        # Administrators belong to no province, so province staff see the other roles only.
        roles = ROLES if current_user.role == "admin" else {k: v for k, v in ROLES.items() if k != "admin"}
        context["users_by_role"] = [(str(label), counts.get(role, 0)) for role, label in roles.items()]
    return render("dashboard/home.html", **context)
