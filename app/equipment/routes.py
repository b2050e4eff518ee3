from flask import abort, flash, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import can, login_required_for, requires
from app.audit import models as audit
from app.deleting import confirm_delete, local_day
from app.editing import CONFLICT, conflict, shown
from app.equipment import bp, liquidation, lots, queries, stocktakes
from app.equipment.forms import EventForm, ItemForm, RegisterFilterForm, RestoreForm, StocktakeFindingForm
from app.equipment.io import EquipmentImporter, asset_code_taken, export_headers, export_rows, workbook_sheets
from app.equipment.label_queries import label_code
from app.equipment.models import (
    CATEGORIES,
    CONDITIONS,
    FUNDING_SOURCES,
    LIQUIDATED,
    RECORDABLE_KINDS,
    EquipmentEvent,
    EquipmentItem,
    StockTake,
)
from app.equipment.queries import filtered_items, page_of, tile_totals
from app.extensions import db
from app.formatting import add_label_filters, fmt_date, fmt_number, labels, today_local
from app.forms_base import EmptyForm, own_ids
from app.htmx import is_fragment_request, redirect, render, render_form_errors, saved
from app.imports import pipeline as imports
from app.reports.locks import refuse_if_locked
from app.spreadsheets import csv_response, workbook_response
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.units.queries import commune_point_ids, point_ids, province_point_ids
from app.urls import url_for_id

login_required_for(bp)
add_label_filters(bp, condition=CONDITIONS, category=CATEGORIES, funding=FUNDING_SOURCES)



ITEM_FIELDS = ("point_id", "category", "description", "asset_code", "quantity", "condition", "internet_connected",
               "funding_source", "received_on", "unit_value", "notes", "maintenance_months")
CHANGED = "equipment-changed"  # the htmx event that refreshes the register's totals


def back_to() -> str | None:
    """The page a form asks to return to after saving (`next`, a path on this
    site): the phone page of a label (app.equipment.labels) posts here."""
    return params.safe_next(request.form.get("next"))


# --- The register -------------------------------------------------------------

_REGISTER_LABELS: dict = {}  # translations → the register's words


@bp.app_template_global()
def register_labels() -> dict:
    """The words every row of the register repeats (column names, the labels
    of categories, conditions and funding sources), translated once per
    process and language."""
    translations = get_translations()
    if translations not in _REGISTER_LABELS:
        _REGISTER_LABELS[translations] = {
            "category": _("Category"), "description": _("Description"), "code": _("Asset code"),
            "qty": _("Quantity"), "condition": _("Condition"), "funding": _("Funding source"),
            "received": _("Received on"), "online": _("online"), "edit": _("Edit"),
            "value": _("Value"), "value_left": _("%(original)s → %(remaining)s left"),
            "categories": dict(labels(CATEGORIES)), "conditions": dict(labels(CONDITIONS)),
            "funding_sources": dict(labels(FUNDING_SOURCES))}
    return _REGISTER_LABELS[translations]


@bp.app_template_global()
def register_urls() -> dict:
    """Functions item id → the links of a register row (its page, its edit form)."""
    return {"detail": url_for_id("equipment.item_detail"), "edit": url_for_id("equipment.item_edit")}


FILTERS = ("category", "condition", "funding_source", "year")


def _filters():
    form = RegisterFilterForm(request.args).read()
    return form, {name: form[name].data or None for name in FILTERS}


@bp.get("/points/<int:id>/equipment")
@requires("equipment.view", load=LibraryPoint)
def register(point: LibraryPoint):
    """The register's body (tiles, rows, pager) is kept as HTML under everything it shows: the
    version of the point's items and of its province's useful lives, today (the value column's
    wear), the filters and page, whether the user may edit. Its queries run only when it is not
    kept; so does its head's work (links, the commune's name, the last stock-take)."""
    form, filters = _filters()
    version = queries.register_version(point.id)
    args = {k: v for k, v in filters.items() if v}
    page = params.page()
    can_edit = can(current_user, "equipment.edit", point)
    head_key = ("register-head", point.id, point.name, point.commune_id, version.commune_name,
                version.last_stocktake_at, can_edit)
    body_key = ("register", point.id, version.key, today_local(), tuple(sorted(args.items())), page, can_edit)

    def listed() -> dict:
        summed = tile_totals(point.id, filters)
        items, shown, pages, _count = page_of(filtered_items(point.id, **filters), page, total=summed["rows"])
        return {"totals": summed, "items": items, "page": shown, "pages": pages}

    return render("equipment/register.html", "equipment/_partials/_register.html",
                  point=point, filters=form, args=args, head_key=head_key, body_key=body_key, listed=listed,
                  can_edit=can_edit, version=version)


