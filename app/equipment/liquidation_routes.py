"""Routes of liquidation by decision: propose, decide, record the minutes, withdraw; a point's
proposals and the province's queue. The rules live in app.equipment.liquidation; who may do what
in app.access ("liquidation.*")."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import params
from app.access import province_arg, province_for_page, requires
from app.deleting import Refused
from app.editing import CONFLICT
from app.equipment import bp
from app.equipment import liquidation as rules
from app.equipment.liquidation import LiquidationProposal, Refusal
from app.equipment.liquidation_forms import DecisionForm, MinutesForm, ProposalForm
from app.equipment.models import EquipmentItem
from app.extensions import db
from app.formatting import today_local
from app.forms_base import VersionedForm
from app.htmx import render, render_form_errors, saved
from app.numbers import NumberError, parse_whole
from app.reports.locks import refuse_if_locked
from app.units.models import LibraryPoint

PAGES = "equipment/liquidation/"


# --- A point's proposals ------------------------------------------------------------------------

@bp.get("/points/<int:id>/liquidations")
@requires("liquidation.view", load=LibraryPoint)
def liquidations(point: LibraryPoint):
    return render(PAGES + "point_list.html", point=point, proposals=rules.proposals_of_point(point.id))


def _read_lines(items: list[EquipmentItem]) -> tuple[list[tuple[EquipmentItem, int]], dict[int, str]]:
    """The (item, quantity) pairs of the form's `qty-<id>` fields (an empty field: not proposed),
    and the errors by item id."""
    lines, errors = [], {}
    for item in items:
        raw = (request.form.get(f"qty-{item.id}") or "").strip()
        if not raw:
            continue
        try:
            quantity = parse_whole(raw)
        except NumberError as error:
            errors[item.id] = str(error)
            continue
        message = rules.check_quantity(item, quantity)
        if message:
            errors[item.id] = message
        else:
            lines.append((item, quantity))
    return lines, errors


@bp.route("/points/<int:id>/liquidations/new", methods=["GET", "POST"])
@requires("liquidation.propose", load=LibraryPoint)
def liquidation_new(point: LibraryPoint):
    form = ProposalForm()
    items = rules.proposable_items(point.id)
    page = {"point": point, "items": items, "form": form}
    if request.method == "GET":
        chosen = params.row_id(request.args.get("item"))
        values = {item.id: str(item.quantity) for item in items if item.id == chosen}
        return render(PAGES + "new.html", values=values, errors={}, **page)
    values = {item.id: request.form.get(f"qty-{item.id}", "") for item in items}
    lines, errors = _read_lines(items)
    valid = form.validate_on_submit()
    if not lines and not errors:
        form.form_errors.append(_("Choose at least one item and its quantity."))
    if not valid or errors or not lines:
        return render_form_errors(PAGES + "new.html", values=values, errors=errors, **page)
    try:
        proposal = rules.propose(point, lines, reason=form.reason.data, evidence=form.evidence.data,
                                 user=current_user)
        db.session.commit()
    except (Refusal, IntegrityError) as refusal:  # IntegrityError: another proposal took an item meanwhile
        db.session.rollback()
        form.form_errors.append(str(refusal) if isinstance(refusal, Refusal)
                                else _("One of these items was proposed by someone else meanwhile."))
        page["items"] = rules.proposable_items(point.id)
        return render(PAGES + "new.html", status=409, values=values, errors={}, **page)
    return saved(url_for("equipment.liquidation_detail", id=proposal.id),
                 _("The liquidation proposal was sent to the province."))


# --- One proposal ---------------------------------------------------------------------------------

def _detail(proposal: LiquidationProposal, status: int = 200, **posted):
    """The proposal's page, with the form that was posted (its errors) and the others fresh."""
    forms = {"decision_form": DecisionForm(formdata=None),
             "minutes_form": MinutesForm(formdata=None, minutes_date=today_local()),
             "withdraw_form": VersionedForm(formdata=None), **posted}
    return render(PAGES + "detail.html", status=status, proposal=proposal, **forms)


@bp.get("/liquidations/<int:id>")
@requires("liquidation.view", load=LiquidationProposal)
def liquidation_detail(proposal: LiquidationProposal):
    return _detail(proposal)


def _step(proposal: LiquidationProposal, form, key: str, state: str, do, message: str):
    """One step of a proposal, posted from its page: the state must allow it (409 with why, nothing
    changed), the form must be valid (422) and not stale (409); then `do()`, one commit."""
    page_forms = {key: form}
    try:
        rules.require_state(proposal, state)
    except Refusal as refusal:
        raise Refused(str(refusal)) from None
    if not form.validate_on_submit():
        return _detail(proposal, status=422, **page_forms)
    if form.is_stale(proposal):
        form.form_errors.append(str(CONFLICT))
        return _detail(proposal, status=409, **page_forms)
    try:
        do()
    except Refusal as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal))
        return _detail(proposal, status=409, **page_forms)
    db.session.commit()
    return saved(url_for("equipment.liquidation_detail", id=proposal.id), message)


@bp.post("/liquidations/<int:id>/decide")
@requires("liquidation.decide", load=LiquidationProposal)
def liquidation_decide(proposal: LiquidationProposal):
    form = DecisionForm()

    def do():
        rules.decide(proposal, form.outcome.data == "approve", user=current_user, comment=form.comment.data,
                     number=form.decision_number.data or "", decided_on=form.decision_date.data,
                     issuer=form.decision_issuer.data or "")

    message = (_("The proposal was approved. Record the minutes once the council has met.")
               if form.outcome.data == "approve" else _("The proposal was refused."))
    return _step(proposal, form, "decision_form", rules.PROPOSED, do, message)


@bp.post("/liquidations/<int:id>/minutes")
@requires("liquidation.minutes", load=LiquidationProposal)
def liquidation_minutes(proposal: LiquidationProposal):
    form = MinutesForm()

    def do():
        refuse_if_locked(proposal, form.minutes_date.data)
        rules.record_minutes(proposal, user=current_user, minutes_date=form.minutes_date.data,
                             council=form.council.data, proceeds=form.proceeds.data)

    return _step(proposal, form, "minutes_form", rules.APPROVED, do,
                 _("The minutes were recorded: the items are liquidated."))


@bp.post("/liquidations/<int:id>/withdraw")
@requires("liquidation.withdraw", load=LiquidationProposal)
def liquidation_withdraw(proposal: LiquidationProposal):
    form = VersionedForm()

    def do():
        rules.withdraw(proposal)

    return _step(proposal, form, "withdraw_form", rules.PROPOSED, do, _("The proposal was withdrawn."))


# --- The province's queue -------------------------------------------------------------------------

@bp.get("/province/liquidations")
@requires("liquidation.queue")
def liquidation_queue():
    province = province_for_page(current_user)
    return render(PAGES + "queue.html", province=province, queue=rules.province_queue(province.id),
                  province_arg=province_arg(current_user, province))
