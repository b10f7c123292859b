"""The platform's profile: how its public links map to its ids, registered over the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shieldwall.core.actors import Actor
from shieldwall.core.errors import Forbidden, Invalid
from shieldwall.core.models import AuditEvent
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.links import LinkError, LinkMap, compile_pattern, normalise_host
from shieldwall.subjects.profile import media_url_shown, read_public_link, set_platform_profile
from tests.subjects.platform import HOST, LINKS, MEDIA_HOST, register

LINK_MAP = LinkMap(
    frozenset({HOST, "127.0.0.1:8001", "[::1]:8001"}),
    tuple(compile_pattern(t, p) for t, ps in LINKS.items() for p in ps),
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://{HOST}/p/p_27c2", ("post", "id", "p_27c2")),
        (f"http://{HOST}/p/p_27c2/", ("post", "id", "p_27c2")),
        ("https://TIDEPOOL.example:443/p/p_1?utm=x#top", ("post", "id", "p_1")),
        ("http://127.0.0.1:8001/p/p_1", ("post", "id", "p_1")),
        ("http://[::1]:8001/p/p_1", ("post", "id", "p_1")),
        (f"https://{HOST}/@Alice", ("account", "handle", "Alice")),
        (f"https://{HOST}/users/a_9", ("account", "id", "a_9")),
        (f"https://{HOST}/tag/caf%C3%A9", ("hashtag", "name", "café")),
        (f"https://{HOST}/p/p_1/report", None),  # on the platform, but no pattern fits
        (f"https://{HOST}/p/", None),
        (f"https://{HOST}/p/%FF", None),  # not UTF-8
        (f"https://{HOST}/p/%00", None),  # a control character
        (f"https://{HOST}/", None),
    ],
)
def test_platform_links_name_their_subject(url: str, expected: tuple[str, str, str] | None) -> None:
    assert LINK_MAP.is_platform_link(url)
    found = LINK_MAP.match(url)
    assert (found and (found.subject_type, found.placeholder, found.value)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "p_27c2",  # a bare post id
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://tidepool.example/p/p_1",
        "//tidepool.example/p/p_1",
        "https://evil.test/p/p_1",
        "https://tidepool.example.evil.test/p/p_1",
        "https://tidepool.example@evil.test/p/p_1",  # looks like the platform, goes elsewhere
        "https://user:pw@tidepool.example/p/p_1",
        "https://evil.test\\@tidepool.example/p/p_1",  # browsers read \ as /: evil.test
        "https://tidepool.example /p/p_1",
        "https://tidepool.example:8443/p/p_1",  # another port is another site
        "https://tidepool.example:99999/p/p_1",
        "http://127.0.0.1:8002/p/p_1",
        "https://[::1/p/p_1",
        "https://tidepool.example/p/" + "x" * 2000,
    ],
)
def test_other_links_are_not_the_platforms(url: str) -> None:
    assert not LINK_MAP.is_platform_link(url)
    assert LINK_MAP.match(url) is None


@pytest.mark.parametrize(
    ("subject_type", "pattern"),
    [
        ("post", "p/{id}"),  # not a path
        ("post", "/p/{id}/{id}"),  # two placeholders
        ("post", "/p/"),  # none
        ("post", "/p/{handle}"),  # a post has no handle
        ("hashtag", "/tag/{id}"),
        ("post", "/p?id={id}"),  # a query
        ("post", "/p/{id}#x"),
        ("post", "/p/{id} "),
        ("post", "/{{id}}"),
        ("video", "/v/{id}"),
        ("post", "/" + "p" * 300 + "/{id}"),
    ],
)
def test_bad_patterns_are_refused(subject_type: str, pattern: str) -> None:
    with pytest.raises(LinkError):
        compile_pattern(subject_type, pattern)


@pytest.mark.parametrize(
    "host",
    ["", "https://tidepool.example", "tidepool.example/p", "*.tidepool.example", "a b", "x:0"],
)
def test_bad_hosts_are_refused(host: str) -> None:
    with pytest.raises(LinkError):
        normalise_host(host)


def test_hosts_are_normalised() -> None:
    assert normalise_host("Tidepool.Example.") == "tidepool.example"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"
    assert normalise_host("127.0.0.1:8001") == "127.0.0.1:8001"


@pytest.mark.django_db
def test_the_platform_registers_its_profile_over_the_api(api: Client) -> None:
    assert api.get("/api/v1/platform").status_code == 404
    body = {
        "hosts": [HOST, "Www.Tidepool.Example"],
        "links": LINKS,
        "media_hosts": [MEDIA_HOST],
    }
    r = api.put("/api/v1/platform", body, content_type="application/json")
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["hosts"] == [HOST, "www.tidepool.example"]
    assert out["links"] == LINKS
    assert (out["changed"], out["updated_by"]) == (True, "apikey:test-platform")
    again = api.put("/api/v1/platform", body, content_type="application/json")
    assert again.json()["changed"] is False  # a platform registering on every start
    assert AuditEvent.objects.filter(action=SubjectEvent.PROFILE_SET).count() == 1
    assert api.get("/api/v1/platform").json()["media_hosts"] == [MEDIA_HOST]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hosts": [], "links": LINKS}, "hosts"),
        ({"hosts": ["https://tidepool.example/"], "links": LINKS}, "hosts.0"),
        ({"hosts": [HOST], "links": {"post": ["/p/{handle}"]}}, "links.post.0"),
        ({"hosts": [HOST], "links": {"account": ["/@{id}", "users"]}}, "links.account.1"),
        ({"hosts": [HOST], "links": {}}, "links"),
        ({"hosts": [HOST], "links": LINKS, "media_hosts": ["javascript:x"]}, "media_hosts.0"),
        ({"hosts": [HOST] * 21, "links": LINKS}, "hosts"),
        ({"hosts": HOST, "links": LINKS}, "hosts"),
        ({"hosts": [HOST], "links": {"post": ["/p/{id}"] * 11}}, "links.post"),
    ],
)
def test_a_bad_profile_is_a_json_422_naming_the_field(
    api: Client, body: dict[str, object], field: str
) -> None:
    r = api.put("/api/v1/platform", body, content_type="application/json")
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["field"] == field
    assert not AuditEvent.objects.filter(action=SubjectEvent.PROFILE_SET).exists()


@pytest.mark.django_db
def test_only_a_key_or_role_with_the_right_may_change_it() -> None:
    moderator = Actor(kind="user", name="mod", permissions=frozenset({"cases.view_case"}))
    with pytest.raises(Forbidden):
        set_platform_profile(hosts=[HOST], links=LINKS, media_hosts=[], actor=moderator)


@pytest.mark.django_db
def test_public_links_are_read_with_the_registered_profile(actor: Actor) -> None:
    with pytest.raises(Invalid) as none_yet:
        read_public_link(f"https://{HOST}/p/p_1")
    assert none_yet.value.code == "links_not_registered"
    register(actor)
    found = read_public_link(f"https://www.{HOST}/p/p_1")
    assert found is not None
    assert (found.subject_type, found.value) == ("post", "p_1")
    for bad in ("javascript:alert(1)", "p_1", "https://evil.test/p/p_1"):
        with pytest.raises(Invalid) as refused:
            read_public_link(bad)
        assert (refused.value.code, refused.value.field) == ("not_platform_link", "subject_url")


@pytest.mark.django_db
def test_media_addresses_are_shown_only_on_the_media_hosts(actor: Actor) -> None:
    assert not media_url_shown(f"https://{MEDIA_HOST}/m/1.jpg")  # nothing registered
    register(actor)
    assert media_url_shown(f"https://{MEDIA_HOST}/m/1.jpg")
    assert not media_url_shown(f"https://{HOST}/m/1.jpg")  # a public host is not a media host
    assert not media_url_shown("https://tracker.evil.test/pixel.gif")
    assert not media_url_shown(f"https://{MEDIA_HOST}@tracker.evil.test/pixel.gif")


@pytest.mark.django_db
def test_staff_see_the_profile_read_only(actor: Actor) -> None:
    from shieldwall.core.staff import create_staff_user

    register(actor)
    admin, _ = create_staff_user(username="ada", roles=["admin"], actor=actor, superuser=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/subjects/platformprofile/")
    assert listing.status_code == 200
    assert HOST.encode() in listing.content
    assert client.get("/admin/subjects/platformprofile/1/delete/").status_code == 403
    assert (
        client.post("/admin/subjects/platformprofile/1/change/", {"hosts": "[]"}).status_code == 403
    )
    assert client.get("/admin/subjects/platformprofile/add/").status_code == 403


@pytest.mark.django_db
def test_two_first_registrations_at_once_both_succeed(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform's processes start together: the other one inserts the row between this
    one's look and its insert. Both get a 200, never a 500 (seen on PostgreSQL)."""
    from django.utils import timezone

    from shieldwall.subjects.models import PlatformProfile

    real_insert = PlatformProfile._do_insert
    raced = []

    def insert_after_the_other(self: PlatformProfile, *args: Any, **kwargs: Any) -> Any:
        # Django's save found no row to update; the other process inserts just now.
        if not raced:
            raced.append(True)
            PlatformProfile.objects.bulk_create(
                [
                    PlatformProfile(
                        pk=1,
                        hosts=[HOST],
                        links={"post": ["/p/{id}"]},
                        media_hosts=[],
                        updated_at=timezone.now(),
                        updated_by="apikey:other-process",
                    )
                ]
            )
        return real_insert(self, *args, **kwargs)

    monkeypatch.setattr(PlatformProfile, "_do_insert", insert_after_the_other)
    body = {"hosts": [HOST], "links": LINKS, "media_hosts": [MEDIA_HOST]}
    r = api.put("/api/v1/platform", body, content_type="application/json")
    assert r.status_code == 200, r.content
    assert raced
    assert r.json()["links"] == LINKS  # the second try updated the row the other one made
    assert PlatformProfile.objects.get().media_hosts == [MEDIA_HOST]
