from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import login_required_for, province_in_scope, requires
from app.audit import models as audit
from app.editing import edit
from app.extensions import db
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.resources import bp
from app.resources.forms import ResourceForm
from app.resources.models import KINDS, Resource
from app.resources.queries import shared_resources
from app.units.models import PROVINCE, Unit

login_required_for(bp)

FIELDS = ("title", "kind", "link", "description", "active")


@bp.get("/resources")
@requires("resources.list")
def resource_list():
    province = province_in_scope(current_user, params.row_id(request.values.get("province")))
    resources = shared_resources(province.id if province else None)
    return render("resources/list.html", province=province, resources=resources, kinds=KINDS, form=EmptyForm())


@bp.route("/provinces/<int:id>/resources/new", methods=["GET", "POST"])
@requires("resources.manage", load=Unit)
def resource_create(province: Unit):
    if province.kind != PROVINCE:
        abort(404)
    form = ResourceForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_form_errors("resources/form.html", form=form, province=province, resource=None)
        resource = Resource(province=province, active=True)
        form.populate_obj(resource)
        db.session.add(resource)
        audit.record("create", resource, after=audit.snapshot(resource, FIELDS), unit_id=province.id)
        db.session.commit()
        flash(_("%(title)s is now shared with every commune.", title=resource.title), "success")
        return redirect(url_for("resources.resource_list", province=province.id))
    return render("resources/form.html", form=form, province=province, resource=None)


@bp.route("/resources/<int:id>/edit", methods=["GET", "POST"])
@requires("resources.manage", load=Resource)
def resource_edit(resource: Resource):
    return edit(resource, lambda **kw: ResourceForm(obj=resource, **kw), "resources/form.html", fields=FIELDS,
                unit_id=resource.province_id,
                location=url_for("resources.resource_list", province=resource.province_id),
                message=lambda: _("%(title)s was saved.", title=resource.title),
                province=resource.province, resource=resource)


@bp.post("/resources/<int:id>/remove")
@requires("resources.manage", load=Resource)
def resource_remove(resource: Resource):
    if not EmptyForm().validate_on_submit():
        abort(400)
    resource.active = False
    audit.record("delete", resource, before={"active": True}, after={"active": False, "title": resource.title},
                 unit_id=resource.province_id)
    db.session.commit()
    flash(_("%(title)s is no longer shared.", title=resource.title), "success")
    return redirect(url_for("resources.resource_list", province=resource.province_id))
