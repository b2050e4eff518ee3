from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.access import login_required_for, province_in_scope, requires
from app.audit import models as audit
from app.extensions import db
from app.forms_base import EmptyForm
from app.htmx import redirect, render, render_form_errors
from app.resources import bp
from app.resources.forms import ResourceForm
from app.resources.models import KINDS, Resource
from app.units.models import PROVINCE, Unit

login_required_for(bp)

FIELDS = ("title", "kind", "link", "description", "active")


@bp.get("/resources")
@requires("resources.list")
def resource_list():
    province = province_in_scope(current_user, request.values.get("province", type=int))
    resources = db.session.scalars(select(Resource).where(
        Resource.province_id == (province.id if province else None), Resource.active.is_(True))
        .order_by(Resource.kind, Resource.title)).all()
    return render("resources/list.html", province=province, resources=resources, kinds=KINDS, form=EmptyForm())


@bp.route("/provinces/<int:id>/resources/new", methods=["GET", "POST"])
@requires("resources.manage", load=Unit)
def resource_create(obj: Unit):
    if obj.kind != PROVINCE:
        abort(404)
    form = ResourceForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_form_errors("resources/form.html", form=form, province=obj, resource=None)
        resource = Resource(province=obj, active=True)
        form.populate_obj(resource)
        db.session.add(resource)
        audit.record("create", resource, after=audit.snapshot(resource, FIELDS), unit_id=obj.id)
        db.session.commit()
        flash(_("%(title)s is now shared with every commune.", title=resource.title), "success")
        return redirect(url_for("resources.resource_list", province=obj.id))
    return render("resources/form.html", form=form, province=obj, resource=None)


@bp.route("/resources/<int:id>/edit", methods=["GET", "POST"])
@requires("resources.manage", load=Resource)
def resource_edit(obj: Resource):
    form = ResourceForm(obj=obj)
    if request.method == "GET":
        form.version.data = str(obj.version)
        return render("resources/form.html", form=form, province=obj.province, resource=obj)
    if form.is_stale(obj):
        form = ResourceForm(formdata=None, obj=obj)
        form.version.data = str(obj.version)
        form.form_errors.append(_("Someone else changed this resource while you were editing. The form now shows the "
                                  "current values; make your change again."))
        return render("resources/form.html", form=form, province=obj.province, resource=obj, status=409)
    if not form.validate_on_submit():
        return render_form_errors("resources/form.html", form=form, province=obj.province, resource=obj)
    before = audit.snapshot(obj, FIELDS)
    form.populate_obj(obj)
    audit.record("update", obj, before=before, after=audit.snapshot(obj, FIELDS), unit_id=obj.province_id)
    db.session.commit()
    flash(_("%(title)s was saved.", title=obj.title), "success")
    return redirect(url_for("resources.resource_list", province=obj.province_id))


@bp.post("/resources/<int:id>/remove")
@requires("resources.manage", load=Resource)
def resource_remove(obj: Resource):
    if not EmptyForm().validate_on_submit():
        abort(400)
    obj.active = False
    audit.record("delete", obj, before={"active": True}, after={"active": False, "title": obj.title},
                 unit_id=obj.province_id)
    db.session.commit()
    flash(_("%(title)s is no longer shared.", title=obj.title), "success")
    return redirect(url_for("resources.resource_list", province=obj.province_id))
