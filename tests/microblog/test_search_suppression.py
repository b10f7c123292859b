"""Tidepool asks Shieldwall before any search tab, hashtag page, suggestion or trending list.

A real `shieldwall serve` and worker and Tidepool's own server (tests/microblog/stack.py);
terms are blocked through Shieldwall's service verb and everything is read over HTTP.
Placeholder terms only. A term is blocked before Tidepool is first asked about it: answers
are kept 30 s in process, so each test blocks its own term.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from shieldwall_client import Client
from tests.microblog.stack import Person, Stack, free_port, wait_http
from tests.microblog.suppression_support import (
    INTERSTITIAL,
    TABS,
    UNAVAILABLE,
    block,
    hidden_everywhere,
    results,
    suggestions,
    trending,
)
from tests.microblog.test_reporting import CSE_LABELS, Reporter, stored_reports
from tests.photos import jpeg, photo

pytestmark = pytest.mark.slow


def _handle(person: Person) -> str:
    return person.get("/").text.split('class="nav-handle">@')[1].split("<")[0]


def test_a_blocked_tag_shows_the_interstitial_on_every_tab_and_its_page(
    stack: Stack, person: Person
) -> None:
    block(stack, "bluefinch")
    word = "w" + uuid.uuid4().hex[:8]
    text_id, _ = person.post(f"#bluefinch at dawn {word}")
    photo_id, _ = person.post(f"#bluefinch {word} with a photo", jpeg(photo("brick")))
    assert text_id
    assert photo_id
    queries = ("#bluefinch", "bluefinch", f"{word} bluefinch", "#BlueFinch", f"#{word} #bluefinch")
    for query in queries:
        hidden_everywhere(person, query, [text_id, photo_id])
    page = html.unescape(person.get("/search", q="bluefinch", tab="people").text)
    # The interstitial is Shieldwall's: its title, message and help links.
    with Client(stack.sw_url, api_key=stack.api_key) as sdk:
        given = sdk.check_search("bluefinch").interstitial
    assert given is not None
    assert given.title in page
    assert given.message in page
    assert given.links
    for link in given.links:
        assert f'href="{link.url}"' in page
        assert link.label in page

    # The same words without the term are an ordinary search. Posts carrying the tag are
    # left out once Shieldwall's `suppress_hashtag` for it arrives; until then they are
    # shown with the tag as plain text, never a link.
    ordinary_id, _ = person.post(f"just {word}")
    shown = person.get("/search", q=word, tab="latest").text
    assert INTERSTITIAL not in shown
    assert ordinary_id in results(shown)
    assert set(results(shown)) <= {ordinary_id, text_id, photo_id}
    assert 'href="/tag/bluefinch"' not in shown

    for name in ("bluefinch", "BLUEFINCH"):
        tag = person.get(f"/tag/{name}")
        assert tag.status_code == 200
        assert INTERSTITIAL in tag.text
        assert results(tag.text) == []
    # An ordinary tag's page is untouched.
    ordinary = "sunrise" + uuid.uuid4().hex[:6]
    ordinary_id, _ = person.post(f"a walk #{ordinary}")
    page = person.get(f"/tag/{ordinary}").text
    assert INTERSTITIAL not in page
    assert results(page) == [ordinary_id]
    assert f'href="/tag/{ordinary}"' in person.get(f"/p/{ordinary_id}").text


def test_split_and_underscored_spellings_are_hidden(stack: Stack, person: Person) -> None:
    block(stack, "sodapass")
    word = "w" + uuid.uuid4().hex[:8]
    post_id, _ = person.post(f"{word} #soda_pass")
    assert post_id
    for query in ("#soda #pass", "soda pass", "#soda_pass", f"{word} #SODA_PASS"):
        hidden_everywhere(person, query, [post_id])
    assert INTERSTITIAL in person.get("/tag/soda_pass").text
    # Each half alone is an ordinary word.
    for query in ("soda", "#pass"):
        assert INTERSTITIAL not in person.get("/search", q=query).text


def test_trending_never_lists_a_tag_a_check_suppresses(stack: Stack, person: Person) -> None:
    block(stack, "velvetmoth")
    for n in range(6):
        assert person.post(f"moths {n} #velvetmoth")[0]
    for n in range(5):
        assert person.post(f"fabric {n} #velvet")[0]
    for n in range(4):
        assert person.post(f"insects {n} #moth")[0]
    listed = trending(person.get("/").text)
    assert "velvetmoth" not in listed
    # "velvet" and "moth" are next to each other in the list of candidates, and read together
    # they make the term: each is still listed, as each alone is an ordinary word.
    assert listed[:2] == ["velvet", "moth"]


def test_autocomplete_never_offers_a_suppressed_tag_or_completes_a_suppressed_query(
    stack: Stack, person: Person
) -> None:
    block(stack, "amberkite")
    for text in ("#amberkite", "#amberkite again", "#amberlight", "#amberwaves"):
        assert person.post(text)[0]
    offered = suggestions(person, "amber")
    assert "amberkite" not in offered
    assert set(offered) == {"amberlight", "amberwaves"}
    assert suggestions(person, "#Amb") == offered
    assert suggestions(person, "#amberkite") == []
    assert suggestions(person, "amber kite") == []  # the query itself is suppressed
    assert suggestions(person, "") == []
    assert suggestions(person, "   ") == []
    too_long = person.get("/search/suggest", q="a" * 201)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["field"] == "q"
    # The search boxes use it through a static script (no inline script: CSP).
    home = person.get("/").text
    assert 'src="/static/microblog/suggest.js"' in home
    assert "data-suggest" in home
    assert person.get("/static/microblog/suggest.js").status_code == 200


def test_report_hashtag_goes_through_the_report_flow(stack: Stack, person: Person) -> None:
    name = "lantern" + uuid.uuid4().hex[:6]
    assert person.post(f"look #{name}")[0]
    page = person.get(f"/tag/{name.upper()}").text
    assert f'href="/tag/{name}/report"' in page
    assert "Report hashtag" in page
    walk = Reporter(person, f"/tag/{name}/report")
    assert walk.step.heading == "Report hashtag"
    for label in CSE_LABELS:
        walk.click(label)
    assert walk.step.heading == f"Review your report about #{name}"
    assert "additional_posts" not in walk.step.text  # a hashtag report adds no posts
    sent = walk.click("Submit", cse_reason="abuse_imagery")
    assert sent.status_code == 302, sent.text[-2000:]
    report_id = sent.headers["location"].rsplit("/", 1)[1]
    done = person.get(sent.headers["location"]).text
    assert f"Your report about #{name} was received" in done
    (stored,) = stored_reports(stack, report_id)
    assert (stored["subject_id"], stored["category"]) == (name, "child_sexual_exploitation")
    assert stored["cse_reason"] == "abuse_imagery"
    assert stored["subject_handle"] == ""
    mine = person.get("/reports").text
    row = dict(re.findall(r'data-report-id="([^"]+)">(.*?)</li>', mine, re.S))[report_id]
    assert f'href="/tag/{name}"' in row
    assert f"#{name}" in row

    # A suppressed tag can be reported too; an unknown one cannot; nor without a login.
    block(stack, "copperwren")
    assert person.post("#copperwren")[0]
    assert "Report hashtag" in person.get("/tag/copperwren").text
    assert person.get("/tag/copperwren/report").status_code == 200
    assert person.get("/tag/nosuchtag" + uuid.uuid4().hex[:6] + "/report").status_code == 404
    assert person.get("/tag/" + "x" * 300 + "/report").status_code == 404
    anonymous = httpx.get(f"{stack.mb_url}/tag/{name}/report", timeout=30)
    assert anonymous.status_code == 302
    assert "Report hashtag" not in httpx.get(f"{stack.mb_url}/tag/{name}", timeout=30).text


def test_hostile_tag_and_search_input_gets_a_page_not_an_error(person: Person) -> None:
    word = "w" + uuid.uuid4().hex[:8]
    post_id, _ = person.post(f"calm {word}")
    for name in ("x" * 300, "a%00b", "a%20b", "%E2%80%8B", "2024"):
        assert person.get(f"/tag/{name}").status_code == 404, name
        assert person.get(f"/tag/{name}/report").status_code == 404, name
    for q in ("#" * 150, "\u202e\u200b#\u0000x", "q" * 400, "%00", "# # #", "#\u0000"):
        for tab in TABS:
            r = person.get("/search", q=q, tab=tab)
            assert r.status_code == 200, (q, tab)
        assert person.get("/search/suggest", q=q[:200]).status_code == 200
    # A query Shieldwall refuses closes that page only: search goes on for everyone else.
    assert results(person.get("/search", q=word, tab="latest").text) == [post_id]


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"SHIELDWALL_URL": "http://127.0.0.1:{dead}"}, id="unreachable"),
        pytest.param({"SHIELDWALL_API_KEY": ""}, id="not-configured"),
    ],
)
def test_when_shieldwall_cannot_be_asked_search_and_tags_fail_closed(
    stack: Stack, person: Person, broken: dict[str, str]
) -> None:
    tag = "harbour" + uuid.uuid4().hex[:6]
    post_id, _ = person.post(f"boats #{tag}")
    assert post_id
    assert results(person.get("/search", q=tag, tab="latest").text) == [post_id]
    assert tag in trending(person.get("/").text)
    # A second Tidepool on the same data that cannot ask Shieldwall.
    port = free_port()
    env = {
        **stack.mb_env,
        **{k: v.format(dead=free_port()) for k, v in broken.items()},
        "MICROBLOG_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    down = f"http://127.0.0.1:{port}"
    log_path = stack.tmp / f"microblog-down-{port}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "microblog", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"{down}/", proc, log_path)
            with Person(down) as visitor:
                for q in (tag, f"#{tag}", "boats"):
                    for tab in TABS:
                        page = visitor.get("/search", q=q, tab=tab)
                        assert page.status_code == 200
                        assert UNAVAILABLE in page.text, (q, tab)
                        assert results(page.text) == [], (q, tab)
                tag_page = visitor.get(f"/tag/{tag}").text
                assert UNAVAILABLE in tag_page
                assert results(tag_page) == []
                assert suggestions(visitor, tag[:5]) == []
                home = visitor.get("/").text
                assert trending(home) == []
                # The timeline still works; its tag links lead to pages that fail closed.
                assert post_id in results(home)
                assert f'href="/tag/{tag}"' in home
        finally:
            proc.terminate()
            proc.wait(timeout=20)
