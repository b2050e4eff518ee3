from urllib.parse import urlsplit

from flask import current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user

from app.access import login_required_for, public, requires
from app.audit import models as audit
from app.editing import conflict, shown
from app.extensions import db
from app.formatting import vi_sorted
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.models_base import utcnow
from app.params import safe_next
from app.units.models import COMMUNE, PROVINCE, Unit
from app.units.queries import commune_choices
from app.users import bp, queries
from app.users.auth import (
    attempt_succeeded,
    issue_device_cookie,
    known_device,
    log_in,
    reserve_attempt,
    session_ends_at,
    throttles,
)
from app.users.forms import ChangePasswordForm, LanguageForm, LoginForm, ResetPasswordForm, UserFilterForm, UserForm
from app.users.models import ADMIN, ROLE_UNIT_KIND, LoginThrottle, User, check_dummy_password

login_required_for(bp)

USER_FIELDS = ("username", "full_name", "email", "phone", "role", "unit_id", "language", "active")
def home_url() -> str:
    return url_for("dashboard.home")


# --- Logging in and out -------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or home_url())
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render("users/login.html", form=form, status=status)

    next_url = safe_next(request.args.get("next"))  # decided before anything is written
    username = form.username.data.strip().lower()
    address = request.remote_addr or ""
    user = queries.by_username(username)
    device = known_device(username)
    # The attempt is counted before the password is checked (see users.auth).
    minutes = reserve_attempt(username, address, device=device, account_exists=user is not None)
    if minutes:
        audit.record("login_failed", username=username[:40], after={"reason": "locked"})
        db.session.commit()
        form.form_errors.append(ngettext(
            "Too many failed attempts. Try again in %(num)d minute, or ask your administrator.",
            "Too many failed attempts. Try again in %(num)d minutes, or ask your administrator.", minutes))
        return render("users/login.html", form=form, status=429)

    if user is None:
        check_dummy_password(form.password.data)  # the same time as for a real account
    password_ok = user is not None and user.check_password(form.password.data)  # one hash, whatever follows
    if not password_ok or not user.active:
        audit.record("login_failed", username=username[:40], unit_id=user.unit_id if user else None,
                     after={"reason": "inactive" if user and not user.active else "bad_credentials"})
        db.session.commit()
        if password_ok:
            # Only whoever knows the password learns that the account exists and is deactivated.
            form.form_errors.append(_("This account has been deactivated. Ask your administrator to reactivate it."))
        else:
            form.form_errors.append(_("Wrong username or password."))
        return render_form_errors("users/login.html", form=form)

    attempt_succeeded(username, address, device)
    queries.record_login(user)
    user.start_session(address)
    audit.record("login", user, user=user, unit_id=user.unit_id)
    db.session.commit()
    # Only once the session and its audit event are saved: a fresh cookie session.
    log_in(user)
    response = redirect(next_url or home_url())
    issue_device_cookie(response, username)
    return response


@bp.post("/logout")
@requires("home.view")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        audit.record("logout", current_user, unit_id=current_user.unit_id)
        queries.end_session(current_user.session_id)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("users.login"))


@bp.post("/language")
@public
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data) or safe_next(request.referrer and urlsplit(request.referrer).path) or home_url()
    if form.validate_on_submit():
        lang = form.language.data
        if current_user.is_authenticated:
            if current_user.language != lang:
                audit.record("language", current_user, before={"language": current_user.language},
                             after={"language": lang}, unit_id=current_user.unit_id)
                own_record().language = lang
                db.session.commit()
        else:
            session["lang"] = lang
    return redirect(target)


# --- One's own account --------------------------------------------------------

def own_record() -> User:
    """The logged-in user as the model, to change it (current_user is a light
    SessionUser), with the session it is logged in with."""
    user = db.session.get(User, current_user.id)
    user.session_id, user.session_started_at = current_user.session_id, current_user.session_started_at
    return user


@bp.get("/account")
@requires("account.edit")
def account():
    return render("users/account.html", user=own_record(), language_form=LanguageForm(language=current_user.language),
                  session_ends_at=session_ends_at(current_user), other_sessions=queries.other_sessions(current_user),
                  idle_hours=round(current_app.permanent_session_lifetime.total_seconds() / 3600), form=EmptyForm())


