"""Liquidation by decision (Decree 151/2017/NĐ-CP on managing public assets, as amended).

The steps the decree sets out: the unit proposes (đề nghị thanh lý), the competent authority
decides (quyết định: number, date, issuing body), a council carries it out and writes the minutes
(biên bản: date, council members, proceeds). Here: the commune's librarian proposes items of a
point, each with a quantity; province staff of the province approve (recording the decision) or
refuse; the minutes are recorded by them or by the librarian, and only then are the items
liquidated, each with a liquidation event that its proposal line points to.

States: proposed → approved → liquidated; or refused; or withdrawn by the librarian while proposed.
An item is in at most one open proposal (proposed or approved): a partial unique index says so in
the database, the rules below say so in words.
"""
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload

from app.audit import models as audit
from app.equipment import lots
from app.equipment.models import LIQUIDATED, EquipmentEvent, EquipmentItem, _in
from app.extensions import db
from app.models_base import TimestampMixin, UTCDateTime, VersionMixin, utcnow
from app.units.models import LibraryPoint, Unit
from app.users.models import User

PROPOSED, APPROVED, REFUSED, WITHDRAWN, DONE = "proposed", "approved", "refused", "withdrawn", "liquidated"
STATES = {
    PROPOSED: _l("Proposed, awaiting the decision"),
    APPROVED: _l("Approved, awaiting the minutes"),
    REFUSED: _l("Refused"),
    WITHDRAWN: _l("Withdrawn"),
    DONE: _l("Liquidated"),
}
OPEN_STATES = (PROPOSED, APPROVED)


