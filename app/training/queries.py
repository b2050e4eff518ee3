"""Session lists, a session's counts, and the coverage roll-ups the province
dashboard uses.

Every roll-up is one aggregate query per table with GROUP BY; none loops in
Python over rows to query again. "Trained" means present at a session; a
person counts for the commune they come from (Attendance.commune_id), which is
the session's commune unless the trainer said otherwise: the province library
often trains people of several communes in one place.
"""
from datetime import date

from sqlalchemy import Integer, case, cast, exists, extract, func, select
from sqlalchemy.orm import joinedload

from app.access import visible_units
from app.extensions import db
from app.formatting import fold, vi_sorted
from app.training.models import FEMALE, MALE, TOPICS, Attendance, TrainingSession
from app.units.models import COMMUNE, Unit

PAGE_SIZE = 50


def filtered_sessions(user, commune_id=None, topic=None, start=None, end=None, organiser=None):
    """A select over the sessions `user` may see, with the list's filters.
    A session is in [start, end] when it overlaps it."""
    query = select(TrainingSession).where(TrainingSession.commune_id.in_(visible_units(user)))
    if commune_id:
        query = query.where(TrainingSession.commune_id == commune_id)
    if topic:
        query = query.where(TrainingSession.topic == topic)
    if start:
        query = query.where(TrainingSession.end_date >= start)
    if end:
        query = query.where(TrainingSession.start_date <= end)
    if organiser:
        # Case and accents do not matter ("dai hoc" finds "Đại học"): SQLite's lower() knows
        # only ASCII, so the few distinct organisers are matched folded, in one query.
        wanted = fold(organiser)
        names = db.session.scalars(select(TrainingSession.organiser).distinct().where(
            TrainingSession.commune_id.in_(visible_units(user))))
        query = query.where(TrainingSession.organiser.in_([n for n in names if wanted in fold(n)]))
    return query


