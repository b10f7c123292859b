"""The SDK's report calls: the flow tree as dataclasses, submit with an idempotency key, status."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shieldwall_client import Client, InvalidPath, ReportFlow, ShieldwallError
from tests.client.live import Live
from tests.client.scripted import DROP, Reply, ScriptedServer, error

REPORT: dict[str, Any] = {
    "id": "rep_1",
    "status": "received",
    "category": "child_sexual_exploitation",
    "cse_reason": "",
    "subject_type": "post",
    "subject_id": "p1",
    "created_at": "2026-11-26T12:00:00Z",
    "decided_at": None,
}
TREE: dict[str, Any] = {
    "version": "v1",
    "subject": "post",
    "has_media": True,
    "start": "intro",
    "steps": [
        {
            "id": "intro",
            "kind": "intro",
            "prompt": "Report post",
            "help": "",
            "options": [{"id": "start", "label": "Start report", "next": "kind"}],
            "fields": [],
        },
        {
            "id": "kind",
            "kind": "choice",
            "prompt": "What kind?",
            "help": "",
            "options": [
                {"id": "cse", "label": "Child sexual exploitation", "next": "review"},
                {"id": "spam", "label": "Spam", "next": "review"},
            ],
            "fields": [],
        },
        {
            "id": "review",
            "kind": "review",
            "prompt": "Review your report about {handle}'s post",
            "help": "",
            "options": [{"id": "submit", "label": "Submit", "next": "done"}],
            "fields": [
                {
                    "id": "cse_reason",
                    "label": "What best describes it?",
                    "kind": "choice",
                    "max_length": None,
                    "max_items": None,
                    "choices": [{"id": "grooming", "label": "Grooming"}],
                    "when": {"category": "child_sexual_exploitation"},
                    "help": "",
                },
                {
                    "id": "context",
                    "label": "Add more context",
                    "kind": "text",
                    "max_length": 2000,
                    "max_items": None,
                    "choices": [],
                    "when": {},
                    "help": "",
                    "a_field_from_a_newer_server": 1,
                },
            ],
        },
        {
            "id": "done",
            "kind": "done",
            "prompt": "Done",
            "help": "Thanks",
            "options": [{"id": "close", "label": "Done", "next": None}],
            "fields": [],
        },
    ],
}
CSE = [("report_post", "start"), ("who_affected", "someone_else"), ("what_happening", "sensitive")]
CSE_PATH = [*CSE, ("sensitive_kind", "cse"), ("cse_confirm", "yes"), ("review", "submit")]


def client(server: ScriptedServer) -> Client:
    return Client(server.url, api_key="sw_test", backoff=0.0)


def test_report_flow_reads_the_tree(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(200, TREE)]
    with client(scripted) as sw:
        flow = sw.report_flow("post", has_media=True)
    assert scripted.seen[0].path == "/api/v1/report-flow?subject=post&has_media=true"
    assert flow.start == "intro"
    assert list(flow.steps) == ["intro", "kind", "review", "done"]
    review = flow.step("review")
    assert review.prompt_for("@poster") == "Review your report about @poster's post"
    assert [f.id for f in review.fields] == ["cse_reason", "context"]
    assert review.fields[1].max_length == 2000
    assert review.option("submit") is not None
    assert review.option("nope") is None
    assert flow.records_known is False  # this server does not say what options record
    position = flow.walk([("intro", "start"), ("kind", "cse")])
    assert position.step.id == "review"
    assert position.recorded == {}
    assert not review.fields[0].applies(position.recorded)
    assert review.fields[1].applies(position.recorded)


def test_walk_uses_what_options_record_when_the_server_says() -> None:
    tree = copy.deepcopy(TREE)
    tree["steps"][1]["options"][0]["sets"] = {"category": "child_sexual_exploitation"}
    tree["steps"][1]["options"][1]["sets"] = {"category": "spam"}
    flow = ReportFlow.from_json(tree)
    assert flow.records_known
    cse = flow.walk([("intro", "start"), ("kind", "cse")])
    assert cse.recorded == {"category": "child_sexual_exploitation"}
    assert flow.step("review").fields[0].applies(cse.recorded)
    spam = flow.walk([("intro", "start"), ("kind", "spam")])
    assert not flow.step("review").fields[0].applies(spam.recorded)
    assert [o.label for _, o in cse.answers] == ["Start report", "Child sexual exploitation"]
    assert flow.walk([("intro", "start"), ("kind", "cse"), ("review", "submit")]).step.id == "done"


@pytest.mark.parametrize(
    ("path", "index"),
    [
        ([("kind", "cse")], 0),  # skips the start
        ([("intro", "start"), ("kind", "nope")], 1),  # no such option
        ([("intro", "start"), ("kind", "cse"), ("review", "submit"), ("done", "close")], 3),
    ],
)
def test_walk_refuses_impossible_paths(path: list[tuple[str, str]], index: int) -> None:
    with pytest.raises(InvalidPath) as caught:
        ReportFlow.from_json(TREE).walk(path)
    assert caught.value.index == index


def test_submit_report_sends_the_contract_body(scripted: ScriptedServer) -> None:
    scripted.script = [Reply(201, REPORT), Reply(200, REPORT)]
    with client(scripted) as sw:
        kwargs: dict[str, Any] = {
            "idempotency_key": "k1",
            "subject_type": "post",
            "subject_id": "p1",
            "subject_handle": "@poster",
            "subject_url": "https://example.test/p/p1",
            "has_media": True,
            "path": [("report_post", "start"), {"step": "review", "option": "submit"}],
            "fields": {"context": "hello", "additional_posts": ["p2"]},
            "reporter_id": "a_1",
        }
        first = sw.submit_report(**kwargs)
        again = sw.submit_report(**kwargs)
    assert (first.id, first.created, again.created) == ("rep_1", True, False)
    assert first == again
    assert first.category == "child_sexual_exploitation"
    assert not first.decided
    seen = scripted.seen[0]
    assert (seen.method, seen.path) == ("POST", "/api/v1/reports")
    assert seen.json() == {
        "idempotency_key": "k1",
        "subject": {
            "type": "post",
            "id": "p1",
            "handle": "@poster",
            "url": "https://example.test/p/p1",
            "has_media": True,
        },
        "path": [
            {"step": "report_post", "option": "start"},
            {"step": "review", "option": "submit"},
        ],
        "fields": {"context": "hello", "additional_posts": ["p2"]},
        "reporter": {"platform_id": "a_1"},
    }
    with client(scripted) as sw, pytest.raises(ValueError, match="idempotency_key"):
        sw.submit_report(idempotency_key="", subject_type="post", subject_id="p1", path=[])


def test_submit_is_retried_after_a_lost_answer(scripted: ScriptedServer) -> None:
    # Safe because of the idempotency key: the server answers the retry with the same report.
    scripted.script = [DROP, Reply(503, "busy"), Reply(200, REPORT)]
    with client(scripted) as sw:
        report = sw.submit_report(
            idempotency_key="k1", subject_type="post", subject_id="p1", path=[("a", "b")]
        )
    assert report.id == "rep_1"
    assert len(scripted.seen) == 3
    assert {s.json()["idempotency_key"] for s in scripted.seen} == {"k1"}


def test_report_errors_and_status(scripted: ScriptedServer) -> None:
    decided = {**REPORT, "status": "actioned", "decided_at": "2026-11-26T13:00:00Z"}
    scripted.script = [
        error(422, "invalid_path", "Answer 2 is for step 'x'.", "path.1.step"),
        Reply(200, decided),
        error(404, "report_not_found", "No report 'rep/2' was submitted by you."),
    ]
    with client(scripted) as sw:
        with pytest.raises(ShieldwallError) as caught:
            sw.submit_report(
                idempotency_key="k", subject_type="post", subject_id="p", path=[("a", "b")]
            )
        assert (caught.value.status, caught.value.code, caught.value.field) == (
            422,
            "invalid_path",
            "path.1.step",
        )
        status = sw.report_status("rep_1")
        assert status.decided
        assert status.decided_at is not None
        assert status.created is None
        with pytest.raises(ShieldwallError) as missing:
            sw.report_status("rep/2")
    assert missing.value.status == 404
    assert [s.path for s in scripted.seen[1:]] == [
        "/api/v1/reports/rep_1",
        "/api/v1/reports/rep%2F2",
    ]


@pytest.mark.slow
def test_reports_against_a_real_server(live: Live) -> None:
    with live.client() as sw:
        flow = sw.report_flow("post", has_media=True)
        assert flow.step(flow.start).prompt == "Report post"
        position = flow.walk(CSE_PATH[:-1])
        assert position.step.kind == "review"
        assert "{handle}" in position.step.prompt
        assert {f.id for f in position.step.fields} >= {"additional_posts", "context"}
        assert "Non-consensual nudity" in [o.label for o in flow.step("sensitive_kind").options]
        no_media = sw.report_flow("post", has_media=False)
        assert "Non-consensual nudity" not in [
            o.label for o in no_media.step("sensitive_kind").options
        ]
        assert sw.report_flow("account").step(sw.report_flow("account").start).prompt == (
            "Report account"
        )
        args: dict[str, Any] = {
            "idempotency_key": "live-1",
            "subject_type": "post",
            "subject_id": "p1",
            "subject_handle": "@poster",
            "has_media": True,
            "path": CSE_PATH,
            "fields": {"additional_posts": ["p2", "p3"], "context": "In the placeholder tag."},
            "reporter_id": "a_42",
        }
        first = sw.submit_report(**args)
        again = sw.submit_report(**args)
        assert (first.created, again.created, again.id) == (True, False, first.id)
        assert first.category == "child_sexual_exploitation"
        status = sw.report_status(first.id)
        assert (status.status, status.subject_id) == ("received", "p1")
        with pytest.raises(ShieldwallError) as bad:
            sw.submit_report(**{**args, "idempotency_key": "live-2", "path": CSE_PATH[1:]})
        assert (bad.value.status, bad.value.code) == (422, "invalid_path")
        with pytest.raises(ShieldwallError) as missing:
            sw.report_status("rep_nothere")
        assert missing.value.status == 404
