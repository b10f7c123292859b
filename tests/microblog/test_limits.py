"""Tidepool does what `limit_post` means, and registers its links so public reports resolve.

A limited post is out of search (every tab), tag pages and trending, and out of every page
for logged-out visitors (its page and its media answer "not available"); people who are
logged in see it behind an interstitial the server honours; its views are not counted.
Real processes (tests/microblog/stack.py), driven over HTTP.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import httpx
import pytest

from shieldwall_client import Client
from tests.microblog.stack import Person, Stack
from tests.microblog.test_platform import TABS, _deliver, _in_tab
from tests.microblog.test_reporting import shieldwall_python
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow
VIEWS = re.compile(r"([0-9.KM]+)<span class=\"visually-hidden\"> views</span>")

MEDIA_URL = """
import sys
from shieldwall.cli import _setup
_setup()
from shieldwall.subjects.models import PostMedia
print(PostMedia.objects.get(post__post_id=sys.argv[1]).url)
"""
CASE_OF_PUBLIC = """
import json, sys, time
from shieldwall.cli import _setup
_setup()
from shieldwall.reports.models import Report
deadline = time.monotonic() + 30
while Report.objects.filter(filed_at__isnull=True).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
r = Report.objects.get(source="public_form", subject_url=sys.argv[1])
link = getattr(r, "case_link", None)
print(json.dumps({"resolution": r.resolution, "subject_type": r.subject_type,
                  "subject_id": r.subject_id, "case": link.case.subject_id if link else None}))
