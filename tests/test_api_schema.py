"""The OpenAPI document of /api/v1/: valid OpenAPI 3.1, naming every route of
the API, and — driven by it — no call schemathesis makes with a valid token
gets a server error or an answer the document does not describe."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance

from tests.api_support import bearer, make_token


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")  # public: no token needed, and no data in it
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_document_names_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = {rule.rule.removeprefix("/api/v1").replace("<int:id>", "{id}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert routes == set(document["paths"])
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path
        operation = operations["get"]
        if path != "/openapi.json":
            assert {"200", "400", "401", "429"} <= set(operation["responses"]), path
        if "{id}" in path:
            assert "404" in operation["responses"], path
    assert set(document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]) >= {
        "invalid_token", "not_found", "rate_limited", "bad_period"}


@pytest.fixture
def api_token(app, world):
    from tests.factories import make_point

    app.config.update(API_RATE_LIMIT=10**6)  # schemathesis calls fast; the limit is tested in test_api_tokens.py
    with app.app_context():  # a few more objects, so some generated ids name rows of the province
        from app.extensions import db
        from app.units.models import Unit

        for n in range(3):
            make_point(db.session.get(Unit, world.commune_a.id), name=f"Điểm {n}")
        db.session.commit()
    return make_token(app, world.province_staff_p.id, world.province_p.id)


def test_the_api_answers_as_documented(app, api_token):
    """Every operation, a bounded number of generated calls each (schemathesis's pytest loader does not run
    under this pytest, so each operation's strategy is driven by hypothesis here)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every route but the document itself (which schemathesis leaves out of the operations it tests).
    assert {o.label for o in operations} == {f"GET {path}" for path in schema.raw_schema["paths"]} - {
        "GET /openapi.json"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def calls(case):
            # Left out: "schema-valid data accepted". A period's parts depend on each other (a quarter is 1-4,
            # a number needs its year, a period must have begun): the document says so in words, a schema cannot,
            # and such a period is rightly a 400 bad_period (tests/test_api.py).
            # Identity: the test client, unlike an HTTP client, does not undo the app's compression.
            case.call_and_validate(headers={**bearer(api_token), "Accept-Encoding": "identity"},
                                   excluded_checks=[positive_data_acceptance])

        calls()
