"""The one place that decides who may do what to which object.

Routes declare what they need with @requires(action, load=Model); templates ask
the same `can(user, action, obj)`; lists go through the scoping helpers below,
so a list can never include rows of a unit the user may not see.

An object is judged by the unit it belongs to: object → library point →
commune → province (the shape of Indico's protection_parent walk).
"""
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import false, func, or_, select

from app import params
from app.extensions import db
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.users.models import ADMIN, LIBRARIAN, PROVINCE_STAFF, ROLES, TRAINER, SessionUser, User


def commune_of(obj) -> Unit | None:
    """The commune an object belongs to, walking up its parents."""
    if obj is None:
        return None
    if isinstance(obj, Unit):
        return obj if obj.kind == COMMUNE else None
    if isinstance(obj, LibraryPoint):
        return obj.commune
    if isinstance(obj, (User, SessionUser)):
        return obj.unit if obj.unit and obj.unit.kind == COMMUNE else None
    parent = getattr(obj, "access_parent", None)
    return commune_of(parent) if parent is not None else None


def commune_id_of(obj) -> int | None:
    """The id of commune_of(obj), read from a point's key where it can be
    (nothing loaded: the tally and the tap ask on every request)."""
    if isinstance(obj, LibraryPoint):
        return obj.commune_id
    commune = commune_of(obj)
    return commune.id if commune is not None else None


def province_id_of(obj) -> int | None:
    """The province an object belongs to, walking up its parents."""
    if obj is None:
        return None
    if isinstance(obj, (Unit, User, SessionUser)):
        return obj.province_id
    if isinstance(obj, LibraryPoint):
        return obj.commune.parent_id
    return province_id_of(getattr(obj, "access_parent", None))


def _in_own_province(user, obj) -> bool:
    return obj is not None and user.province_id is not None and province_id_of(obj) == user.province_id


def _in_own_commune(user, obj) -> bool:
    if user.role != LIBRARIAN:
        return False
    commune_id = commune_id_of(obj)
    return commune_id is not None and commune_id == user.unit_id


def _runs(user, obj) -> bool:
    """Whether `user` runs the training session `obj` belongs to (walking up
    from an attendance row or a batch to its session)."""
    while obj is not None and not hasattr(obj, "is_run_by"):
        obj = getattr(obj, "access_parent", None)
    return obj is not None and obj.is_run_by(user)


def _province_staff_of(user, obj) -> bool:
    return user.role == PROVINCE_STAFF and _in_own_province(user, obj)


def _may_delete_training(user, obj) -> bool:
    """A session entered by mistake is deleted by the trainer who created it
    (its author) or by province staff of its province; trainers merely listed
    on it may edit it and its list, not delete it."""
    if not _in_own_province(user, obj):
        return False
    return user.role == PROVINCE_STAFF or (user.role == TRAINER and getattr(obj, "created_by_id", None) == user.id)


def _may_edit_training(user, obj) -> bool:
    """Province staff correct any session of their province; a trainer edits
    the sessions they run, in their own province."""
    if not _in_own_province(user, obj):
        return False
    return user.role == PROVINCE_STAFF or (user.role == TRAINER and _runs(user, obj))