"""


def _limited_post(stack: Stack, person: Person) -> tuple[str, str, str]:
    """A post with a photo and a fresh tag, limited by Shieldwall; (post id, media id, tag)."""
    tag = "t" + uuid.uuid4().hex[:8]
    post_id, _ = person.post(f"limited words #{tag}", jpeg(photo("coffee")), alt="Cup")
    assert post_id
    media_id = person.get(f"/p/{post_id}").text.split('src="/media/')[1].split('"')[0]
    assert _deliver(stack, "limit_post", "post", post_id).json()["status"] == "applied"
    return post_id, media_id, tag


def _views(page: str) -> str:
    found = VIEWS.search(page)
    assert found, page[-2000:]
    return found.group(1)


def test_a_logged_out_visitor_sees_nothing_of_a_limited_post(stack: Stack, person: Person) -> None:
    post_id, media_id, tag = _limited_post(stack, person)
    handle = person.get("/").text.split('class="nav-handle">@')[1].split("<")[0]
    with Person(stack.mb_url) as visitor:
        page = visitor.get(f"/p/{post_id}")
        assert page.status_code == 404
        assert "This post isn't available" in page.text.replace("&#x27;", "'")
        assert "limited words" not in page.text
        assert f"/media/{media_id}" not in page.text
        assert visitor.get(f"/p/{post_id}", show="1").status_code == 404  # Show is for members
        assert visitor.get(f"/media/{media_id}").status_code == 404
        assert visitor.get(f"/media/{media_id}", key="0" * 32).status_code == 404
        for where in ("/", f"/@{handle}", f"/tag/{tag}"):
            assert f"/p/{post_id}" not in visitor.get(where).text, where
        for tab in TABS:
            assert not _in_tab(visitor, f"#{tag}", tab, post_id), tab
        assert f"/tag/{tag}" not in visitor.get("/").text  # not trending either


def test_people_logged_in_see_it_only_behind_an_interstitial(stack: Stack, person: Person) -> None:
    post_id, media_id, tag = _limited_post(stack, person)
    with Person(stack.mb_url) as member:
        member.sign_up("m" + uuid.uuid4().hex[:10])
        home = member.get("/").text
        assert f"/p/{post_id}" in home
        assert "limited words" not in home  # the content is not in the page until Show
        assert f"/media/{media_id}" not in home
        assert f'href="/p/{post_id}?show=1"' in home
        page = member.get(f"/p/{post_id}").text
        assert "This post may contain sensitive content" in page
        assert f"/media/{media_id}" not in page
        shown = member.get(f"/p/{post_id}", show="1").text
        assert "limited words" in shown
        assert f'src="/media/{media_id}"' in shown
        assert member.get(f"/media/{media_id}").status_code == 200
        assert member.get(f"/media/{media_id}").headers["cache-control"] == "private, no-store"
        for tab in TABS:
            assert not _in_tab(member, f"#{tag}", tab, post_id), tab
        assert f"/p/{post_id}" not in member.get(f"/tag/{tag}").text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
        assert csrf
        reshare = member.http.post(
            f"/p/{post_id}/reshare", data={"csrfmiddlewaretoken": csrf.group(1), "next": "/"}
        )
        assert reshare.status_code == 404  # a limited post gains no reach


def test_views_of_a_limited_post_are_not_counted(stack: Stack, person: Person) -> None:
    post_id, _, _ = _limited_post(stack, person)
    before = _views(person.get(f"/p/{post_id}", show="1").text)
    for _ in range(3):
        person.get(f"/p/{post_id}")
        person.get(f"/p/{post_id}", show="1")
    assert _views(person.get(f"/p/{post_id}", show="1").text) == before


def test_the_moderators_desk_can_still_load_a_limited_posts_media(
    stack: Stack, person: Person
) -> None:
    post_id, media_id, _ = _limited_post(stack, person)
    deadline = time.monotonic() + 30
    url = ""
    while not url:
        try:
            url = shieldwall_python(stack, MEDIA_URL, post_id)
        except AssertionError:  # the media.attached event has not arrived yet
            assert time.monotonic() < deadline, "Tidepool never sent the media event"
            time.sleep(0.3)
    assert url.startswith(f"{stack.mb_url}/media/{media_id}?key=")
    assert httpx.get(url, timeout=30).status_code == 200  # the desk is not logged in


def test_tidepool_registers_its_links_and_public_reports_resolve_to_its_posts(
    stack: Stack, person: Person
) -> None:
    with Client(stack.sw_url, api_key=stack.api_key) as sw:
        profile = sw.platform()
    host = stack.mb_url.removeprefix("http://")
    assert profile.hosts == [host]
    assert profile.media_hosts == [host]
    assert profile.links == {
        "post": ["/p/{id}"],
        "account": ["/@{handle}"],
        "hashtag": ["/tag/{name}"],
    }
    post_id, _ = person.post("reported from outside #placeholdertag")
    assert post_id
    link = f"{stack.mb_url}/p/{post_id}"
    _report_publicly(stack, link)
    deadline = time.monotonic() + 30
    # Filed at once if the post's event has arrived, else by the worker once it does.
    while not (result := json.loads(shieldwall_python(stack, CASE_OF_PUBLIC, link)))["case"]:
        assert time.monotonic() < deadline, result
        time.sleep(0.5)
    assert result == {
        "resolution": "resolved",
        "subject_type": "post",
        "subject_id": post_id,
        "case": post_id,
    }


def _report_publicly(stack: Stack, link: str) -> None:
    """Walk Shieldwall's public /report page for this link as child sexual exploitation."""
    with httpx.Client(base_url=stack.sw_url, timeout=30) as browser:
        page = browser.get("/report")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "subject_url": link,
            "subject_type": "post",
            "token": "tok" + uuid.uuid4().hex,
        }
        page = browser.post("/report", data=form)
        assert page.status_code == 200, page.text[-2000:]
        for option in ("start", "someone_else", "sensitive", "cse", "yes", "submit"):
            path = re.search(r'name="path" value="([^"]*)"', page.text)
            assert path, page.text[-2000:]
            data = {**form, "path": path.group(1).replace("&quot;", '"'), "option": option}
            page = browser.post("/report", data=data)
            assert page.status_code == 200, page.text[-2000:]
        assert 'id="receipt"' in page.text
