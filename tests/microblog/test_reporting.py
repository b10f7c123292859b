"""The report flow in the microblog: rendered from Shieldwall's tree, submitted through the SDK.

Real processes (tests/microblog/stack.py): people walk the flow over HTTP as a browser
without JavaScript would, one form per step; what Shieldwall stored is read back through
the SDK and from Shieldwall's database in a subprocess.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shieldwall_client import Client, ReportFlow
from tests.microblog.stack import Person, Stack
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow

CSE_LABELS = (
    "Start report",
    "Someone else or a specific group of people",
    "Shows sensitive or disturbing content",
    "Child sexual exploitation",
    "Yes, continue",
)
HEADING = re.compile(r'<h1 id="report-heading"[^>]*>([^<]*)</h1>')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BUTTON = re.compile(r'<button[^>]*name="option" value="([^"]+)"[^>]*>(?:<span>)?([^<]+)')

STORED = """
import json, sys
from shieldwall.cli import _setup
_setup()
import time
from shieldwall.reports.models import Report
deadline = time.monotonic() + 30  # the worker files reports into cases within moments
while Report.objects.filter(filed_at__isnull=True).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
rows = Report.objects.filter(public_id=sys.argv[1]) if sys.argv[1] != "*" else Report.objects.all()
print(json.dumps([
    {"id": r.public_id, "category": r.category, "path": r.path, "cse_reason": r.cse_reason,
     "additional_post_ids": r.additional_post_ids, "context": r.context,
     "reporter_id": r.reporter_id, "subject_id": r.subject_id, "subject_handle": r.subject_handle,
     "has_media": r.has_media, "idempotency_key": r.idempotency_key,
     "case": r.case_link.case.public_id}
    for r in rows
]))
"""

DECIDE = """
import sys
from shieldwall.cli import _setup
_setup()
from shieldwall.cases.services import decide
from shieldwall.core.actors import cli_actor
decide(case_id=sys.argv[1], decision=sys.argv[2], actor=cli_actor())
"""


def shieldwall_python(stack: Stack, code: str, *args: str) -> str:
    """Run Python against the stack's Shieldwall database; return what it printed."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**stack.sw.env, "DJANGO_SETTINGS_MODULE": "shieldwall.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return (proc.stdout.strip().splitlines() or [""])[-1]


def stored_reports(stack: Stack, report_id: str = "*") -> list[dict[str, Any]]:
    """Reports as Shieldwall's database holds them."""
    return list(json.loads(shieldwall_python(stack, STORED, report_id)))


@dataclass
class Step:
    """One step's page as the person sees it: heading, buttons, and the form's hidden state."""

    status: int
    text: str
    heading: str
    buttons: dict[str, str]  # label -> option id
    state: dict[str, str]

    @classmethod
    def read(cls, response: httpx.Response) -> Step:
        text = response.text
        heading = HEADING.search(text)
        form = text.split('class="report-form"', 1)[-1]
        return cls(
            status=response.status_code,
            text=text,
            heading=html.unescape(heading.group(1)) if heading else "",
            buttons={html.unescape(label.strip()): value for value, label in BUTTON.findall(text)},
            state={k: html.unescape(v) for k, v in HIDDEN.findall(form)},
        )


class Reporter:
    """A person walking the report flow one form at a time."""

    def __init__(self, person: Person, url: str) -> None:
        self.person = person
        self.url = url
        self.step = Step.read(person.get(url))
        assert self.step.status == 200, self.step.text[-2000:]

    def _post(self, data: dict[str, Any]) -> httpx.Response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.step.text)
        assert token
        return self.person.http.post(self.url, data={"csrfmiddlewaretoken": token.group(1), **data})

    def click(self, label: str, **fields: Any) -> httpx.Response:
        """Press the button with this label (its option), with any review fields."""
        assert label in self.step.buttons, (label, self.step.heading, self.step.buttons)
        r = self._post({**self.step.state, "option": self.step.buttons[label], **fields})
        if r.status_code != 302:
            self.step = Step.read(r)
        return r

    def back(self) -> None:
        state = {k: v for k, v in self.step.state.items() if k != "step"}
        self.step = Step.read(self._post({**state, "back": "1"}))

    def tampered(self, **state: str) -> httpx.Response:
        return self._post({**self.step.state, **state})


@pytest.fixture
def sdk(stack: Stack) -> Iterator[Client]:
    with Client(stack.sw_url, api_key=stack.api_key) as c:
        yield c


