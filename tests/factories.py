"""Factories for tests: small, explicit units, points and users.

They need an app context and flush, so the new rows have ids; World commits
and keeps only (id, name) references, which outlive the context.
"""
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import count
from typing import NamedTuple

from werkzeug.security import generate_password_hash

from app.extensions import db
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.users.models import User

_seq = count(1)
PASSWORD = "thuvien2026"


@lru_cache
def password_hash(password: str) -> str:
    """A cheap hash for test users only: the suite logs in some 700 times, and
    each login with the production hash (scrypt, slow on purpose) costs a
    tenth of a second. check_password_hash reads the method from the hash, so
    the app verifies these as it verifies any other; passwords the app sets
    itself (app/users/models.py) stay scrypt, and a test checks that."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


def make_province(name="Tỉnh Thử", code=None) -> Unit:
    unit = Unit(code=code or f"p{next(_seq)}", name=name, kind=PROVINCE, division_type="tỉnh")
    db.session.add(unit)
    db.session.flush()
    return unit


def make_commune(province: Unit, name=None, code=None) -> Unit:
    n = next(_seq)
    unit = Unit(code=code or f"c{n:05d}", name=name or f"Xã Thử {n}", kind=COMMUNE, division_type="xã", parent=province)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_point(commune: Unit, name=None, **kwargs) -> LibraryPoint:
    point = LibraryPoint(commune=commune, name=name or f"Điểm thư viện {commune.name}", **kwargs)
    db.session.add(point)
    db.session.flush()
    return point


def make_user(role, unit=None, username=None, password=PASSWORD, **kwargs) -> User:
    user = User(username=username or f"{role}{next(_seq)}", full_name=kwargs.pop("full_name", "Người Thử"),
                role=role, unit=unit, password_hash=password_hash(password), **kwargs)
    db.session.add(user)
    db.session.flush()
    return user


class Ref(NamedTuple):
    id: int
    name: str


@dataclass
class World:
    """Two provinces: P (communes A and B) and Q (commune C), a point in each
    commune, and users of every role in each place."""

    province_p: Ref
    province_q: Ref
    commune_a: Ref
    commune_b: Ref
    commune_c: Ref
    point_a: Ref
    point_b: Ref
    point_c: Ref
    admin: Ref
    province_staff_p: Ref
    trainer_p: Ref
    librarian_a: Ref
    librarian_b: Ref
    province_staff_q: Ref
    trainer_q: Ref
    librarian_c: Ref

    @classmethod
    def build(cls) -> "World":
        p = make_province("Tỉnh P", code="91")
        q = make_province("Tỉnh Q", code="92")
        a, b, c = make_commune(p, "Xã A"), make_commune(p, "Xã B"), make_commune(q, "Xã C")
        objects = {
            "province_p": p, "province_q": q, "commune_a": a, "commune_b": b, "commune_c": c,
            "point_a": make_point(a), "point_b": make_point(b), "point_c": make_point(c),
            "admin": make_user("admin", None, "admin"),
            "province_staff_p": make_user("province", p, "province_p"),
            "trainer_p": make_user("trainer", p, "trainer_p"),
            "librarian_a": make_user("librarian", a, "librarian_a"),
            "librarian_b": make_user("librarian", b, "librarian_b"),
            "province_staff_q": make_user("province", q, "province_q"),
            "trainer_q": make_user("trainer", q, "trainer_q"),
            "librarian_c": make_user("librarian", c, "librarian_c"),
        }
        refs = {k: Ref(o.id, getattr(o, "username", None) or o.name) for k, o in objects.items()}
        db.session.commit()
        return cls(**refs)

    def names(self):
        return [f.name for f in fields(self)]
