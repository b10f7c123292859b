"""The whole /api/v1, fuzzed from its committed OpenAPI document with Schemathesis.

Every operation gets its documented examples, Schemathesis's coverage cases (boundary values,
wrong types, missing fields, unsupported methods) and property-based cases valid and invalid
by the schema, sent in-process through the real WSGI application (every middleware, ninja,
the services, the database of the run: SQLite or PostgreSQL). Bounded and derandomised, so CI
is fast and a failure reproduces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from shieldwall.wsgi import application
from tests.api.conftest import FUZZ_COUNTS

DOC = Path(__file__).parents[2] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_dict(json.loads(DOC.read_text()))
schema.app = application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
]

pytestmark = pytest.mark.django_db

# Schemathesis builds some cases (its coverage phase) while collecting, before any test has a
# database or a key: the auth provider marks where the platform's key goes, and each call puts
# the running test's key there. Cases that test a missing or bad key keep what they were given.
KEY_MARK = "Bearer sw_key_of_the_running_test"


@schema.auth(refresh_interval=None)
class PlatformKey:
    """Where the platform's bearer key goes."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return KEY_MARK

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture(autouse=True)
def _one_connection_per_test() -> Iterator[None]:
    """Requests run on the test's connection and transaction, as with Django's test client."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _bank_named_0(api: Client) -> None:
    """Generated path parameters start from "0": a bank of that name lets the cases reach
    what is behind the lookup (entries, hashes, notes) instead of stopping at a 404."""
    r = api.post("/api/v1/banks", {"name": "0"}, content_type="application/json")
    assert r.status_code == 201, r.content
    hashes = [
        {"signal_type": "md5", "value": "0" * 32, "external_id": "0"},
        {"signal_type": "sha256", "value": "0" * 64, "note": "seed"},
        {"signal_type": "pdq", "value": "f" * 64},
    ]
    r = api.post("/api/v1/banks/0/hashes", {"hashes": hashes}, content_type="application/json")
    assert r.status_code == 201, r.content


def assert_api_answer(status: int, content_type: str, body: bytes) -> None:
    """No 5xx; every error is JSON in the one shape {"error": {"code", "message", "field"?}}."""
    assert status < 500, body[:500]
    if status < 400:
        return
    assert content_type.startswith("application/json"), (status, content_type, body[:200])
    error: Any = json.loads(body)["error"]
    assert set(error) <= {"code", "message", "field"}, error
    assert isinstance(error["code"], str), error
    assert error["code"]
    assert isinstance(error["message"], str), error
    assert error["message"]
    assert isinstance(error.get("field", ""), str), error


@schema.parametrize()
@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_answers_without_5xx_and_errors_in_json(
    case: schemathesis.Case, api_key: str
) -> None:
    if case.headers and case.headers.get("Authorization") == KEY_MARK:
        case.headers["Authorization"] = f"Bearer {api_key}"
    checks = CHECKS
    if case.media_type == "multipart/form-data":
        # A form field is text on the wire: the integer Schemathesis puts in a string field as
        # a "schema-violating" value arrives as valid text, so this check cannot apply.
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    response = case.call_and_validate(checks=checks)
    FUZZ_COUNTS[(case.operation.label, response.status_code)] += 1
    assert_api_answer(
        response.status_code, response.headers.get("content-type", [""])[0], response.content
    )