def page_of(query, page: int):
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, page), pages)
    sessions = db.session.scalars(
        query.options(joinedload(TrainingSession.commune))
        .order_by(TrainingSession.start_date.desc(), TrainingSession.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return sessions, page, pages, total


def attendee_counts(session_ids) -> dict[int, tuple[int, int]]:
    """{session id: (present, registered)} for a page of sessions, in one query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, func.sum(case((Attendance.present, 1), else_=0)), func.count())
        .where(Attendance.session_id.in_(session_ids)).group_by(Attendance.session_id)
    ).all()
    return {r[0]: (int(r[1] or 0), int(r[2])) for r in rows}


def session_counts(session_id: int) -> dict:
    """Present / absent by gender for one session."""
    rows = db.session.execute(
        select(Attendance.present, Attendance.gender, func.count())
        .where(Attendance.session_id == session_id).group_by(Attendance.present, Attendance.gender)
    ).all()
    counts = {(p, g): 0 for p in (True, False) for g in (MALE, FEMALE)}
    for present, gender, n in rows:
        counts[(bool(present), gender)] = n
    out = {
        "present": {MALE: counts[(True, MALE)], FEMALE: counts[(True, FEMALE)]},
        "absent": {MALE: counts[(False, MALE)], FEMALE: counts[(False, FEMALE)]},
    }
    for key in ("present", "absent"):
        out[key]["total"] = out[key][MALE] + out[key][FEMALE]
    out["total"] = {g: out["present"][g] + out["absent"][g] for g in (MALE, FEMALE, "total")}
    return out


# --- Coverage roll-ups ---------------------------------------------------------------

def _year(column):
    return cast(extract("year", column), Integer)


def _session_filters(start=None, end=None, topic=None, year=None):
    conditions = []
    if start:
        conditions.append(TrainingSession.start_date >= start)
    if end:
        conditions.append(TrainingSession.start_date <= end)
    if topic:
        conditions.append(TrainingSession.topic == topic)
    if year:
        conditions.append(TrainingSession.start_date >= date(year, 1, 1))
        conditions.append(TrainingSession.start_date <= date(year, 12, 31))
    return conditions


def _communes_of(province_id):
    return select(Unit.id).where(Unit.parent_id == province_id, Unit.kind == COMMUNE)


def sessions_by_commune(province_id: int, start=None, end=None, topic=None) -> dict[int, int]:
    """{commune id: sessions held there} (sessions starting in [start, end])."""
    rows = db.session.execute(
        select(TrainingSession.commune_id, func.count())
        .where(TrainingSession.commune_id.in_(_communes_of(province_id)), *_session_filters(start, end, topic))
        .group_by(TrainingSession.commune_id)
    ).all()
    return {r[0]: r[1] for r in rows}


def trained_by_commune(province_id: int, start=None, end=None, topic=None) -> dict[int, dict]:
    """{commune id: {"trained", "male", "female"}}: people present, by the commune they come from."""
    rows = db.session.execute(
        select(Attendance.commune_id, func.count(),
               func.sum(case((Attendance.gender == MALE, 1), else_=0)),
               func.sum(case((Attendance.gender == FEMALE, 1), else_=0)))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.present.is_(True), Attendance.commune_id.in_(_communes_of(province_id)),
               *_session_filters(start, end, topic))
        .group_by(Attendance.commune_id)
    ).all()
    return {r[0]: {"trained": r[1], "male": int(r[2] or 0), "female": int(r[3] or 0)} for r in rows}


def trainings_by_commune(province_id: int, start=None, end=None, topic=None) -> list[dict]:
    """Every commune of the province, by name: sessions held and people trained
    (male, female), zero where nothing happened. Three queries, one per table."""
    communes = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.parent_id == province_id, Unit.kind == COMMUNE).order_by(Unit.name)
    ).all()
    held = sessions_by_commune(province_id, start, end, topic)
    trained = trained_by_commune(province_id, start, end, topic)
    empty = {"trained": 0, "male": 0, "female": 0}
    return [{"commune_id": cid, "commune": name, "sessions": held.get(cid, 0), **trained.get(cid, empty)}
            for cid, name in communes]


def trained_breakdown(province_id: int, topic=None, year=None) -> list[tuple]:
    """[(topic, year, gender, people present)] over the province's communes (by
    where the people come from): one GROUP BY the page sums as it needs."""
    year_col = _year(TrainingSession.start_date)
    return [tuple(r) for r in db.session.execute(
        select(TrainingSession.topic, year_col, Attendance.gender, func.count())
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.present.is_(True), Attendance.commune_id.in_(_communes_of(province_id)),
               *_session_filters(topic=topic, year=year))
        .group_by(TrainingSession.topic, year_col, Attendance.gender)
        .order_by(year_col, TrainingSession.topic)
    ).all()]


def sessions_breakdown(province_id: int, topic=None, year=None) -> list[tuple]:
    """[(topic, year, sessions held in the province)]."""
    year_col = _year(TrainingSession.start_date)
    return [tuple(r) for r in db.session.execute(
        select(TrainingSession.topic, year_col, func.count())
        .where(TrainingSession.commune_id.in_(_communes_of(province_id)), *_session_filters(topic=topic, year=year))
        .group_by(TrainingSession.topic, year_col)
    ).all()]


def untrained_communes(province_id: int, topic=None, year=None) -> list[Unit]:
    """The communes of the province from which nobody was present at a session
    (of `topic`, in `year`, when given), by name."""
    trained = (
        select(Attendance.id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.commune_id == Unit.id, Attendance.present.is_(True),
               *_session_filters(topic=topic, year=year))
    )
    return db.session.scalars(
        select(Unit).where(Unit.parent_id == province_id, Unit.kind == COMMUNE, ~exists(trained.correlate(Unit)))
        .order_by(Unit.name)
    ).all()


def session_years(province_id: int) -> list[int]:
    """Years with sessions in the province, newest first (for the year filter)."""
    year_col = _year(TrainingSession.start_date)
    return list(db.session.scalars(
        select(year_col).where(TrainingSession.commune_id.in_(_communes_of(province_id)))
        .group_by(year_col).order_by(year_col.desc())
    ))


def duplicate_keys(session_id: int, keys, exclude_id=None) -> set[str]:
    """Which of the folded names `keys` are already in the session."""
    keys = [k for k in keys if k]
    if not keys:
        return set()
    query = select(Attendance.name_key).where(Attendance.session_id == session_id, Attendance.name_key.in_(keys))
    if exclude_id:
        query = query.where(Attendance.id != exclude_id)
    return set(db.session.scalars(query))


def commune_by_month(commune_id: int, start: date, end: date) -> dict[tuple[int, int], dict]:
    """{(year, month): {"sessions", "trained"}} for one commune: sessions held
    there and its people present, by the month the session started. Two GROUP BYs."""
    year, month = _year(TrainingSession.start_date), cast(extract("month", TrainingSession.start_date), Integer)
    in_range = (TrainingSession.start_date >= start, TrainingSession.start_date <= end)
    out: dict[tuple[int, int], dict] = {}
    for y, m, n in db.session.execute(
        select(year, month, func.count()).where(TrainingSession.commune_id == commune_id, *in_range)
        .group_by(year, month)
    ):
        out.setdefault((int(y), int(m)), {"sessions": 0, "trained": 0})["sessions"] = n
    for y, m, n in db.session.execute(
        select(year, month, func.count()).select_from(Attendance)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.commune_id == commune_id, Attendance.present.is_(True), *in_range)
        .group_by(year, month)
    ):
        out.setdefault((int(y), int(m)), {"sessions": 0, "trained": 0})["trained"] = n
    return out


def commune_names(province_id: int | None) -> list[tuple[int, str]]:
    """(id, name) of the communes of a province (of every province for None), by name."""
    query = select(Unit.id, Unit.name).where(Unit.kind == COMMUNE).order_by(Unit.name)
    if province_id is not None:
        query = query.where(Unit.parent_id == province_id)
    return vi_sorted((tuple(row) for row in db.session.execute(query)), key=lambda row: row[1])


def attendees_of(training_id: int) -> list[Attendance]:
    """A session's list, in the order people were added, with their communes."""
    return db.session.scalars(select(Attendance).where(Attendance.session_id == training_id)
                              .options(joinedload(Attendance.commune)).order_by(Attendance.id)).all()


def coverage(province_id: int, topic=None, year=None) -> dict:
    """The coverage page of a province (of `topic`, in `year`, when given):
    sessions and people trained per commune, per topic and per year (by gender),
    the totals, the communes nobody came from, and the years with sessions.
    One aggregate query per figure; the per-topic and per-year sums are folded here."""
    start, end = (date(year, 1, 1), date(year, 12, 31)) if year else (None, None)
    people = trained_breakdown(province_id, topic, year)
    sessions = sessions_breakdown(province_id, topic, year)

    def empty():
        return {"sessions": 0, "trained": 0, MALE: 0, FEMALE: 0}

    by_topic = {key: empty() for key in TOPICS}
    by_year: dict[int, dict] = {}
    for t, y, n in sessions:
        by_topic[t]["sessions"] += n
        by_year.setdefault(y, empty())["sessions"] += n
    for t, y, g, n in people:
        for bucket in (by_topic[t], by_year.setdefault(y, empty())):
            bucket["trained"] += n
            bucket[g] += n
    totals = {"sessions": sum(r[2] for r in sessions), "trained": sum(r[3] for r in people),
              MALE: sum(r[3] for r in people if r[2] == MALE), FEMALE: sum(r[3] for r in people if r[2] == FEMALE)}
    return {"by_commune": trainings_by_commune(province_id, start, end, topic), "by_topic": by_topic,
            "by_year": dict(sorted(by_year.items())), "totals": totals,
            "untrained": untrained_communes(province_id, topic, year), "years": session_years(province_id)}


def first_sessions_attended(commune_ids, topics, until: date) -> dict[int, tuple[date, int, str]]:
    """{commune id: (end date, session id, title)} of the earliest session of
    `topics` that ended by `until` and at which someone of the commune was
    present (by the commune they come from), for the communes `commune_ids` (a
    list or an id select). The earliest is the first to end (then the lowest id).
    One query: the sessions ranked per commune over ix_attendance_commune_session."""
    rank = func.row_number().over(partition_by=Attendance.commune_id,
                                  order_by=(TrainingSession.end_date, TrainingSession.id)).label("rank")
    ranked = (
        select(Attendance.commune_id, TrainingSession.end_date, TrainingSession.id, TrainingSession.title, rank)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.commune_id.in_(commune_ids), Attendance.present.is_(True),
               TrainingSession.topic.in_(topics), TrainingSession.end_date <= until)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.commune_id, ranked.c.end_date, ranked.c.id, ranked.c.title).where(ranked.c.rank == 1))
    return {commune_id: (day, session_id, title) for commune_id, day, session_id, title in rows}