@bp.get("/points/<int:id>/equipment/totals")
@requires("equipment.view", load=LibraryPoint)
def register_totals(point: LibraryPoint):
    _form, filters = _filters()
    return render("equipment/_partials/_totals.html", point=point, totals=tile_totals(point.id, filters),
                  args={k: v for k, v in filters.items() if v})


# --- Items ----------------------------------------------------------------------

ITEM_PAGES = ("equipment/item_form.html", "equipment/_partials/_item_form_row.html")


def _item_form(item=None, **kwargs) -> ItemForm:
    form = ItemForm(obj=item, **kwargs)
    if is_fragment_request():  # an inline row on the register, beside the filters and other rows
        own_ids(form, item.id if item else "new")
    return form


@bp.route("/points/<int:id>/equipment/new", methods=["GET", "POST"])
@requires("equipment.edit", load=LibraryPoint)
def item_create(point: LibraryPoint):
    form = _item_form()
    if request.method == "GET":
        return render(*ITEM_PAGES, point=point, item=None, form=form)
    if not form.validate_on_submit():
        return render_form_errors(*ITEM_PAGES, point=point, item=None, form=form)
    refuse_if_locked(point, form.received_on.data or today_local())
    if _asset_code_taken(form, point):
        return render_form_errors(*ITEM_PAGES, point=point, item=None, form=form)
    item = EquipmentItem(point=point)
    form.populate_obj(item)
    db.session.add(item)
    audit.record("create", item, after=audit.snapshot(item, ITEM_FIELDS), unit_id=point.commune_id)
    db.session.commit()
    return saved(url_for("equipment.register", id=point.id), _("%(item)s was added to the register.",
                 item=item.description), "equipment/_partials/_item_row.html", item=item, trigger=CHANGED, fresh=True)


def _asset_code_taken(form: ItemForm, point: LibraryPoint, item: EquipmentItem | None = None) -> bool:
    """Whether the form's asset code (trimmed, compared case-insensitively) is
    held by another item of the province; if so its message, naming that item,
    goes next to the field and the write transaction is ended. Asked after
    refuse_if_locked() began the write transaction, with the province locked
    (queries.lock_asset_codes), so that the check and the save are one. An edit
    that keeps the item's own code is not asked (codes doubled before the rule
    existed must not block other corrections)."""
    code = (form.asset_code.data or "").strip()
    form.asset_code.data = code
    key = queries.asset_code_key(code)
    if not key or (item is not None and key == queries.asset_code_key(item.asset_code)):
        return False
    province_id = point.commune.parent_id
    queries.lock_asset_codes(province_id)
    holder = queries.asset_code_holders(province_id, [code], exclude_id=item.id if item else None).get(key)
    if holder is None:
        return False
    form.asset_code.errors = [*form.asset_code.errors, asset_code_taken(code, holder)]
    db.session.rollback()
    return True


@bp.get("/equipment/<int:id>")
@requires("equipment.view", load=EquipmentItem)
def item_detail(item: EquipmentItem):
    return _item_page(item)


def _item_page(item: EquipmentItem, status: int = 200, event_form=None, restore_form=None):
    """The item's page, with the event or restore form that was posted (the
    page's forms carry the item's current version)."""
    from app.equipment.maintenance_queries import next_due

    return render("equipment/item_detail.html", item=item, history=audit.history_of(item), status=status,
                  next_maintenance=next_due(item),
                  deletable_kinds=RECORDABLE_KINDS, open_line=liquidation.open_line_of(item.id),
                  events=lots.history_of(item),
                  lot=lots.related_rows(item), mergeable=lots.merge_candidates(item), merge_form=EmptyForm(),
                  event_form=event_form or EventForm(formdata=None, occurred_on=today_local()),
                  restore_form=restore_form or RestoreForm(formdata=None, occurred_on=today_local()))


@bp.get("/equipment/<int:id>/row")
@requires("equipment.view", load=EquipmentItem)
def item_row(item: EquipmentItem):
    return render("equipment/_partials/_item_row.html", item=item)


def _liquidated_refusal(item: EquipmentItem):
    flash(_("%(item)s is liquidated. Restore it before changing it.", item=item.description), "error")
    if is_fragment_request():
        return render("equipment/_partials/_item_row.html", item=item, status=409)
    return redirect(url_for("equipment.item_detail", id=item.id))


