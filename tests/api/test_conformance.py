"""schemathesis against the API's own served OpenAPI document: every operation, a bounded
number of generated requests each, no 5xx and no answer that breaks the document."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.contest import build_contest, move_to

schemathesis.checks.load_all_checks()


CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_conforms(app, db):
    """Each operation of the served document, 20 generated requests; (schemathesis' own
    pytest plugin does not run under this pytest, so the operations are walked here)."""
    contest = build_contest(year=2041)
    move_to(contest, "announced")  # every resource has data to show
    db.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def conforms(case):
            case.call_and_validate(checks=CHECKS)

        conforms()
