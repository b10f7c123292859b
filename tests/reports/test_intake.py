"""POST /api/v1/reports and the report flow over HTTP."""

import pytest
from django.test import Client

from shieldwall.core.models import AuditEvent
from shieldwall.reports.models import Report

pytestmark = pytest.mark.django_db

CSE_PATH = [
    {"step": "report_post", "option": "start"},
    {"step": "who_affected", "option": "someone_else"},
    {"step": "what_happening", "option": "sensitive"},
    {"step": "sensitive_kind", "option": "cse"},
    {"step": "cse_confirm", "option": "yes"},
    {"step": "review", "option": "submit"},
]


def _report(key: str = "k1", post: str = "p1", **extra: object) -> dict:
    body = {
        "idempotency_key": key,
        "subject": {"type": "post", "id": post, "handle": "@poster", "has_media": True},
        "path": CSE_PATH,
        "fields": {
            "cse_reason": "abuse_imagery",
            "additional_posts": ["p2"],
            "context": "Seen in the placeholder tag.",
        },
        "reporter": {"platform_id": "user-42"},
    }
    body.update(extra)
    return body


def test_flow_is_served(api: Client) -> None:
    r = api.get("/api/v1/report-flow?subject=post&has_media=true")
    assert r.status_code == 200
    flow = r.json()
    assert flow["start"] == "report_post"
    steps = {s["id"]: s for s in flow["steps"]}
    assert steps["cse_confirm"]["prompt"] == "You are reporting child sexual exploitation"
    assert api.get("/api/v1/report-flow?subject=planet").status_code == 422


def test_report_is_stored_once_and_audited(api: Client) -> None:
    first = api.post("/api/v1/reports", _report(), content_type="application/json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["category"], body["cse_reason"]) == (
        "received",
        "child_sexual_exploitation",
        "abuse_imagery",
    )
    assert "reporter" not in body
    assert "user-42" not in first.content.decode()
    again = api.post("/api/v1/reports", _report(), content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    stored = Report.objects.get()
    assert stored.reporter_id == "user-42"
    assert stored.additional_post_ids == ["p2"]
    assert not AuditEvent.objects.filter(action="reports.filed").exists()  # not filed yet
    from shieldwall.cases.services import file_pending_reports

    assert file_pending_reports() == 1
    filed = AuditEvent.objects.get(action="reports.filed")
    assert filed.data["reports"][0][0] == body["id"]
    assert file_pending_reports() == 0
    status = api.get(f"/api/v1/reports/{body['id']}")
    assert status.json()["status"] == "received"


def test_key_reused_for_another_subject_is_a_conflict(api: Client) -> None:
    api.post("/api/v1/reports", _report(), content_type="application/json")
    r = api.post("/api/v1/reports", _report(post="p9"), content_type="application/json")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_key_reused"


def test_impossible_path_is_a_clear_422(api: Client) -> None:
    bad = _report(path=[*CSE_PATH[:3], {"step": "cse_confirm", "option": "yes"}])
    r = api.post("/api/v1/reports", bad, content_type="application/json")
    assert r.status_code == 422
    err = r.json()["error"]
    assert (err["code"], err["field"]) == ("invalid_path", "path.3.step")
    assert not Report.objects.exists()


def test_other_platforms_cannot_read_a_report(api: Client, actor) -> None:  # type: ignore[no-untyped-def]
    from shieldwall.core.apikeys import create_api_key

    rid = api.post("/api/v1/reports", _report(), content_type="application/json").json()["id"]
    _, other = create_api_key(name="other-platform", actor=actor)
    r = Client(headers={"Authorization": f"Bearer {other}"}).get(f"/api/v1/reports/{rid}")
    assert r.status_code == 404


def test_reports_need_a_key() -> None:
    assert (
        Client().post("/api/v1/reports", _report(), content_type="application/json").status_code
        == 401
    )