@bp.post("/account/logout-others")
@requires("account.edit")
def logout_others():
    """End every session of the user but this one (a phone left logged in somewhere)."""
    form = EmptyForm()
    if form.validate_on_submit():
        user = own_record()
        ended = user.end_sessions(keep=user.session_id)
        audit.record("logout_others", user, after={"sessions": ended}, unit_id=user.unit_id)
        db.session.commit()
        flash(ngettext("%(num)d other session was ended.", "%(num)d other sessions were ended.", ended), "success")
    return redirect(url_for("users.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires("account.edit")
def change_password():
    form = ChangePasswordForm()
    form._username = current_user.username
    if form.validate_on_submit():
        user = own_record()
        address = request.remote_addr or ""
        # Guesses at the current password are throttled like logins (this browser
        # logged in, so it is usually a known device: its own counter).
        device = known_device(user.username)
        minutes = reserve_attempt(user.username, address, device=device)
        if minutes:
            form.current_password.errors.append(ngettext(
                "Too many failed attempts. Try again in %(num)d minute, or ask your administrator.",
                "Too many failed attempts. Try again in %(num)d minutes, or ask your administrator.", minutes))
        elif not user.check_password(form.current_password.data):
            audit.record("password_change_failed", user, unit_id=user.unit_id)
            db.session.commit()
            form.current_password.errors.append(_("The current password is not right."))
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("Choose a password different from the current one."))
        else:
            attempt_succeeded(user.username, address, device)
            user.set_password(form.new_password.data)  # ends every session of the user…
            user.start_session(address)  # …and this one goes on in a new session
            audit.record("password_change", user, unit_id=user.unit_id)
            db.session.commit()
            log_in(user)
            flash(_("Your password has been changed."), "success")
            return redirect(home_url())
    if form.is_submitted():
        return render_form_errors("users/change_password.html", form=form)
    return render("users/change_password.html", form=form)


# --- Administration of users --------------------------------------------------

def unit_choices():
    """Provinces and their communes as option groups, for the user form."""
    units = queries.all_units()
    provinces = vi_sorted((u for u in units if u.kind == PROVINCE), key=lambda u: u.name)
    communes = commune_choices(u for u in units if u.kind != PROVINCE)
    if isinstance(communes, list):  # one province: a list, not groups
        communes = {provinces[0].name: communes} if provinces else {}
    groups = {}
    for p in provinces:
        groups[p.name] = [(p.id, _("%(name)s (whole province)", name=p.name))] + communes.get(p.name, [])
    return {None: [("", _("— none (administrator) —"))], **groups}


def validate_user_form(form: UserForm, user: User | None) -> bool:
    ok = form.validate_on_submit()
    username = (form.username.data or "").strip().lower()
    form.username.data = username
    clash = queries.by_username(username) if username else None
    if clash is not None and (user is None or clash.id != user.id):
        form.username.errors.append(_("This username is already taken."))
        ok = False
    kind = ROLE_UNIT_KIND.get(form.role.data)
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    if form.unit_id.data and unit is None:
        form.unit_id.errors.append(_("Choose a unit from the list."))
        ok = False
    elif kind == COMMUNE and (unit is None or unit.kind != COMMUNE):
        form.unit_id.errors.append(_("A librarian must belong to a commune."))
        ok = False
    elif kind == PROVINCE and (unit is None or unit.kind != PROVINCE):
        form.unit_id.errors.append(_("A trainer or province staff member must belong to a province."))
        ok = False
    elif kind is None and unit is not None:
        form.unit_id.errors.append(_("An administrator does not belong to a unit."))
        ok = False
    if user is None and not form.password.data:
        form.password.errors.append(_("Give a temporary password for the new user."))
        ok = False
    return ok


@bp.get("/admin/users")
@requires("users.manage")
def user_list():
    filters = UserFilterForm(request.args)
    users = (queries.user_list(filters.q.data, filters.role.data, filters.show_inactive.data) if filters.validate()
             else queries.user_list())
    return render("users/list.html", "users/_partials/_table.html", users=users, filters=filters, form=EmptyForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("users.manage")
def user_create():
    form = UserForm()
    form.unit_id.choices = unit_choices()
    if request.method == "POST":
        if validate_user_form(form, None):
            user = User(role=form.role.data)
            form.populate_obj(user)
            user.unit_id = form.unit_id.data if user.role != ADMIN else None
            user.set_password(form.password.data, must_change=True)
            db.session.add(user)
            audit.record("create", user, after=audit.snapshot(user, USER_FIELDS), unit_id=user.unit_id)
            db.session.commit()
            flash(_("User %(name)s was created. They must change the password at the first login.",
                    name=user.username), "success")
            return redirect(url_for("users.user_list"))
        return render_form_errors("users/form.html", form=form, user=None)
    return render("users/form.html", form=form, user=None)


@bp.route("/admin/users/<int:id>/edit", methods=["GET", "POST"])
@requires("users.manage", load=User)
def user_edit(user: User):
    def user_form(**kwargs):
        form = UserForm(obj=user, **kwargs)
        form.unit_id.choices = unit_choices()
        del form.password  # set by the user, or reset from the user list
        return form

    form = user_form()
    if request.method == "POST":
        if form.is_stale(user):
            return conflict(lambda: user_form(formdata=None), user, "users/form.html", user=user)
        if validate_user_form(form, user):
            before = audit.snapshot(user, USER_FIELDS)
            old_role, old_unit = user.role, user.unit_id
            form.populate_obj(user)
            if user.role == ADMIN:
                user.unit_id = None
            if (user.role, user.unit_id) != (old_role, old_unit):
                user.end_sessions()  # a new role or unit starts with a new login
            audit.record("update", user, before=before, after=audit.snapshot(user, USER_FIELDS), unit_id=user.unit_id)
            db.session.commit()
            flash(_("User %(name)s was saved.", name=user.username), "success")
            return redirect(url_for("users.user_list"))
        return render_form_errors("users/form.html", form=form, user=user)
    return render("users/form.html", form=shown(form, user), user=user)


def _set_active(user: User, active: bool):
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("users.user_list"))
    if user.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("users.user_list"))
    if user.active != active:
        user.active = active
        user.end_sessions()
        audit.record("activate" if active else "deactivate", user,
                     before={"active": not active}, after={"active": active}, unit_id=user.unit_id)
        db.session.commit()
    flash(_("User %(name)s was reactivated.", name=user.username) if active
          else _("User %(name)s was deactivated and logged out everywhere.", name=user.username), "success")
    return redirect(url_for("users.user_list"))


