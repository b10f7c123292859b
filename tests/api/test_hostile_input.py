"""Hostile bodies, fields and parameters on /api/v1: always a JSON 4xx that names the problem.

Each case here was a 500, an HTML page or a silent misread before (the NUL cases were a
DataError 500 on PostgreSQL and stored as given on SQLite).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(JSON), response.content[:300]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "field"}
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def _event(**over: Any) -> dict[str, Any]:
    event = {
        "id": "e1",
        "type": "post.created",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"post_id": "p1", "account_id": "a1", "text": "hello"},
    }
    return {**event, **over}


def _report(**subject: Any) -> dict[str, Any]:
    return {
        "idempotency_key": "k1",
        "subject": {"type": "post", "id": "p1", **subject},
        "path": [{"step": "start", "option": "x"}],
    }


@pytest.fixture
def bank(api: Client) -> str:
    r = api.post("/api/v1/banks", {"name": "known"}, content_type=JSON)
    assert r.status_code == 201, r.content
    return "known"


# --- nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/lookup", "/api/v1/banks"])
def test_json_nested_100k_deep_is_a_422_not_a_recursion_error(api: Client, path: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    err = _error(api.post(path, deep, content_type=JSON), 422)
    assert err["code"] == "too_deep"


def test_nesting_past_the_limit_names_where_it_was_crossed(api: Client) -> None:
    from shieldwall.core.bodies import MAX_JSON_DEPTH

    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    err = _error(api.post("/api/v1/lookup", {"md5": "0" * 32, "x": nested}, JSON), 422)
    assert err["code"] == "too_deep"
    assert err["field"] == "x" + ".0" * (MAX_JSON_DEPTH - 1)


def test_nesting_within_the_limit_is_read(api: Client) -> None:
    from shieldwall.core.bodies import MAX_JSON_DEPTH

    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    r = api.post("/api/v1/lookup", {"md5": "0" * 32, "x": nested}, JSON)
    assert r.status_code == 200, r.content


# --- types --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [["x"], {}, 5, None])
def test_event_type_that_is_not_a_string_is_a_422(api: Client, kind: Any) -> None:
    err = _error(api.post("/api/v1/events", _event(type=kind), JSON), 422)
    assert err["field"] == "type"


def test_event_type_in_a_batch_names_its_event(api: Client) -> None:
    body = {"events": [_event(), _event(id="e2", type={})]}
    assert _error(api.post("/api/v1/events", body, JSON), 422)["field"] == "events.1.type"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/banks", {"name": "b", "pdq_threshold": False}, "pdq_threshold"),
        ("/api/v1/banks", {"name": "b", "enabled": 1}, "enabled"),
        ("/api/v1/banks", {"name": "b", "video_query_pct": "50"}, "video_query_pct"),
        ("/api/v1/lookup", {"pdq_quality": True, "md5": "0" * 32}, "pdq_quality"),
        ("/api/v1/lookup", {"vpdq": [{"second": False, "pdq": "0" * 64, "quality": 1}]}, None),
    ],
)
def test_booleans_and_strings_are_not_numbers(
    api: Client, path: str, body: dict[str, Any], field: str | None
) -> None:
    err = _error(api.post(path, body, JSON), 422)
    if field:
        assert err["field"] == field
    else:
        assert err["field"].startswith("vpdq.0")


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "5"])
def test_a_body_that_is_not_an_object_is_refused(api: Client, bank: str, body: str) -> None:
    # ninja's schemas read attributes: a list used to pass as an empty patch (200).
    err = _error(api.patch(f"/api/v1/banks/{bank}", body, content_type=JSON), 422)
    assert err["message"] == "body: must be a JSON object"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_json_does_not_have_are_refused(api: Client, number: str) -> None:
    body = '{"md5": "' + "0" * 32 + '", "x": ' + number + "}"
    err = _error(api.post("/api/v1/lookup", body, content_type=JSON), 400)
    assert err["code"] == "malformed_request"


# --- times --------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_times_that_overflow_in_utc_are_a_422(api: Client, when: str) -> None:
    err = _error(api.post("/api/v1/events", _event(occurred_at=when), JSON), 422)
    assert err["field"] == "occurred_at"
    assert "out of range" in err["message"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            {
                "type": "post.created",
                "data": {"post_id": "p", "account_id": "a", "created_at": "9999-12-31T23:59-01:00"},
            },
            "data.created_at",
        ),
        (
            {
                "type": "account.created",
                "data": {"account_id": "a", "handle": "h", "created_at": "0001-01-01T00:00+01:00"},
            },
            "data.created_at",
        ),
    ],
)
def test_every_time_field_refuses_overflow(api: Client, event: dict[str, Any], field: str) -> None:
    err = _error(api.post("/api/v1/events", _event(**event), JSON), 422)
    assert err["field"] == field


# --- NUL characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_event(id="e\x001"), "id"),
        (_event(data={"post_id": "p1", "account_id": "a1", "text": "a\x00b"}), "data.text"),
        (
            {"events": [_event(), _event(id="e2", data={"post_id": "\x00"})]},
            "events.1.data.post_id",
        ),
        (_event(**{"extra\x00key": 1}), "extra\\u0000key"),
    ],
)
def test_nul_in_an_event_is_a_422_naming_the_field(
    api: Client, body: dict[str, Any], field: str
) -> None:
    err = _error(api.post("/api/v1/events", body, JSON), 422)
    assert err["code"] == "nul_character"
    assert err["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_report(id="p\x001"), "subject.id"),
        (_report(handle="\x00"), "subject.handle"),
        ({**_report(), "fields": {"context": "a\x00"}}, "fields.context"),
        ({**_report(), "idempotency_key": "k\x00"}, "idempotency_key"),
    ],
)
def test_nul_in_a_report_is_a_422_naming_the_field(
    api: Client, body: dict[str, Any], field: str
) -> None:
    err = _error(api.post("/api/v1/reports", body, JSON), 422)
    assert (err["code"], err["field"]) == ("nul_character", field)


def test_nul_in_a_bank_note_is_a_422(api: Client, bank: str) -> None:
    body = {"hashes": [{"signal_type": "md5", "value": "0" * 32, "note": "a\x00b"}]}
    err = _error(api.post(f"/api/v1/banks/{bank}/hashes", body, JSON), 422)
    assert (err["code"], err["field"]) == ("nul_character", "hashes.0.note")
    assert api.get(f"/api/v1/banks/{bank}").json()["entry_counts"] == {}


def test_nul_in_a_form_field_is_a_422(api: Client, bank: str) -> None:
    upload = SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))
    err = _error(api.post(f"/api/v1/banks/{bank}/media", {"media": upload, "note": "\x00"}), 422)
    assert (err["code"], err["field"]) == ("nul_character", "note")
    upload = SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))
    err = _error(api.post("/api/v1/scan", {"media": upload, "media_id": "m\x00"}), 422)
    assert (err["code"], err["field"]) == ("nul_character", "media_id")


def test_nul_in_an_imported_hash_list_is_a_422(api: Client, bank: str) -> None:
    csv = SimpleUploadedFile("list.csv", b"signal_type,value,note\nmd5," + b"0" * 32 + b",a\x00b\n")
    err = _error(api.post(f"/api/v1/banks/{bank}/import", {"file": csv}), 422)
    assert (err["code"], err["field"]) == ("nul_character", "file")


def test_nul_in_a_query_parameter_is_a_422(api: Client) -> None:
    err = _error(api.get("/api/v1/actions", {"after": "a\x00"}), 422)
    assert (err["code"], err["field"]) == ("nul_character", "after")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/banks/a%00b", "name"),
        ("/api/v1/reports/r%00", "report_id"),
        ("/api/v1/banks/known/external/x%00", "external_id"),
    ],
)
def test_nul_in_a_path_parameter_is_a_422(api: Client, bank: str, url: str, field: str) -> None:
    err = _error(api.get(url) if "external" not in url else api.delete(url), 422)
    assert (err["code"], err["field"]) == ("nul_character", field)


# --- multipart, fields, sizes -------------------------------------------------------------


def test_multipart_without_a_boundary_is_a_json_400(api: Client) -> None:
    r = api.post("/api/v1/scan", b"garbage", content_type="multipart/form-data")
    assert _error(r, 400)["code"] == "malformed_multipart"


def test_multipart_with_a_broken_body_is_a_json_4xx(api: Client) -> None:
    r = api.post(
        "/api/v1/scan",
        b"--zzz\r\nno headers here",
        content_type="multipart/form-data; boundary=zzz",
    )
    assert r.status_code in (400, 422)
    _error(r, r.status_code)


def test_over_1000_form_fields_is_a_json_413(api: Client) -> None:
    fields = "&".join(f"f{i}=1" for i in range(1001))
    r = api.post("/api/v1/scan", fields, content_type="application/x-www-form-urlencoded")
    assert _error(r, 413)["code"] == "too_many_fields"
    many = {f"f{i}": "1" for i in range(1001)}
    many["media"] = SimpleUploadedFile("a.jpg", jpeg(photo("coffee")))  # type: ignore[assignment]
    assert _error(api.post("/api/v1/scan", many), 413)["code"] == "too_many_fields"
    query = {f"q{i}": "1" for i in range(1001)}
    assert _error(api.get("/api/v1/actions", query), 413)["code"] == "too_many_fields"


def test_over_100_files_is_a_json_413(api: Client) -> None:
    files = {f"f{i}": SimpleUploadedFile(f"{i}.jpg", b"x") for i in range(101)}
    assert _error(api.post("/api/v1/scan", files), 413)["code"] == "too_many_files"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/lookup", {"md5": "0" * 32, "pad": "x" * (11 * 1024 * 1024)}),
        (
            "/api/v1/banks/known/hashes",
            {"hashes": [{"signal_type": "md5", "value": "x" * 11_000_000}]},
        ),
        ("/api/v1/events", _event(data={"pad": "x" * (11 * 1024 * 1024)})),
    ],
)
def test_json_over_10_mb_is_a_json_413(
    api: Client, bank: str, path: str, body: dict[str, Any]
) -> None:
    err = _error(api.post(path, json.dumps(body), content_type=JSON), 413)
    assert err["code"] == "too_large"


# --- the shape of every other error -------------------------------------------------------


def test_a_method_the_path_does_not_allow_is_a_json_405(api: Client) -> None:
    r = api.put("/api/v1/lookup", "{}", content_type=JSON)
    err = _error(r, 405)
    assert err["code"] == "method_not_allowed"
    assert r["Allow"] == "POST"


def test_a_failure_inside_a_route_is_a_json_500(
    api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shieldwall.matching import services

    def broken(**_: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "lookup_hashes", broken)
    client = Client(headers={"Authorization": f"Bearer {api_key}"}, raise_request_exception=False)
    err = _error(client.post("/api/v1/lookup", {"md5": "0" * 32}, JSON), 500)
    assert err["code"] == "internal_error"
    assert "a bug" not in err["message"]


def test_a_bad_host_header_on_the_api_is_a_json_400(api: Client) -> None:
    err = _error(api.get("/api/v1/banks", headers={"host": "evil.example"}), 400)
    assert err["code"] == "bad_request"


def test_staff_pages_keep_their_html_errors() -> None:
    r = Client().get("/report", headers={"host": "evil.example"})
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")


def test_every_operation_documents_its_errors_in_the_one_shape() -> None:
    from shieldwall.openapi import render

    doc = json.loads(render())
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            for status in ("400", "401", "403", "413", "422"):
                schema = declared[status]["content"]["application/json"]["schema"]
                assert schema == ref, (method, path, status)
            if "{" in path:
                assert "404" in declared, (method, path)
    export = doc["paths"]["/api/v1/banks/{name}/export"]["get"]["responses"]["200"]
    assert list(export["content"]) == ["text/csv"]
    assert "409" in doc["paths"]["/api/v1/banks"]["post"]["responses"]


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "abc", "1e3"])
def test_a_page_size_out_of_its_documented_range_is_a_422(
    api: Client, bank: str, limit: str
) -> None:
    # It used to be clamped silently, so the document's "integer" allowed any.
    err = _error(api.get(f"/api/v1/banks/{bank}/entries", {"limit": limit}), 422)
    assert err["field"] == "limit"
