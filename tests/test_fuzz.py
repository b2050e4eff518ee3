"""No input gives a 5xx: every route of app.url_map, as every role, with
generated values in every query and form value the route reads.

Which values a route reads is found, not listed: the request's MultiDicts
record every name looked up (request.args, request.form, and the forms built
on them), on a first plain request as an administrator. Then Hypothesis sends
huge numbers, superscript and full-width digits, control characters, far
dates, long strings and empty values in those names (form posts with a valid
CSRF token), and in the URL's own numbers. Small and reproducible: a few
derandomized examples per route, run as each role.
"""
import io
from datetime import date
from urllib.parse import parse_qsl

import pytest
from flask import Request
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from tests.conftest import csrf_token, login
from tests.test_access_matrix import MATRIX, ROLES, url_for_case

EXAMPLES = 5  # generated per route, each sent as every role (after the explicit KILLERS)

READ: set[str] = set()  # names looked up by the request being recorded


class _RecordingDict(ImmutableMultiDict):
    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READ.add(key)
        return super().getlist(key, type)


class RecordingRequest(Request):
    parameter_storage_class = _RecordingDict


NASTY = [
    "", " ", "0", "-1", "1", "00", "1e20", "99999999999999999999", "9223372036854775808", "2147483648",
    "-99999999999999999999", "1.5", "nan", "inf", "²", "³²", "１２", "٣", "৭", "0x10", "1_000", "+5",
    "\x00", "\x1f", "a\x00b", "\u202e", "'; DROP TABLE unit; --", "<script>", "%", "%%s", "{}", "[]",
    "0001-01-01", "9999-12-31", "1899-12-31", "2026-02-30", "2026-13-01", "31/12/9999", "01/01/0001",
    "99999999999-1", "2026-99", "-2026-01", "2026-1e9", "x" * 5000, "9" * 400, "reading:children",
    "reading:", ":children", "all", "desc", "csv", "xlsx", "month", "quarter", "year", "on", "y",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/") + str(d.year), f"{d.year}-{d.month}"])),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
)
PATH_NUMBERS = st.sampled_from([0, 1, 13, 2**31, 2**63, 10**20, 99999999999])

SKIP = {"static", "users.logout"}  # a file server; logging out ends the walk's session


def _cases(app):
    targets = {endpoint: target for endpoint, _method, target in MATRIX}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, targets.get(rule.endpoint)


def _case_ids():
    from app import create_app
    from config import TestConfig

    return [(e, m) for e, m, _t in _cases(create_app(TestConfig))]


def _send(client, method, url, values, token):
    path, _, query = url.partition("?")
    query = {**dict(parse_qsl(query)), **values}
    if method == "GET":
        return client.get(path, query_string=query)
    data = {**values, "csrf_token": token}
    if "file" in data:  # an upload: the value is the second line of a .csv file
        data["file"] = (io.BytesIO(f"a,b\n{values['file']}\n".encode("utf-8", "replace")), "tep.csv")
    return client.post(path, query_string=query, data=data)


# Sent in every name a route reads, each as one explicit example, before the generated ones.
KILLERS = ["99999999999999999999", "1e20", "²", "１２", "\x00", "0001-01-01", "9999-12-31", "99999999999-1",
           "x" * 5000]


@pytest.fixture(scope="module")
def walker(_schema):
    """One app, one world and one logged-in client per role for the whole walk
    (building them per route would be most of its time). Posts change the
    world as the walk goes on; that is fine for a test that only looks for 5xx."""
    from app import create_app
    from app.extensions import db
    from config import TestConfig
    from tests.conftest import empty_tables
    from tests.factories import World

    app = create_app(TestConfig)
    app.request_class = RecordingRequest
    with app.app_context():
        empty_tables()
        world = World.build()
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, getattr(world, role).name).status_code == 303
        clients[role] = (client, csrf_token(client, "/login"))
    yield app, world, clients
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()


@pytest.mark.parametrize("case", _case_ids(), ids=lambda c: f"{c[0]}-{c[1]}")
def test_no_server_error(walker, case):
    app, world, clients = walker
    endpoint, method = case
    target = {(e, m): t for e, m, t in _cases(app)}[case]
    rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint))
    with app.app_context():
        own = url_for_case(app, endpoint, target if target is None else target[0], world)

    READ.clear()
    admin, token = clients["admin"]
    first = _send(admin, method, own, {}, token)
    assert first.status_code < 500, (endpoint, method, first.status_code)
    names = sorted(READ - {"csrf_token"}) or ["page"]
    numbers = [name for name in rule.arguments if name in ("year", "month", "id")]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(values=st.dictionaries(st.sampled_from(names), VALUES, min_size=1),
           path=st.dictionaries(st.sampled_from(numbers or ["-"]), PATH_NUMBERS, max_size=1),
           roles=st.just(ROLES))
    def walk(values, path, roles):
        for role in roles:
            client, token = clients[role]
            url = own
            if path and numbers:
                (name, number), = path.items()
                url = _replace_number(app, endpoint, method, url, name, number)
            response = _send(client, method, url, values, token)
            assert response.status_code < 500, (endpoint, method, role, url, values, response.status_code)

    # The explicit examples go to the roles that get past the access check (the generated ones to all).
    expected = next((v for (e, _m, _t), v in MATRIX.items() if e == endpoint), {})
    allowed = tuple(role for role in ROLES
                    if (expected.get(role)[0] if isinstance(expected.get(role), tuple) else expected.get(role))
                    not in (403, "login")) or ("admin",)
    for value in KILLERS:
        walk = example(values=dict.fromkeys(names, value), path={}, roles=allowed)(walk)
    walk()


def _replace_number(app, endpoint, method, url, name, number):
    """The URL with one of its numbers (id, year, month) replaced."""
    adapter = app.url_map.bind("localhost")
    path, _, query = url.partition("?")
    _endpoint, arguments = adapter.match(path, method=method)
    arguments[name] = number
    new = adapter.build(endpoint, arguments)
    return new + ("?" + query if query else "")