@bp.post("/admin/users/<int:id>/deactivate")
@requires("users.manage", load=User)
def user_deactivate(user: User):
    return _set_active(user, False)


@bp.post("/admin/users/<int:id>/reactivate")
@requires("users.manage", load=User)
def user_reactivate(user: User):
    return _set_active(user, True)


@bp.route("/admin/users/<int:id>/password", methods=["GET", "POST"])
@requires("users.manage", load=User)
def user_reset_password(user: User):
    form = ResetPasswordForm()
    form._username = user.username
    if form.validate_on_submit():
        user.set_password(form.password.data, must_change=True)
        audit.record("password_reset", user, unit_id=user.unit_id)
        db.session.commit()
        flash(_("The password of %(name)s was reset. They must change it at the next login.",
                name=user.username), "success")
        return redirect(url_for("users.user_list"))
    if form.is_submitted():
        return render_form_errors("users/reset_password.html", form=form, user=user)
    return render("users/reset_password.html", form=form, user=user)


# --- Login throttles ----------------------------------------------------------

@bp.get("/admin/throttles")
@requires("users.throttles")
def throttle_list():
    return render("users/throttles.html", throttles=throttles(), form=EmptyForm(), now=utcnow())


@bp.post("/admin/throttles/lift")
@requires("users.throttles")
def throttle_lift():
    """Lift one throttle: its counter and lock history go (recorded with what they were)."""
    form = EmptyForm()
    if form.validate_on_submit():
        row = db.session.get(LoginThrottle, (request.form.get("key") or "")[:120])
        if row is None:
            flash(_("This limit was already lifted or has ended."), "info")
        else:
            subject = row.subject
            audit.record("throttle_lift", before={
                "key": row.key, "failures": row.failures, "locks": row.locks,
                "locked_until": row.locked_until.isoformat() if row.locked_until else None})
            db.session.delete(row)
            db.session.commit()
            flash(_("The limit on %(name)s was lifted.", name=subject), "success")
    return redirect(url_for("users.throttle_list"))