@bp.route("/equipment/<int:id>/edit", methods=["GET", "POST"])
@requires("equipment.edit", load=EquipmentItem)
def item_edit(item: EquipmentItem):
    if item.condition == LIQUIDATED:
        return _liquidated_refusal(item)
    form = _item_form(item)
    page = {"point": item.point, "item": item}
    if request.method == "GET":
        return render(*ITEM_PAGES, form=shown(form, item), **page)
    if form.is_stale(item):
        return conflict(lambda: _item_form(item, formdata=None), item, *ITEM_PAGES, **page)
    if not form.validate_on_submit():
        return render_form_errors(*ITEM_PAGES, form=form, **page)
    changed_condition = form.condition.data != item.condition
    refuse_if_locked(item, item.received_on or today_local(), form.received_on.data or today_local(),
                     *([today_local()] if changed_condition else []))
    if _asset_code_taken(form, item.point, item):
        return render_form_errors(*ITEM_PAGES, form=form, **page)
    before = audit.snapshot(item, ITEM_FIELDS)
    old_condition = item.condition
    form.populate_obj(item)
    if item.condition != old_condition:
        # A condition changed through the edit form is history too.
        db.session.add(EquipmentEvent(item=item, kind="condition_change", occurred_on=today_local(),
                                      old_condition=old_condition, new_condition=item.condition,
                                      recorded_by_id=current_user.id))
    audit.record("update", item, before=before, after=audit.snapshot(item, ITEM_FIELDS), unit_id=item.point.commune_id)
    db.session.commit()
    return saved(url_for("equipment.item_detail", id=item.id), _("%(item)s was saved.", item=item.description),
                 "equipment/_partials/_item_row.html", item=item, trigger=CHANGED, fresh=True)


# --- History ----------------------------------------------------------------------

@bp.post("/equipment/<int:id>/events")
@requires("equipment.edit", load=EquipmentItem)
def event_create(item: EquipmentItem):
    if item.condition == LIQUIDATED:
        return _liquidated_refusal(item)
    form = EventForm()
    form.condition_now, form.quantity_now = item.condition, item.quantity
    if not form.validate_on_submit():
        return _item_page(item, status=422, event_form=form)
    if form.is_stale(item):
        # An event is new, not an edit: what was typed stays, with the item as it is now above it.
        form.form_errors.append(_("Someone else changed this item meanwhile. Check its current condition and "
                                  "record the event again."))
        return _item_page(item, status=409, event_form=form)
    refuse_if_locked(item, form.occurred_on.data)
    old = item.condition
    new = form.new_condition.data or None
    quantity, whole = form.quantity.data, item
    if quantity is not None and quantity < item.quantity and new and new != old:
        # Part of the lot goes another way: it becomes a row of its own, which the event is about.
        item = lots.split_item(item, quantity)
    event = EquipmentEvent(item=item, kind=form.kind.data, occurred_on=form.occurred_on.data, cost=form.cost.data,
                           quantity=quantity, description=form.description.data or "",
                           recorded_by_id=current_user.id)
    db.session.add(event)  # before any audit row: its INSERT flushes the session
    if new and new != old:
        # The item and its event change in one transaction.
        event.old_condition, event.new_condition = old, new
        item.condition = new
        audit.record("update", item, before={"condition": old}, after={"condition": new}, unit_id=item.point.commune_id)
    audit.record("create", event, after={"item_id": item.id, "kind": event.kind, "occurred_on": event.occurred_on,
                                         "cost": event.cost, "new_condition": event.new_condition,
                                         "quantity": event.quantity},
                 unit_id=item.point.commune_id)
    db.session.commit()
    if item is not whole:
        # The new row's page: its phone page when the form came from one (a label's page posts `next`).
        page = (url_for("equipment.lookup", code=label_code(item)) if back_to()
                else url_for("equipment.item_detail", id=item.id))
        return saved(page, _(
            "Recorded: %(kind)s. %(part)s of %(all)s are now a row of their own (this page); the other %(rest)s "
            "stay on the original row.", kind=event.kind_label, part=fmt_number(item.quantity),
            all=fmt_number(item.quantity + whole.quantity), rest=fmt_number(whole.quantity)))
    return saved(back_to() or url_for("equipment.item_detail", id=item.id),
                 _("Recorded: %(kind)s.", kind=event.kind_label))


