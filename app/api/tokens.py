"""The pages that manage API tokens: list, make (the token is shown once), revoke.

Province staff manage their province's tokens; an administrator any province's
(choosing it). A token reads what its creator may read, within its province
(app.api.auth).
"""
from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.access import can, login_required_for, requires
from app.api import pages as bp
from app.api import queries
from app.api.forms import TokenForm
from app.api.models import ApiToken, digest, new_token
from app.audit import models as audit
from app.extensions import db
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.models_base import utcnow
from app.units.models import PROVINCE, Unit

login_required_for(bp)


def _form() -> TokenForm:
    form = TokenForm()
    if can(current_user, "units.pick_province"):
        provinces = db.session.scalars(select(Unit).where(Unit.kind == PROVINCE).order_by(Unit.name)).all()
        form.province.choices = [("", "")] + [(p.id, p.name) for p in provinces]
    else:
        del form.province
    return form


def _page(form, status_ok=True):
    context = {"form": form, "tokens": queries.tokens_for(current_user), "revoke_form": EmptyForm()}
    if status_ok:
        return render("api/tokens.html", **context)
    return render_form_errors("api/tokens.html", **context)


@bp.get("/api-tokens")
@requires("api.tokens")
def token_list():
    return _page(_form())


@bp.post("/api-tokens/new")
@requires("api.tokens")
def token_create():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status_ok=False)
    if "province" in form:
        province = db.session.get(Unit, form.province.data) if form.province.data else None
        if province is None or province.kind != PROVINCE:
            form.province.errors = [_("Choose the province whose figures the token reads.")]
            return _page(form, status_ok=False)
    else:
        province = db.session.get(Unit, current_user.province_id)
    if not can(current_user, "api.tokens", province):
        abort(403)
    public_id, secret = new_token()
    token = ApiToken(name=form.name.data.strip(), public_id=public_id, secret_hash=digest(secret),
                     province_id=province.id, created_by_id=current_user.id, created_at=utcnow())
    db.session.add(token)
    audit.record("api_token_create", token, after={"name": token.name, "prefix": token.prefix,
                                                   "unit_id": province.id}, unit_id=province.id)
    db.session.commit()
    # Shown on this answer only: nothing but its hash is kept (the page is not cached: Cache-Control no-store).
    return render("api/created.html", token=token, secret=secret)


@bp.post("/api-tokens/<int:id>/revoke")
@requires("api.tokens", load=ApiToken)
def token_revoke(token: ApiToken):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by_id = utcnow(), current_user.id
        audit.record("api_token_revoke", token, after={"name": token.name, "prefix": token.prefix},
                     unit_id=token.province_id)
        db.session.commit()
        flash(_("The token %(prefix)s no longer works.", prefix=token.prefix), "success")
    return redirect(url_for("api_tokens.token_list"))