# action → function(user, obj) -> bool. Admins may do everything (see can()).
# Actions without an object (obj=None) ask "may this user use this page at all".
RULES = {
    "home.view": lambda u, o: True,
    # The home page's count of active users by role: province staff (their province), administrators.
    "home.users": lambda u, o: u.role == PROVINCE_STAFF,
    "account.edit": lambda u, o: True,
    # Library points: province staff manage their province's; a librarian reads their commune's.
    "points.list": lambda u, o: u.role in (PROVINCE_STAFF, LIBRARIAN),
    "points.view": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o))
    or _in_own_commune(u, o),
    "points.create": lambda u, o: u.role == PROVINCE_STAFF
    and (o is None or _in_own_province(u, o)),
    "points.edit": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # The digital-library checklist: the commune's librarian and province staff keep it.
    "points.checklist": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    "points.progress": lambda u, o: u.role == PROVINCE_STAFF,
    # Equipment: a librarian keeps their commune's register; province staff read their province's.
    "equipment.view": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o))
    or _in_own_commune(u, o),
    "equipment.edit": lambda u, o: _in_own_commune(u, o),
    # Deleting what was entered by mistake: an item by the commune's librarian (the register's keeper; an item
    # names no author, and a new librarian must be able to clean up a predecessor's register) or by province
    # staff of its province; an event by the librarian who recorded it (still of that commune) or province staff.
    # Routes also refuse while an approved period covers the record (app.reports.locks).
    "equipment.delete": lambda u, o: _in_own_commune(u, o) or _province_staff_of(u, o),
    "equipment.delete_event": lambda u, o: (_in_own_commune(u, o) and getattr(o, "recorded_by_id", None) == u.id)
    or _province_staff_of(u, o),
    # Restoring a liquidated item (a liquidation that was a mistake or was cancelled): province staff of its
    # province, with a reason; a librarian cannot undo a liquidation.
    "equipment.restore": lambda u, o: _province_staff_of(u, o),
    # Liquidation by decision (app.equipment.liquidation): the commune's librarian proposes and withdraws;
    # province staff of the province decide; the minutes are recorded by either; province staff follow a queue.
    "liquidation.view": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    "liquidation.propose": lambda u, o: _in_own_commune(u, o),
    "liquidation.withdraw": lambda u, o: _in_own_commune(u, o),
    "liquidation.decide": lambda u, o: _province_staff_of(u, o),
    "liquidation.minutes": lambda u, o: _province_staff_of(u, o) or _in_own_commune(u, o),
    "liquidation.queue": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "equipment.import": lambda u, o: _in_own_commune(u, o) and getattr(o, "user_id", u.id) == u.id,
    "equipment.template": lambda u, o: u.role == LIBRARIAN,
    "equipment.export_province": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # Wear: province staff set the useful life of each category for their province, and read the province's
    # list of items at the end of their life (a point's list is read by whoever reads its register).
    "equipment.wear_settings": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "equipment.end_of_life_province": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    # Stock-take differences (not found, another condition, another quantity): province staff follow them up.
    "equipment.differences": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # A label's QR code (/a/<asset code>): whoever reads registers, and then only the items they may read
    # (another commune's item is not found, not refused). Maintenance schedules: province staff set their
    # province's intervals and follow the communes behind; a commune's overdue items also for its librarian.
    "equipment.lookup": lambda u, o: u.role in (LIBRARIAN, PROVINCE_STAFF)
    and (o is None or (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o)),
    "maintenance.settings": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "maintenance.overview": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "maintenance.commune": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    # The equipment standard per point model: province staff of the province read and set it (with the
    # progress report's deadline and start date), follow the province's progress and print its report; a
    # point's gaps against it are read by whoever reads the point's register.
    "standard.view": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "standard.edit": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "standard.progress": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "standard.gaps": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    # Reader visits: a librarian counts their commune's (at active points); province
    # staff read their province's and set its growth target; trainers see none.
    "visits.view": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    "visits.edit": lambda u, o: _in_own_commune(u, o) and getattr(o, "active", True),
    "visits.tally": lambda u, o: u.role == LIBRARIAN,
    "visits.import": lambda u, o: _in_own_commune(u, o) and getattr(o, "user_id", u.id) == u.id and o.point.active,
    "visits.template": lambda u, o: u.role == LIBRARIAN,
    "visits.province": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "visits.set_target": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # Unusual counts (plausibility flags): province staff of the province follow them up, month by month.
    "visits.follow_up": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "visits.review": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # Period reports: the librarian submits their commune's; province staff of the
    # province approve, return, reopen and set deadlines; trainers see none.
    "reports.view": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    "reports.submit": lambda u, o: _in_own_commune(u, o),
    "reports.decide": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "reports.queue": lambda u, o: u.role == PROVINCE_STAFF,
    "reports.set_deadline": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "reports.settings": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # Shared resources: everyone reads their province's; province staff manage them.
    "resources.list": lambda u, o: True,
    "resources.manage": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # The audit trail: province staff read their province's, administrators everything.
    "audit.view": lambda u, o: u.role == PROVINCE_STAFF,
    # Training: trainers create and run sessions in their province; province staff read
    # and correct them; a librarian reads the sessions held in their commune.
    "training.list": lambda u, o: u.role in (TRAINER, PROVINCE_STAFF, LIBRARIAN),
    "training.view": lambda u, o: (u.role in (TRAINER, PROVINCE_STAFF) and _in_own_province(u, o))
    or _in_own_commune(u, o),
    "training.create": lambda u, o: u.role == TRAINER and (o is None or _in_own_province(u, o)),
    "training.edit": _may_edit_training,
    # Deleting a session entered by mistake: its author (the trainer who created it) or province staff.
    "training.delete": _may_delete_training,
    # Removing a person from a list: whoever keeps the list (the session's trainers, province staff).
    "training.delete_attendee": _may_edit_training,
    "training.import": lambda u, o: _may_edit_training(u, o) and getattr(o, "user_id", u.id) == u.id,
    "training.template": lambda u, o: u.role in (TRAINER, PROVINCE_STAFF),
    "training.coverage": lambda u, o: u.role in (TRAINER, PROVINCE_STAFF) and (o is None or _in_own_province(u, o)),
    # The province roll-up (dashboard, trends, exports, printable report): province
    # staff of the province; a commune's page also for that commune's librarian.
    "dashboard.province": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "dashboard.commune": lambda u, o: (u.role == PROVINCE_STAFF and _in_own_province(u, o)) or _in_own_commune(u, o),
    # DHIS2: province staff of the province keep its mapping and export its approved visits.
    "dhis2.view": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "dhis2.edit": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    "dhis2.export": lambda u, o: u.role == PROVINCE_STAFF and _in_own_province(u, o),
    # The read-only JSON API: province staff make, list and revoke their province's tokens; a token reads
    # what its creator may read, within the token's province (app.api.auth).
    "api.tokens": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    "api.read": lambda u, o: u.role == PROVINCE_STAFF and (o is None or _in_own_province(u, o)),
    # The national roll-up (every province): administrators only.
    "dashboard.national": lambda u, o: False,
    # Users and units: administrators only.
    "users.manage": lambda u, o: False,
    # Failed-login limits (accounts, addresses, devices) and lifting them.
    "users.throttles": lambda u, o: False,
    "units.view": lambda u, o: False,
    # Commune reorganisations (mergers, the mapping of pre-2025 names): administrators only.
    "units.reorg": lambda u, o: False,
    # Province-wide pages: an administrator picks the province; everyone else sees their own.
    "units.pick_province": lambda u, o: False,
}