@bp.post("/equipment/<int:id>/merge")
@requires("equipment.edit", load=EquipmentItem)
def item_merge(item: EquipmentItem):
    """Merges another row of the same lot (form field `other`), identical again, into this one."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    other_id = params.row_id(request.form.get("other"))
    refuse_if_locked(item, today_local())  # the write begins: nothing changes the two rows from here on
    rows = lots.locked_rows(item.id, *([other_id] if other_id else []))
    other = rows.get(other_id)
    if item.id not in rows or other is None or not lots.mergeable(item, other):
        db.session.rollback()
        flash(_("These rows cannot be merged: only identical rows of one lot can (same point, category, "
                "description, condition, funding source, received date and unit value)."), "error")
        return redirect(url_for("equipment.item_detail", id=item.id))
    lots.merge_items(item, other)
    db.session.commit()
    return saved(url_for("equipment.item_detail", id=item.id),
                 _("The rows were merged: %(item)s now holds %(num)s.", item=item.description,
                   num=fmt_number(item.quantity)))


@bp.post("/equipment/<int:id>/restore")
@requires("equipment.restore", load=EquipmentItem)
def item_restore(item: EquipmentItem):
    if item.condition != LIQUIDATED:
        abort(409)
    form = RestoreForm()
    if not form.validate_on_submit():
        return _item_page(item, status=422, restore_form=form)
    if form.is_stale(item):
        form.form_errors.append(str(CONFLICT))
        return _item_page(item, status=409, restore_form=form)
    refuse_if_locked(item, form.occurred_on.data)
    event = EquipmentEvent(item=item, kind="restore", occurred_on=form.occurred_on.data,
                           description=form.description.data, old_condition=LIQUIDATED,
                           new_condition=form.condition.data, recorded_by_id=current_user.id)
    item.condition = form.condition.data
    db.session.add(event)
    audit.record("restore", item, before={"condition": LIQUIDATED}, after={"condition": item.condition},
                 unit_id=item.point.commune_id)
    db.session.commit()
    return saved(url_for("equipment.item_detail", id=item.id),
                 _("%(item)s was restored to the register.", item=item.description))


# --- Deleting what was entered by mistake ----------------------------------------------------------------
# Who may: app.access ("equipment.delete", "equipment.delete_event"). While an approved period covers the
# record: 423, nothing changed. The audit event keeps the values deleted.

EVENT_FIELDS = ("item_id", "occurred_on", "kind", "cost", "description", "old_condition", "new_condition",
                "stock_take_id", "recorded_by_id")


def _item_days(item: EquipmentItem) -> list:
    """The days an item is part of the figures of: its receipt, its entry into the register and every event
    (a stock-take confirmation too). An approved period among them covers it."""
    return [item.received_on, local_day(item.created_at), *(event.occurred_on for event in item.events)]


def _item_refusal(item: EquipmentItem) -> str | None:
    if item.condition == LIQUIDATED:
        # A liquidated asset stays on the record; a liquidation that was a mistake is undone by a restore.
        return _("%(item)s is liquidated and stays on the record of assets. If the liquidation was a mistake, "
                 "province staff restore the item first.", item=item.description)
    if liquidation.in_any_proposal(item.id):
        return _("%(item)s is part of a liquidation proposal and stays on the record of assets.",
                 item=item.description)
    return None


@bp.route("/equipment/<int:id>/delete", methods=["GET", "POST"])
@requires("equipment.delete", load=EquipmentItem)
def item_delete(item: EquipmentItem):
    """An item and its whole history go together (its events, stock-take confirmations included: the
    stock-take stays as it was completed)."""

    def delete():
        before = {**audit.snapshot(item, ITEM_FIELDS),
                  "events": [audit.snapshot(event, EVENT_FIELDS) for event in item.events]}
        audit.record("delete", item, before=before, unit_id=item.point.commune_id)
        lots.detach(item)  # rows split off it keep their place in the lot
        db.session.delete(item)  # its events with it (ORM cascade)
        return _("%(item)s was deleted from the register.", item=item.description)

    return confirm_delete(item, "equipment/item_delete.html", refusal=lambda: _item_refusal(item),
                          covered=lambda: [(item, _item_days(item))], delete=delete,
                          location=url_for("equipment.register", id=item.point_id), item=item)


def _changes_condition(event: EquipmentEvent) -> bool:
    return bool(event.old_condition and event.new_condition and event.old_condition != event.new_condition)


def _event_refusal(event: EquipmentEvent) -> str | None:
    item = event.item
    if event.kind == "stocktake":
        return _("A stock-take confirmation belongs to its stock-take and cannot be deleted.")
    if event.kind == "liquidation":
        return _("A liquidation cannot be deleted. If it was a mistake or was cancelled, province staff restore "
                 "the item, giving the reason.")
    if event.kind not in RECORDABLE_KINDS:
        return _("A restore cannot be deleted. If it was a mistake, record the liquidation again.")
    if _changes_condition(event):
        # Only the change that gave the item its present condition can be undone.
        latest = max((e for e in item.events if _changes_condition(e)), key=lambda e: e.id)
        if latest.id != event.id or item.condition != event.new_condition:
            return _("A later entry changed the condition of %(item)s again: delete that one first.",
                     item=item.description)
    elif item.condition == LIQUIDATED:
        return _("%(item)s is liquidated. Restore it before changing it.", item=item.description)
    return None


@bp.route("/equipment/events/<int:id>/delete", methods=["GET", "POST"])
@requires("equipment.delete_event", load=EquipmentEvent)
def event_delete(event: EquipmentEvent):
    """An event that changed the item's condition gives the item back the condition it had before."""
    item = event.item

    def covered():
        return [(item, [event.occurred_on, *([today_local()] if _changes_condition(event) else [])])]

    def delete():
        audit.record("delete", event, before=audit.snapshot(event, EVENT_FIELDS), unit_id=item.point.commune_id)
        if _changes_condition(event):
            audit.record("update", item, before={"condition": item.condition},
                         after={"condition": event.old_condition}, unit_id=item.point.commune_id)
            item.condition = event.old_condition
        db.session.delete(event)
        return _("The entry of %(date)s (%(kind)s) was deleted.", date=fmt_date(event.occurred_on),
                 kind=event.kind_label)

    return confirm_delete(event, "equipment/event_delete.html", refusal=lambda: _event_refusal(event),
                          covered=covered, delete=delete, also=(item,),
                          location=url_for("equipment.item_detail", id=item.id) + "#history",
                          event=event, item=item, reverts=_changes_condition(event))


