import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.photos import jpeg, photo

pytestmark = pytest.mark.django_db


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer sw_" + "x" * 43])
def test_unauthorised_callers_get_401_json(header: str | None) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    response = client.get("/api/v1/banks")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_key_is_refused(api: Client, api_key: str, actor) -> None:  # type: ignore[no-untyped-def]
    from shieldwall.core.apikeys import revoke_api_key

    assert api.get("/api/v1/banks").status_code == 200
    revoke_api_key(name="test-platform", actor=actor)
    assert api.get("/api/v1/banks").status_code == 401


def test_bank_lifecycle_over_the_api(api: Client) -> None:
    r = api.post(
        "/api/v1/banks",
        {"name": "removed", "kind": "custom", "action": "block"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["protected"] is False
    assert r.json()["pdq_threshold"] == 31
    r = api.post(
        "/api/v1/banks/removed/media",
        {"media": SimpleUploadedFile("a.jpg", jpeg(photo("chelsea")))},
    )
    assert r.status_code == 201, r.content
    variants = r.json()["variants"]
    assert r.json()["added"] == 3 + variants  # md5, sha256, pdq, and its near copies
    assert variants >= 45
    r = api.get("/api/v1/banks/removed")
    assert r.json()["entry_counts"] == {"md5": 1, "sha256": 1, "pdq": 1 + variants}
    r = api.patch("/api/v1/banks/removed", {"pdq_threshold": 20}, content_type="application/json")
    assert r.json()["pdq_threshold"] == 20
    entries = api.get("/api/v1/banks/removed/entries").json()
    assert [e["signal_type"] for e in entries[:3]] == ["md5", "sha256", "pdq"]
    assert {e["variant_of"] for e in entries[3:]} == {entries[2]["id"]}
    r = api.patch(
        f"/api/v1/banks/removed/entries/{entries[2]['id']}",
        {"enabled": False},
        content_type="application/json",
    )
    assert r.json()["enabled"] is False
    r = api.delete(f"/api/v1/banks/removed/entries/{entries[0]['id']}")
    assert r.json() == {"removed": 1}
    csv_text = b"".join(api.get("/api/v1/banks/removed/export").streaming_content).decode()
    assert csv_text.splitlines()[0] == "signal_type,value,note"
    assert len(csv_text.splitlines()) == 2  # the sha256 row; pdq disabled, md5 removed


def test_scan_blocks_banked_media_and_stores_platform_media(api: Client) -> None:
    from shieldwall.subjects.models import PlatformMedia

    api.post("/api/v1/banks", {"name": "known", "action": "block"}, content_type="application/json")
    api.post("/api/v1/banks/known/media", {"media": SimpleUploadedFile("a", jpeg(photo("coffee")))})
    r = api.post(
        "/api/v1/scan",
        {
            "media": SimpleUploadedFile("upload.png", jpeg(photo("coffee"), 70)),
            "media_id": "m-1",
            "post_id": "p-1",
            "account_id": "a-1",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["verdict"] == "block"
    assert body["matches"][0]["bank"] == "known"
    assert body["matches"][0]["signal_type"] == "pdq"
    assert body["hashes"]["media_type"] == "image"
    media = PlatformMedia.objects.get(media_id="m-1")
    assert (media.post_id, media.account_id, media.verdict) == ("p-1", "a-1", "block")
    assert media.pdq == body["hashes"]["pdq"]
    r = api.post("/api/v1/scan", {"media": SimpleUploadedFile("x.jpg", jpeg(photo("rocket")))})
    assert r.json()["verdict"] == "allow"


def test_lookup_by_hashes(api: Client) -> None:
    api.post(
        "/api/v1/banks", {"name": "known", "action": "review"}, content_type="application/json"
    )
    added = api.post(
        "/api/v1/banks/known/media", {"media": SimpleUploadedFile("a", jpeg(photo("astronaut")))}
    ).json()
    entries = api.get("/api/v1/banks/known/entries").json()
    pdq = next(e["value"] for e in entries if e["signal_type"] == "pdq")
    md5 = next(e["value"] for e in entries if e["signal_type"] == "md5")
    flipped = format(int(pdq, 16) ^ ((1 << 12) - 1), "064x")  # 12 bits away
    r = api.post("/api/v1/lookup", {"pdq": flipped}, content_type="application/json")
    assert r.json()["verdict"] == "review"
    assert r.json()["matches"][0]["distance"] == 12
    r = api.post("/api/v1/lookup", {"md5": md5.upper()}, content_type="application/json")
    assert r.json()["matches"][0]["signal_type"] == "md5"
    assert r.json()["matches"][0]["entry_id"] in added["entry_ids"]
    r = api.post("/api/v1/lookup", {}, content_type="application/json")
    assert r.status_code == 422
    assert _error(r)["code"] == "no_hashes"


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [
        ("/api/v1/banks", "{not json", 400, "malformed_request", None),
        ("/api/v1/banks", {"name": "UPPER"}, 422, "invalid_request", "name"),
        (
            "/api/v1/banks",
            {"name": "x", "pdq_threshold": 99},
            422,
            "invalid_request",
            "pdq_threshold",
        ),
        ("/api/v1/lookup", {"pdq": "xyz"}, 422, "invalid_request", "pdq"),
        (
            "/api/v1/banks/none/hashes",
            {"hashes": [{"signal_type": "pdq", "value": "0" * 64}]},
            404,
            "bank_not_found",
            None,
        ),
    ],
)
def test_malformed_requests_get_clear_json_errors(
    api: Client, path: str, body: object, status: int, code: str, field: str | None
) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    r = api.post(path, data, content_type="application/json")
    assert r.status_code == status, r.content
    err = _error(r)
    assert err["code"] == code
    assert err["message"]
    if field:
        assert err["field"] == field


def test_scan_without_media_field(api: Client) -> None:
    r = api.post("/api/v1/scan", {"media_id": "m"})
    assert r.status_code == 422
    assert _error(r)["field"] == "media"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"PK\x03\x04" + b"\x00" * 100, "unsupported_type"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "unsupported_type"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "corrupt"),
    ],
)
def test_hostile_uploads_get_422_with_a_code(api: Client, content: bytes, code: str) -> None:
    r = api.post("/api/v1/scan", {"media": SimpleUploadedFile("evil.jpg", content)})
    assert r.status_code == 422, r.content
    err = _error(r)
    assert err["code"] == code
    assert err["field"] == "media"
    assert "Traceback" not in err["message"]


def test_oversized_upload_is_413(api: Client, settings) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, max_upload_bytes=1000)
    r = api.post("/api/v1/scan", {"media": SimpleUploadedFile("big.jpg", jpeg(photo("coffee")))})
    assert r.status_code == 413
    assert _error(r)["code"] == "too_large"


def test_unknown_api_path_is_json_404(api: Client) -> None:
    r = api.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert _error(r)["code"] == "not_found"


def test_openapi_document_is_served_and_committed(api: Client) -> None:
    from pathlib import Path

    from shieldwall.openapi import render

    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert {"/api/v1/scan", "/api/v1/lookup", "/api/v1/banks"} <= set(served.json()["paths"])
    committed = Path(__file__).parents[2] / "docs" / "openapi.json"
    assert json.loads(committed.read_text()) == json.loads(render())


def test_declared_body_over_the_limit_is_refused_before_reading(api: Client, settings) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    settings.SHIELDWALL = dataclasses.replace(settings.SHIELDWALL, max_upload_bytes=10)
    r = api.post(
        "/api/v1/scan",
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(5 * 1024 * 1024),
    )
    assert r.status_code == 413
    assert _error(r)["code"] == "too_large"