class LiquidationProposal(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "liquidation_proposal"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint("proceeds IS NULL OR proceeds >= 0", name="proceeds_not_negative"),
        Index("ix_liquidation_proposal_point_state", "point_id", "state"),
        Index("ix_liquidation_proposal_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("library_point.id"))
    state: Mapped[str] = mapped_column(String(12), default=PROPOSED)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The province's answer: a comment either way; on approval the decision itself.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    decision_number: Mapped[str] = mapped_column(String(50), default="")
    decision_date: Mapped[date | None]
    decision_issuer: Mapped[str] = mapped_column(String(200), default="")
    # The minutes of the council that carried it out.
    minutes_date: Mapped[date | None]
    council: Mapped[str] = mapped_column(Text, default="")
    proceeds: Mapped[int | None]
    minutes_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    point: Mapped[LibraryPoint] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    minutes_by: Mapped[User | None] = relationship(foreign_keys=[minutes_by_id])
    lines: Mapped[list["LiquidationLine"]] = relationship(back_populates="proposal", order_by="LiquidationLine.id",
                                                          cascade="all, delete-orphan")

    @property
    def access_parent(self):
        return self.point

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def state_label(self) -> str:
        return str(STATES.get(self.state, self.state))

    def __str__(self) -> str:
        return _("Liquidation proposal no. %(number)d", number=self.id)


class LiquidationLine(db.Model):
    """One item of a proposal and the quantity proposed. `event_id` is the liquidation event
    recorded with the minutes (its item is the item itself, or the lot split off it)."""

    __tablename__ = "liquidation_line"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_liquidation_line_proposal", "proposal_id"),
        # An item is in at most one open proposal.
        Index("uq_liquidation_line_open_item", "item_id", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("liquidation_proposal.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id"))
    quantity: Mapped[int]
    is_open: Mapped[bool] = mapped_column(default=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_event.id"))

    proposal: Mapped[LiquidationProposal] = relationship(back_populates="lines")
    item: Mapped[EquipmentItem] = relationship()
    event: Mapped[EquipmentEvent | None] = relationship()

    @property
    def access_parent(self):
        return self.proposal

    @property
    def partial(self) -> bool:
        return self.quantity < self.item.quantity


class Refusal(Exception):
    """A step the proposal's state or its items forbid; the message says why."""


PROPOSAL_FIELDS = ("point_id", "reason", "evidence")
DECISION_FIELDS = ("decision_number", "decision_date", "decision_issuer", "comment")
MINUTES_FIELDS = ("minutes_date", "council", "proceeds")



# --- Reading ---------------------------------------------------------------------------------------

def open_line_of(item_id: int) -> LiquidationLine | None:
    """The line of the open proposal an item is in, if any."""
    return db.session.scalar(select(LiquidationLine).where(LiquidationLine.item_id == item_id,
                                                           LiquidationLine.is_open.is_(True)))


def in_any_proposal(item_id: int) -> bool:
    """Whether an item is named by a proposal, open or closed (it then stays on the record)."""
    return db.session.scalar(select(LiquidationLine.id).where(LiquidationLine.item_id == item_id).limit(1)) is not None


def proposable_items(point_id: int) -> list[EquipmentItem]:
    """The point's items that may be proposed: not liquidated, in no open proposal."""
    in_open = select(LiquidationLine.item_id).where(LiquidationLine.is_open.is_(True))
    return db.session.scalars(
        select(EquipmentItem).where(EquipmentItem.point_id == point_id, EquipmentItem.condition != LIQUIDATED,
                                    EquipmentItem.id.not_in(in_open))
        .order_by(EquipmentItem.category, EquipmentItem.description, EquipmentItem.id)).all()


# What a list of proposals shows of each (app/templates/equipment/liquidation/_proposals_table.html): loaded
# with the proposals, not one query per row.
_LISTED = (selectinload(LiquidationProposal.lines).joinedload(LiquidationLine.item),
           joinedload(LiquidationProposal.point).joinedload(LibraryPoint.commune))


def proposals_of_point(point_id: int) -> list[LiquidationProposal]:
    """A point's proposals, newest first (index ix_liquidation_proposal_point_state)."""
    return db.session.scalars(select(LiquidationProposal).where(LiquidationProposal.point_id == point_id)
                              .options(*_LISTED)
                              .order_by(LiquidationProposal.created_at.desc(), LiquidationProposal.id.desc())).all()


def province_queue(province_id: int) -> dict[str, list[LiquidationProposal]]:
    """The open proposals of a province's points, oldest first: {PROPOSED: awaiting the decision,
    APPROVED: awaiting the minutes}. One query, and one for their lines."""
    rows = db.session.scalars(
        select(LiquidationProposal).join(LibraryPoint, LibraryPoint.id == LiquidationProposal.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province_id, LiquidationProposal.state.in_(OPEN_STATES))
        .options(*_LISTED)
        .order_by(LiquidationProposal.created_at, LiquidationProposal.id)).all()
    return {state: [p for p in rows if p.state == state] for state in OPEN_STATES}


# --- The rules -------------------------------------------------------------------------------------

def check_quantity(item: EquipmentItem, quantity) -> str | None:
    """Why `quantity` of `item` cannot be proposed, or None."""
    if quantity is None or quantity < 1 or quantity > item.quantity:
        return _("Enter a quantity from 1 to %(max)d for %(item)s.", max=item.quantity, item=item.description)
    return None


def propose(point: LibraryPoint, lines: list[tuple[EquipmentItem, int]], *, reason: str, evidence: str,
            user) -> LiquidationProposal:
    """A new proposal of `lines` [(item, quantity)], audited. Refusal when an item is not the point's,
    is liquidated, is in another open proposal, or its quantity is out of range."""
    if not lines:
        raise Refusal(_("Choose at least one item and its quantity."))
    for item, quantity in lines:
        if item.point_id != point.id or item.condition == LIQUIDATED:
            raise Refusal(_("%(item)s cannot be proposed for liquidation.", item=item.description))
        if open_line_of(item.id) is not None:
            raise Refusal(_("%(item)s is already in an open liquidation proposal.", item=item.description))
        message = check_quantity(item, quantity)
        if message:
            raise Refusal(message)
    proposal = LiquidationProposal(point=point, reason=reason.strip(), evidence=(evidence or "").strip(),
                                   proposed_by_id=user.id, state=PROPOSED)
    proposal.lines = [LiquidationLine(item=item, quantity=quantity) for item, quantity in lines]
    db.session.add(proposal)
    audit.record("propose_liquidation", proposal, after={**audit.snapshot(proposal, PROPOSAL_FIELDS),
                                                         "item_ids": [item.id for item, _q in lines]},
                 unit_id=point.commune_id)
    for line in proposal.lines:
        audit.record("create", line, after={"item_id": line.item_id, "quantity": line.quantity},
                     unit_id=point.commune_id)
    return proposal


def require_state(proposal: LiquidationProposal, state: str) -> None:
    if proposal.state != state:
        raise Refusal(_("This proposal is now “%(state)s”: that step is no longer possible.",
                        state=proposal.state_label))


def _close(proposal: LiquidationProposal, state: str) -> None:
    proposal.state = state
    proposal.closed_at = utcnow()
    for line in proposal.lines:
        line.is_open = False


def withdraw(proposal: LiquidationProposal) -> None:
    require_state(proposal, PROPOSED)
    _close(proposal, WITHDRAWN)
    audit.record("withdraw_liquidation", proposal, unit_id=proposal.point.commune_id)


def decide(proposal: LiquidationProposal, approve: bool, *, user, comment: str = "", number: str = "",
           decided_on: date | None = None, issuer: str = "") -> None:
    """Approve (recording the decision) or refuse (the items stay as they are)."""
    require_state(proposal, PROPOSED)
    proposal.decided_by_id, proposal.decided_at = user.id, utcnow()
    proposal.comment = (comment or "").strip()
    if approve:
        proposal.decision_number, proposal.decision_date = number.strip(), decided_on
        proposal.decision_issuer = issuer.strip()
        proposal.state = APPROVED
    else:
        _close(proposal, REFUSED)
    audit.record("approve_liquidation" if approve else "refuse_liquidation", proposal,
                 after=audit.snapshot(proposal, DECISION_FIELDS), unit_id=proposal.point.commune_id)


def record_minutes(proposal: LiquidationProposal, *, user, minutes_date: date, council: str,
                   proceeds: int) -> None:
    """The council's minutes: every item of the proposal is liquidated now, in this transaction."""
    require_state(proposal, APPROVED)
    if proposal.decision_date and minutes_date < proposal.decision_date:
        raise Refusal(_("The minutes cannot be dated before the decision (%(date)s).",
                        date=proposal.decision_date.strftime("%d/%m/%Y")))
    for line in proposal.lines:
        item = line.item
        if item.condition == LIQUIDATED or line.quantity > item.quantity:
            raise Refusal(_("%(item)s has changed since the proposal (now %(quantity)d, %(condition)s): "
                            "the proposal cannot be carried out as decided.", item=item.description,
                            quantity=item.quantity, condition=item.condition_label))
    proposal.minutes_date, proposal.council, proposal.proceeds = minutes_date, council.strip(), proceeds
    proposal.minutes_by_id = user.id
    note = _("Liquidated by decision %(number)s of %(date)s (%(issuer)s), minutes of %(minutes)s.",
             number=proposal.decision_number, issuer=proposal.decision_issuer,
             date=proposal.decision_date.strftime("%d/%m/%Y") if proposal.decision_date else "—",
             minutes=minutes_date.strftime("%d/%m/%Y"))
    for line in proposal.lines:
        _target, line.event = liquidate_quantity(line.item, line.quantity, occurred_on=minutes_date,
                                                 description=note, user=user)
    _close(proposal, DONE)
    audit.record("record_minutes", proposal, after=audit.snapshot(proposal, MINUTES_FIELDS),
                 unit_id=proposal.point.commune_id)


def liquidate_quantity(item: EquipmentItem, quantity: int, *, occurred_on: date, description: str,
                       user) -> tuple[EquipmentItem, EquipmentEvent]:
    """Liquidate `quantity` of `item`: the whole item when it is all of it; else the part is split off
    the lot (app.equipment.lots.split_item: a new row linked to its origin, the item keeping the rest)
    and that row is liquidated. One liquidation event on the row liquidated, audited; the caller commits."""
    if not 1 <= quantity <= item.quantity:
        raise Refusal(check_quantity(item, quantity))
    commune_id = item.point.commune_id
    target = item if quantity == item.quantity else lots.split_item(item, quantity)
    old = target.condition
    target.condition = LIQUIDATED
    event = EquipmentEvent(item=target, kind="liquidation", occurred_on=occurred_on, description=description,
                           old_condition=old, new_condition=LIQUIDATED, recorded_by_id=user.id)
    db.session.add(event)
    audit.record("liquidate", target, before={"condition": old}, after={"condition": LIQUIDATED},
                 unit_id=commune_id)
    return target, event