# --- Stock-take -------------------------------------------------------------------------

@bp.get("/points/<int:id>/stocktake")
@requires("equipment.view", load=LibraryPoint)
def stocktake(point: LibraryPoint):
    current = queries.open_stocktake(point.id)
    return render("equipment/stocktake.html", point=point, items=queries.active_items(point.id), current=current,
                  confirmed=queries.confirmed_ids(current), last=queries.last_complete_stocktake(point.id),
                  findings=stocktakes.findings(current), form=EmptyForm())


@bp.post("/points/<int:id>/stocktake")
@requires("equipment.edit", load=LibraryPoint)
def stocktake_start(point: LibraryPoint):
    if not EmptyForm().validate_on_submit():
        abort(400)
    refuse_if_locked(point, today_local())
    if queries.open_stocktake(point.id) is None:
        started = StockTake(point=point, started_on=today_local(), started_by_id=current_user.id)
        db.session.add(started)
        audit.record("stocktake_start", started, unit_id=point.commune_id)
        db.session.commit()
    return redirect(url_for("equipment.stocktake", id=point.id))


@bp.post("/equipment/<int:id>/stocktake")
@requires("equipment.edit", load=EquipmentItem)
def stocktake_confirm(item: EquipmentItem):
    """One tap: this item is here, in the condition the register says."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if item.condition == LIQUIDATED:
        return _liquidated_refusal(item)
    refuse_if_locked(item, today_local())
    point = item.point
    current = stocktakes.current_or_new(point, current_user.id)
    stocktakes.record_finding(item, current, current_user.id)
    completed = stocktakes.complete_if_done(current, point)
    db.session.commit()
    if completed is not None:
        flash(_("Stock-take complete: all %(num)d items confirmed.", num=completed), "success")
    elif back_to():  # from the item's phone page (its label's QR code), which shows no stock-take row
        flash(_("%(item)s is confirmed in the stock-take.", item=item.description), "success")
    return saved(back_to() or url_for("equipment.stocktake", id=point.id), None,
                 "equipment/_partials/_stocktake_row.html",
                 item=item, is_confirmed=True, finding=stocktakes.findings(current).get(item.id),
                 trigger="stocktake-changed", form=EmptyForm())


FINDING_PAGE = "equipment/stocktake_finding.html"


@bp.route("/equipment/<int:id>/stocktake/finding", methods=["GET", "POST"])
@requires("equipment.edit", load=EquipmentItem)
def stocktake_finding(item: EquipmentItem):
    """The item is not there as the register says: not found, in another condition, or in another number."""
    if item.condition == LIQUIDATED:
        return _liquidated_refusal(item)
    current = queries.open_stocktake(item.point_id)
    finding = stocktakes.findings(current).get(item.id)
    if request.method == "GET":
        return render(FINDING_PAGE, item=item, finding=finding, form=StocktakeFindingForm(formdata=None))
    form = StocktakeFindingForm()
    form.condition_now, form.quantity_now = item.condition, item.quantity
    if not form.validate_on_submit():
        return render(FINDING_PAGE, item=item, finding=finding, form=form, status=422)
    if form.is_stale(item):
        form.form_errors.append(str(CONFLICT))
        return render(FINDING_PAGE, item=item, finding=finding, form=form, status=409)
    if finding is not None:
        form.form_errors.append(_("This stock-take already has a finding for %(item)s.", item=item.description))
        return render(FINDING_PAGE, item=item, finding=finding, form=form, status=409)
    refuse_if_locked(item, today_local())
    point = item.point
    current = stocktakes.current_or_new(point, current_user.id)
    event = stocktakes.record_finding(item, current, current_user.id, form.outcome.data,
                                      condition=form.new_condition.data or None, quantity=form.found_quantity.data,
                                      description=form.description.data or "")
    completed = stocktakes.complete_if_done(current, point)
    db.session.commit()
    if completed is not None:
        flash(_("Stock-take complete: all %(num)d items confirmed.", num=completed), "success")
    return saved(url_for("equipment.stocktake", id=point.id) + f"#stocktake-{item.id}",
                 _("Recorded for %(item)s: %(finding)s.", item=item.description, finding=event.outcome_label))


@bp.get("/provinces/<int:id>/stocktake-differences")
@requires("equipment.differences", load=Unit)
def stocktake_differences(province: Unit):
    """Per commune of the province, what each point's latest stock-take found different from the register."""
    if province.kind != PROVINCE:
        abort(404)
    rows = stocktakes.differences(province.id)
    by_commune = {}
    for row in rows:
        by_commune.setdefault(row["commune"], []).append(row)
    return render("equipment/stocktake_differences.html", province=province, by_commune=by_commune)