def can(user, action: str, obj=None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.role == ADMIN:
        return True
    return bool(RULES[action](user, obj))


def requires(action: str, load=None, arg: str = "id"):
    """Route decorator: load `load` by the URL argument `arg` (404 when missing),
    check `can(current_user, action, obj)` (403 when refused), and pass the
    object to the view as its first argument, which the view names for what
    it is (`point`, `item`, `training`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            obj = None
            if load is not None:
                key = kwargs.pop(arg)
                obj = db.session.get(load, key) if _is_row_id(key) else None
                if obj is None:
                    abort(404)
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, action, obj):
                abort(403)
            if load is not None:
                return view(obj, *args, **kwargs)
            return view(*args, **kwargs)

        wrapped.access_action = action
        return wrapped

    return decorator


def _is_row_id(value) -> bool:
    return not isinstance(value, int) or params.is_row_id(value)


def public(view):
    """Mark a route as open to everyone (login page, health check)."""
    view.access_public = True
    return view


def visible_units(user):
    """Select of the ids of the communes whose records `user` may see."""
    q = select(Unit.id).where(Unit.kind == COMMUNE)
    if user.role == ADMIN:
        return q
    if user.role == LIBRARIAN:
        return q.where(Unit.id == user.unit_id)
    if user.role in (PROVINCE_STAFF, TRAINER):
        return q.where(Unit.parent_id == user.province_id)
    return q.where(false())


def scope_points(query, user):
    """Restrict a select over LibraryPoint to the points `user` may see."""
    return query.where(LibraryPoint.commune_id.in_(visible_units(user)))


def own_commune(user) -> Unit | None:
    """The commune whose records `user` keeps (a librarian's), or None."""
    return db.session.get(Unit, user.commune_id) if user.commune_id else None


def scope_to_province(query, unit_column, user):
    """Restrict `query` to rows whose `unit_column` names the user's province or
    one of its communes; an administrator's is left whole, and a user of no
    province sees none."""
    if user.role == ADMIN:
        return query
    if user.province_id is None:
        return query.where(false())
    return query.where(unit_column.in_(
        select(Unit.id).where(or_(Unit.id == user.province_id, Unit.parent_id == user.province_id))))


def users_by_role(user) -> list[tuple[str, int]]:
    """(role label, active users) for the roles `user` may count, within their
    province. Administrators belong to no province, so province staff see the
    other roles only; an administrator sees everyone."""
    query = select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
    counts = dict(db.session.execute(scope_to_province(query, User.unit_id, user)).all())
    roles = ROLES if user.role == ADMIN else {key: label for key, label in ROLES.items() if key != ADMIN}
    return [(str(label), counts.get(role, 0)) for role, label in roles.items()]


def pickable_provinces(user) -> list[Unit]:
    """The provinces `user` may choose between on a province-wide page, by
    name: every province for an administrator, none for anyone else."""
    if not can(user, "units.pick_province"):
        return []
    return db.session.scalars(select(Unit).where(Unit.kind == PROVINCE).order_by(Unit.name)).all()


def province_arg(user, province: Unit | None) -> int | None:
    """The province a page's links and forms carry: the chosen one for a user
    who picks provinces, None (left out of the URL) for everyone else."""
    return province.id if province is not None and can(user, "units.pick_province") else None


def province_in_scope(user, chosen_id=None) -> Unit | None:
    """The province a province-wide page shows: the user's own; an
    administrator's choice (`chosen_id`), or else the first province with communes."""
    if not can(user, "units.pick_province"):
        return db.session.get(Unit, user.province_id) if user.province_id else None
    chosen = db.session.get(Unit, chosen_id) if chosen_id and _is_row_id(chosen_id) else None
    if chosen is not None and chosen.kind == PROVINCE:
        return chosen
    return db.session.scalar(select(Unit).where(Unit.kind == PROVINCE, Unit.id.in_(
        select(Unit.parent_id).where(Unit.kind == COMMUNE))).order_by(Unit.name).limit(1))


def province_for_page(user, chosen_id=None) -> Unit:
    """The province a province-wide page shows (see province_in_scope), an
    administrator's choice read from the request's `province` value unless
    given; 404 when there is none."""
    from flask import request

    if chosen_id is None:
        chosen_id = params.row_id(request.values.get("province"))
    province = province_in_scope(user, chosen_id)
    if province is None:
        abort(404)
    return province


def requested_commune(user, commune_id):
    """A commune named in a form or query string, only if the user may see it."""
    if commune_id is None or not _is_row_id(commune_id):
        return None
    unit = db.session.get(Unit, commune_id)
    if unit is None or unit.kind != COMMUNE:
        return None
    allowed = db.session.scalar(visible_units(user).where(Unit.id == unit.id))
    return unit if allowed else None


def login_required_for(bp):
    """Every route of `bp` needs a logged-in user unless marked @public, so a
    forgotten decorator still keeps strangers out."""

    @bp.before_request
    def _require_login():
        from flask import current_app, request

        from app.extensions import login_manager

        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "access_public", False):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    return bp