def _handle(person: Person) -> str:
    return person.get("/").text.split('class="nav-handle">@')[1].split("<")[0]


@dataclass
class Author:
    """Someone with three text posts and then a post with an image."""

    person: Person
    handle: str
    image_post: str
    others: list[str]


@pytest.fixture
def author(stack: Stack) -> Iterator[Author]:
    with Person(stack.mb_url) as p:
        p.sign_up("a" + uuid.uuid4().hex[:10])
        others = []
        for n in range(3):
            post_id, message = p.post(f"other post {n} #placeholdertag")
            assert post_id, message
            others.append(post_id)
        image_post, message = p.post("a picture #placeholdertag", jpeg(photo("coins")))
        assert image_post, message
        yield Author(p, _handle(p), image_post, others)


def test_cse_path_is_rendered_from_the_tree_and_stored(
    stack: Stack, person: Person, author: Author, sdk: Client
) -> None:
    handle, post_id, others = author.handle, author.image_post, author.others
    flow: ReportFlow = sdk.report_flow("post", has_media=True)
    walk = Reporter(person, f"/p/{post_id}/report")
    assert walk.step.heading == flow.step(flow.start).prompt == "Report post"
    assert f'href="/p/{post_id}"' in walk.step.text  # Back, on the first step, to the post
    expected = [flow.step(flow.start)]
    for label in CSE_LABELS:
        current = expected[-1]
        assert walk.step.heading == current.prompt_for(f"@{handle}")
        assert [o.label for o in current.options] == list(walk.step.buttons)
        walk.click(label)
        option = next(o for o in current.options if o.label == label)
        assert option.next
        expected.append(flow.step(option.next))
        assert "autofocus data-step-heading" in walk.step.text
        assert "Back</button>" in walk.step.text
    assert walk.step.heading == f"Review your report about @{handle}'s post"
    assert "You are reporting child sexual exploitation" not in walk.step.heading
    # The CSE sub-reason shows only when the tree says what the path recorded (the field's
    # `when`); "Add another post" lists the account's other posts, newest first.
    assert ("What best describes it?" in walk.step.text) is flow.records_known
    assert "Add another post" in walk.step.text
    assert "Add more context" in walk.step.text
    listed = re.findall(r'name="additional_posts" value="(p_[0-9a-f]+)"', walk.step.text)
    assert listed == others[::-1]
    assert post_id not in listed
    fields: dict[str, Any] = {
        "additional_posts": others[:2],
        "context": "Seen under the placeholder tag.\r\nSecond line.",
    }
    if flow.records_known:
        fields["cse_reason"] = "abuse_imagery"
    done = walk.click("Submit", **fields)
    assert done.status_code == 302, done.text[-2000:]
    report_id = done.headers["location"].rsplit("/", 1)[1]
    page = person.get(done.headers["location"]).text
    assert Step.read(httpx.Response(200, text=page)).heading == "Done"
    assert "Thanks for your report" in page

    status = sdk.report_status(report_id)
    assert (status.category, status.status, status.subject_id) == (
        "child_sexual_exploitation",
        "received",
        post_id,
    )
    (stored,) = stored_reports(stack, report_id)
    assert stored["path"] == [
        ["report_post", "start"],
        ["who_affected", "someone_else"],
        ["what_happening", "sensitive"],
        ["sensitive_kind", "cse"],
        ["cse_confirm", "yes"],
        ["review", "submit"],
    ]
    assert stored["additional_post_ids"] == others[:2]
    assert stored["context"] == "Seen under the placeholder tag.\nSecond line."
    assert stored["subject_handle"] == f"@{handle}"
    assert stored["has_media"] is True
    assert stored["reporter_id"] == stack.microblog_account_id(_handle(person))
    assert stored["cse_reason"] == ("abuse_imagery" if flow.records_known else "")
    mine = person.get("/reports").text
    assert report_id in mine
    assert "In review" in mine