# --- Import ----------------------------------------------------------------------------

imports.add_routes(bp, EquipmentImporter(), LibraryPoint,
                   template=("/equipment/import-template.xlsx", "equipment.template"),
                   upload=("/points/<int:id>/equipment/import", "equipment.edit"),
                   confirm=("/equipment/imports/<int:id>", "equipment.import"))


# --- Export -------------------------------------------------------------------------------

def _export(fmt: str, filename: str, point_ids):
    if fmt == "xlsx":
        return workbook_response(f"{filename}.xlsx", workbook_sheets(point_ids))
    if fmt == "csv":
        return csv_response(f"{filename}.csv", export_headers(), export_rows(point_ids))
    abort(404)


@bp.get("/points/<int:id>/equipment/export.<fmt>")
@requires("equipment.view", load=LibraryPoint)
def export_point(point: LibraryPoint, fmt: str):
    return _export(fmt, f"thiet-bi-diem-{point.id}-{today_local():%Y%m%d}",
                   point_ids(point))


@bp.get("/communes/<int:id>/equipment/export.<fmt>")
@requires("equipment.view", load=Unit)
def export_commune(commune: Unit, fmt: str):
    if commune.kind != COMMUNE:
        abort(404)
    return _export(fmt, f"thiet-bi-xa-{commune.code}-{today_local():%Y%m%d}",
                   commune_point_ids(commune))


@bp.get("/provinces/<int:id>/equipment/export.<fmt>")
@requires("equipment.export_province", load=Unit)
def export_province(province: Unit, fmt: str):
    if province.kind != PROVINCE:
        abort(404)
    return _export(fmt, f"thiet-bi-tinh-{province.code}-{today_local():%Y%m%d}",
                   province_point_ids(province.id, current_user))


# The blueprint's other route modules (liquidation by decision; wear and end of life; the label sheet and
# /a/<code>; maintenance schedules) join it here.
from app.equipment import labels as _labels  # noqa: E402,F401
from app.equipment import liquidation_routes, wear_routes  # noqa: E402,F401
from app.equipment import maintenance as _maintenance  # noqa: E402,F401