def _form(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the POST form with this action on a page."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


def test_done_leads_away_from_the_post_and_offers_mute_and_block(
    stack: Stack, person: Person, author: Author
) -> None:
    handle, post_id = author.handle, author.image_post
    walk = Reporter(person, f"/p/{post_id}/report")
    for label in ("Start report", "Everyone", "Spam"):
        walk.click(label)
    done_url = walk.click("Submit").headers["location"]
    done = person.get(done_url).text
    assert Step.read(httpx.Response(200, text=done)).heading == "Done"
    actions = done.split('class="report-actions"')[-1]
    assert 'href="/"' in actions  # Done goes home
    assert f'href="/p/{post_id}"' not in done  # never back to the reported media
    assert f"Mute @{handle}" in done
    assert f"Block @{handle}" in done

    r = person.http.post(f"/@{handle}/mute", data=_form(done, f"/@{handle}/mute"))
    assert (r.status_code, r.headers["location"]) == (302, done_url)
    after = person.get(done_url).text
    assert f"You muted @{handle}" in after
    assert f"Mute @{handle}" not in after
    home = person.get("/").text
    assert not any(f"/p/{p}" in home for p in [post_id, *author.others])
    tag = person.get("/tag/placeholdertag").text
    assert f"/p/{post_id}" not in tag
    assert f"/p/{post_id}" not in person.get("/search", q="picture", tab="latest").text
    assert f"/p/{post_id}" in author.person.get("/").text  # muting hides for the muter only
    assert "You muted this account" in person.get(f"/@{handle}").text

    r = person.http.post(f"/@{handle}/block", data=_form(after, f"/@{handle}/block"))
    assert r.status_code == 302
    profile = person.get(f"/@{handle}").text
    assert "You blocked this account" in profile
    assert f"/p/{post_id}" not in profile
    mine, message = person.post("the reporter's own post")
    assert mine, message
    assert f"/p/{mine}" not in author.person.get("/").text  # a block works both ways
    assert f"/p/{mine}" not in author.person.get(f"/@{_handle(person)}").text

    unblock = person.get(f"/@{handle}").text
    r = person.http.post(f"/@{handle}/unblock", data=_form(unblock, f"/@{handle}/unblock"))
    assert r.status_code == 302
    unmute = person.get(f"/@{handle}").text
    person.http.post(f"/@{handle}/unmute", data=_form(unmute, f"/@{handle}/unmute"))
    assert f"/p/{post_id}" in person.get("/").text


def test_mute_and_block_need_a_login_a_post_and_another_account(
    stack: Stack, person: Person, author: Author
) -> None:
    own = _handle(person)
    with Person(stack.mb_url) as anonymous:
        r = anonymous.http.post(f"/@{author.handle}/block", data={})
        assert r.status_code in (302, 403)
    token = CSRF_TOKEN.search(person.get("/").text)
    assert token
    data = {"csrfmiddlewaretoken": token.group(1), "next": "//evil.example/"}
    assert person.get(f"/@{author.handle}/block").status_code == 405
    assert person.http.post(f"/@{own}/block", data=data).status_code == 404  # not yourself
    assert person.http.post("/@nobody_here_at_all/mute", data=data).status_code == 404
    r = person.http.post(f"/@{author.handle}/mute", data=data)
    assert r.headers["location"] == f"/@{author.handle}"  # never off-site


def test_back_returns_to_the_previous_step_and_other_paths_work(
    stack: Stack, person: Person, author: Author
) -> None:
    handle, post_id = author.handle, author.image_post
    walk = Reporter(person, f"/p/{post_id}/report")
    walk.click("Start report")
    walk.click("Me")
    assert walk.step.heading == "What is happening?"
    walk.back()
    assert walk.step.heading == "Who is affected?"
    walk.click("Everyone")
    walk.click("Shows sensitive or disturbing content")
    walk.click("Non-consensual nudity")
    assert walk.step.heading == "Is this nudity of you?"
    walk.click("No, it's someone else")
    walk.click("Yes, I'm authorised to act for them")
    assert walk.step.heading == f"Review your report about @{handle}'s post"
    assert "What best describes it?" not in walk.step.text  # not a CSE report
    done = walk.click("Submit")
    assert done.status_code == 302
    (stored,) = stored_reports(stack, done.headers["location"].rsplit("/", 1)[1])
    assert stored["category"] == "non_consensual_nudity"
    assert stored["path"][-3:] == [
        ["ncii_about_you", "no"],
        ["ncii_authorised", "yes"],
        ["review", "submit"],
    ]


def test_double_submit_files_one_report(stack: Stack, person: Person, author: Author) -> None:
    post_id = author.image_post
    walk = Reporter(person, f"/p/{post_id}/report")
    for label in ("Start report", "Me", "Spam"):
        walk.click(label)
    review = walk.step
    first = walk.click("Submit")
    walk.step = review  # the same form, sent again (a double click, or Back and Submit)
    second = walk.click("Submit")
    assert first.status_code == second.status_code == 302
    assert first.headers["location"] == second.headers["location"]
    report_id = first.headers["location"].rsplit("/", 1)[1]
    key = review.state["key"]
    same_key = [r for r in stored_reports(stack) if r["idempotency_key"].endswith(":" + key)]
    assert [r["id"] for r in same_key] == [report_id]
    assert person.get("/reports").text.count(f'data-report-id="{report_id}"') == 1


def test_tampered_forms_get_a_friendly_error(stack: Stack, person: Person, author: Author) -> None:
    post_id = author.image_post
    walk = Reporter(person, f"/p/{post_id}/report")
    walk.click("Start report")
    before = len(stored_reports(stack))
    skipped = json.dumps([["report_post", "start"], ["sensitive_kind", "cse"]])
    for state in (
        {"path": "not json"},
        {"path": json.dumps([["report_post", "start"], ["who_affected", "aliens"]])},
        {"path": skipped, "step": "cse_confirm", "option": "yes"},
        {"step": "review", "option": "submit"},
        {"key": "short"},
    ):
        r = walk.tampered(**state)
        assert r.status_code == 400, (state, r.status_code)
        assert "We couldn't continue your report" in r.text
        assert "Start again" in r.text
    # A review step with posts of someone else, or too much context: told, not refused.
    for label in ("Someone else or a specific group of people", "Spam"):
        walk.click(label)
    review = walk.step
    r = walk.click("Submit", additional_posts=["p_000000000000"])
    assert r.status_code == 422
    assert "no longer available" in r.text
    walk.step = review
    r = walk.click("Submit", context="x" * 2001)
    assert r.status_code == 422
    assert "at most 2000 characters" in r.text
    assert len(stored_reports(stack)) == before
    assert person.get(f"/p/{post_id}/report?x=1").status_code == 200


def test_report_account_and_your_reports_show_decisions(
    stack: Stack, person: Person, author: Author
) -> None:
    handle, post_id, others = author.handle, author.image_post, author.others
    profile = person.get(f"/@{handle}").text
    assert f'href="/@{handle}/report"' in profile
    assert "Report account" in profile
    assert "Report account" not in author.person.get(f"/@{handle}").text  # not on your own profile
    walk = Reporter(person, f"/@{handle}/report")
    assert walk.step.heading == "Report account"
    for label in ("Start report", "Someone else or a specific group of people", "Spam"):
        walk.click(label)
    assert walk.step.heading == f"Review your report about @{handle}'s account"
    listed = re.findall(r'name="additional_posts" value="(p_[0-9a-f]+)"', walk.step.text)
    assert listed == [post_id, *others[::-1]]
    account_report = walk.click("Submit", additional_posts=[post_id])
    assert account_report.status_code == 302

    post_walk = Reporter(person, f"/p/{post_id}/report")
    for label in ("Start report", "Me", "Harassment or bullying"):
        post_walk.click(label)
    post_report = post_walk.click("Submit")
    assert post_report.status_code == 302
    ids = {
        "account": account_report.headers["location"].rsplit("/", 1)[1],
        "post": post_report.headers["location"].rsplit("/", 1)[1],
    }
    cases = {k: stored_reports(stack, v)[0]["case"] for k, v in ids.items()}
    shieldwall_python(stack, DECIDE, cases["post"], "removed_post")
    shieldwall_python(stack, DECIDE, cases["account"], "no_violation")
    mine = person.get("/reports").text
    rows = dict(re.findall(r'data-report-id="([^"]+)">(.*?)</li>', mine, re.S))
    assert "We removed it" in rows[ids["post"]]
    assert "No violation found" in rows[ids["account"]]
    assert f"@{handle}'s account" in rows[ids["account"]]


def test_reporting_needs_a_login_and_a_visible_subject(stack: Stack) -> None:
    with Person(stack.mb_url) as anonymous:
        r = anonymous.get("/p/p_000000000000/report")
        assert r.status_code == 302
        assert r.headers["location"].startswith("/login?next=")
    with Person(stack.mb_url) as someone:
        someone.sign_up("s" + uuid.uuid4().hex[:10])
        assert someone.get("/p/p_000000000000/report").status_code == 404
        assert someone.get("/reports/rep_nothere").status_code == 404
        assert "You haven't reported anything" in someone.get("/reports").text


def _changed_tree(real: dict[str, Any]) -> dict[str, Any]:
    """Shieldwall's tree, changed: a new question, a renamed one, and what options record."""
    tree = json.loads(json.dumps(real))
    steps = {s["id"]: s for s in tree["steps"]}
    steps["who_affected"]["prompt"] = "Who is this about?"
    steps["cse_confirm"]["options"][0]["next"] = "in_danger"
    tree["steps"].insert(
        [s["id"] for s in tree["steps"]].index("review"),
        {
            "id": "in_danger",
            "kind": "choice",
            "prompt": "Is a child in danger right now?",
            "help": "",
            "options": [
                {"id": "yes", "label": "Yes, right now", "next": "review", "sets": {}},
                {"id": "no", "label": "No or I don't know", "next": "review", "sets": {}},
            ],
            "fields": [],
        },
    )
    for step in tree["steps"]:
        for option in step["options"]:
            option.setdefault("sets", {})
    steps["sensitive_kind"]["options"][0]["sets"] = {"category": "child_sexual_exploitation"}
    return tree


def test_a_changed_tree_is_rendered_without_a_change_to_the_microblog(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.client.scripted import Reply, ScriptedServer, Seen
    from tests.microblog.stack import free_port, microblog_env

    real = httpx.get(
        f"{stack.sw_url}/api/v1/report-flow",
        params={"subject": "post", "has_media": "false"},
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ).json()
    tree = _changed_tree(real)
    submitted: list[dict[str, Any]] = []

    def answer(seen: Seen) -> Reply:
        if seen.path.startswith("/api/v1/report-flow"):
            return Reply(200, tree)
        if seen.path == "/api/v1/reports":
            submitted.append(seen.json())
            return Reply(
                201,
                {
                    "id": "rep_scripted",
                    "status": "received",
                    "category": "child_sexual_exploitation",
                    "cse_reason": "grooming",
                    "subject_type": "post",
                    "subject_id": seen.json()["subject"]["id"],
                    "created_at": "2026-11-26T12:00:00Z",
                    "decided_at": None,
                },
            )
        if seen.path == "/api/v1/events":
            events = seen.json()["events"]
            results = [{"id": e["id"], "status": "accepted"} for e in events]
            return Reply(200, {"accepted": len(events), "duplicates": 0, "results": results})
        return Reply(404, {"error": {"code": "not_found", "message": seen.path}})

    server = ScriptedServer()
    server.script = [answer]
    server.start()
    port = free_port()
    env = microblog_env(tmp_path_factory.mktemp("tree"), server.url, "sw_test", "s", port)
    try:
        stack.start(
            "scripted-microblog",
            ["-m", "microblog", "serve", "--port", str(port), "--workers", "1"],
            env,
            f"http://127.0.0.1:{port}/",
        )
        base = f"http://127.0.0.1:{port}"
        with Person(base) as poster, Person(base) as reporter:
            poster.sign_up("p" + uuid.uuid4().hex[:10])
            post_id, message = poster.post("text only, no media")
            assert post_id, message
            reporter.sign_up("r" + uuid.uuid4().hex[:10])
            walk = Reporter(reporter, f"/p/{post_id}/report")
            walk.click("Start report")
            assert walk.step.heading == "Who is this about?"
            for label in CSE_LABELS[1:]:
                walk.click(label)
            assert walk.step.heading == "Is a child in danger right now?"
            assert list(walk.step.buttons) == ["Yes, right now", "No or I don't know"]
            walk.click("No or I don't know")
            assert walk.step.heading.startswith("Review your report about @")
            # The tree now says the path recorded the category: the CSE sub-reason shows.
            assert "What best describes it?" in walk.step.text
            done = walk.click("Submit", cse_reason="grooming", context="ctx")
            assert done.status_code == 302, done.text[-2000:]
    finally:
        server.stop()
    (body,) = submitted
    assert body["path"][-3:] == [
        {"step": "cse_confirm", "option": "yes"},
        {"step": "in_danger", "option": "no"},
        {"step": "review", "option": "submit"},
    ]
    assert body["fields"] == {"cse_reason": "grooming", "context": "ctx"}
    assert body["subject"]["has_media"] is False
    assert body["idempotency_key"].startswith(body["reporter"]["platform_id"] + ":")
