"""The platform's profile (its hosts, link patterns and media hosts) and reading links with it.

The platform registers the profile over the API (`PUT /api/v1/platform`, the SDK's
`set_platform`); a public report's link is read with it, and the desk shows a media address
only when it is on one of the platform's media hosts. Reads are cached for a few seconds per
process, so the public report page costs no extra query under a flood.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shieldwall.core import audit
from shieldwall.core.actors import Actor, require
from shieldwall.core.errors import Invalid
from shieldwall.subjects.events import SubjectEvent
from shieldwall.subjects.hashtags import HashtagError, normalise_hashtag
from shieldwall.subjects.kinds import SubjectType
from shieldwall.subjects.links import (
    MAX_HOSTS,
    MAX_PATTERNS,
    SUBJECT_TYPES,
    LinkError,
    LinkMap,
    LinkMatch,
    Pattern,
    compile_pattern,
    host_of,
    normalise_host,
)
from shieldwall.subjects.models import Account, Hashtag, PlatformMedia, PlatformProfile, Post
from shieldwall.subjects.permissions import CONFIGURE_PLATFORM

PROFILE_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Profile:
    """The registered profile, checked, with its link patterns compiled."""

    hosts: tuple[str, ...]
    links: dict[str, tuple[str, ...]]
    media_hosts: tuple[str, ...]
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def link_map(self) -> LinkMap:
        return _link_map(self.hosts, self.links)

    def as_data(self) -> dict[str, Any]:
        """The JSON form kept in the database and the audit log."""
        return {
            "hosts": list(self.hosts),
            "links": {t: list(p) for t, p in self.links.items()},
            "media_hosts": list(self.media_hosts),
        }


def _link_map(hosts: Sequence[str], links: Mapping[str, Sequence[str]]) -> LinkMap:
    patterns: list[Pattern] = []
    for subject_type in SUBJECT_TYPES:
        patterns += [compile_pattern(subject_type, p) for p in links.get(subject_type, ())]
    return LinkMap(frozenset(hosts), tuple(patterns))


def _invalid(exc: LinkError) -> Invalid:
    field = exc.field or None
    return Invalid(
        "invalid_profile", f"{field}: {exc.message}" if field else exc.message, field=field
    )


def _hosts(raw: Any, field: str, *, required: bool) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or (required and not raw) or len(raw) > MAX_HOSTS:
        least = 1 if required else 0
        raise Invalid(
            "invalid_profile",
            f"{field}: a list of {least} to {MAX_HOSTS} host names",
            field=field,
        )
    try:
        hosts = [normalise_host(h, field=f"{field}.{n}") for n, h in enumerate(raw)]
    except LinkError as exc:
        raise _invalid(exc) from None
    return tuple(dict.fromkeys(hosts))


def check_profile(*, hosts: Any, links: Any, media_hosts: Any) -> Profile:
    """The profile as given, checked; Invalid names the first field that is wrong."""
    checked_hosts = _hosts(hosts, "hosts", required=True)
    checked_media = _hosts(media_hosts, "media_hosts", required=False)
    if not isinstance(links, Mapping) or not links:
        raise Invalid(
            "invalid_profile",
            'links: patterns per subject type, e.g. {"post": ["/p/{id}"]}',
            field="links",
        )
    unknown = [k for k in links if k not in SUBJECT_TYPES]
    if unknown:
        raise Invalid(
            "invalid_profile",
            f"links: unknown subject type {str(unknown[0])[:40]!r}; "
            f"expected {', '.join(SUBJECT_TYPES)}",
            field=f"links.{str(unknown[0])[:40]}",
        )
    checked_links: dict[str, tuple[str, ...]] = {}
    for subject_type in SUBJECT_TYPES:
        given = links.get(subject_type, [])
        field = f"links.{subject_type}"
        if not isinstance(given, list | tuple) or len(given) > MAX_PATTERNS:
            raise Invalid(
                "invalid_profile", f"{field}: a list of up to {MAX_PATTERNS} patterns", field=field
            )
        try:
            patterns = [
                compile_pattern(subject_type, p, field=f"{field}.{n}") for n, p in enumerate(given)
            ]
        except LinkError as exc:
            raise _invalid(exc) from None
        if patterns:
            checked_links[subject_type] = tuple(dict.fromkeys(p.text for p in patterns))
    if not checked_links:
        raise Invalid(
            "invalid_profile",
            'links: give at least one link pattern, e.g. {"post": ["/p/{id}"]}',
            field="links",
        )
    return Profile(checked_hosts, checked_links, checked_media)


def set_platform_profile(
    *, hosts: Any, links: Any, media_hosts: Any, actor: Actor
) -> tuple[Profile, bool]:
    """Register the platform's links and media hosts; return the profile and whether it changed.

    An unchanged profile (a platform registering on every start) writes nothing.
    """
    require(actor, CONFIGURE_PLATFORM)
    profile = check_profile(hosts=hosts, links=links, media_hosts=media_hosts)
    try:
        row, changed = _write_profile(profile, actor)
    except IntegrityError:
        # Two first registrations at once (a platform's processes starting together): the
        # other one made the row between our look and our insert. Now there is a row to
        # lock, so the second try either finds it equal or updates it.
        row, changed = _write_profile(profile, actor)
    if changed:
        forget_profile()
    return _stored(row), changed


def _write_profile(profile: Profile, actor: Actor) -> tuple[PlatformProfile, bool]:
    with transaction.atomic():
        row = PlatformProfile.objects.select_for_update().filter(pk=1).first()
        if row is not None and _stored(row).as_data() == profile.as_data():
            return row, False
        row = row or PlatformProfile(pk=1)
        data = profile.as_data()
        row.hosts, row.links, row.media_hosts = data["hosts"], data["links"], data["media_hosts"]
        row.updated_at, row.updated_by = timezone.now(), actor.label
        row.save()
        audit.record(
            actor=actor,
            action=SubjectEvent.PROFILE_SET,
            subject_type="platform",
            subject_id="profile",
            data=data,
        )
    return row, True


def _stored(row: PlatformProfile) -> Profile:
    return Profile(
        hosts=tuple(row.hosts),
        links={t: tuple(p) for t, p in row.links.items()},
        media_hosts=tuple(row.media_hosts),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def platform_profile(*, actor: Actor) -> Profile | None:
    """The registered profile, for the platform that keeps it (None before it registers)."""
    require(actor, CONFIGURE_PLATFORM)
    row = PlatformProfile.objects.filter(pk=1).first()
    return _stored(row) if row is not None else None


_lock = threading.Lock()
_cached: tuple[float, Profile | None, LinkMap | None] | None = None


def current_profile() -> tuple[Profile | None, LinkMap | None]:
    """The profile and its compiled link map, at most a few seconds old (no permission check)."""
    global _cached
    now = time.monotonic()
    with _lock:
        cached = _cached
    if cached is not None and cached[0] > now:
        return cached[1], cached[2]
    row = PlatformProfile.objects.filter(pk=1).first()
    profile = _stored(row) if row is not None else None
    link_map = profile.link_map if profile is not None else None
    with _lock:
        _cached = (now + PROFILE_CACHE_SECONDS, profile, link_map)
    return profile, link_map


def forget_profile() -> None:
    """Drop this process's cached profile (after a change, and in tests)."""
    global _cached
    with _lock:
        _cached = None


def read_public_link(url: str) -> LinkMatch | None:
    """What a link pasted by a person names (None: on the platform, but no pattern fits).

    Refuses (Invalid, field `subject_url`) anything but an http(s) link to the platform's
    own hosts, and every link while the platform has registered none.
    """
    profile, link_map = current_profile()
    if profile is None or link_map is None:
        raise Invalid(
            "links_not_registered",
            "Reports by link can't be taken yet: the platform has not told Shieldwall its "
            "addresses. Report from the platform itself, or try again later.",
            field="subject_url",
        )
    if not link_map.is_platform_link(url):
        where = " or ".join(profile.hosts[:3])
        raise Invalid(
            "not_platform_link",
            f"Paste the full link to a post, account or hashtag on {where} "
            "(it starts with https:// or http://).",
            field="subject_url",
        )
    return link_map.match(url)


def media_url_shown(url: str) -> bool:
    """Whether the desk may load this media address: http(s) on a registered media host."""
    profile, _ = current_profile()
    host = host_of(url)
    return profile is not None and host is not None and host in profile.media_hosts


@dataclass(frozen=True)
class KnownSubject:
    """A subject Shieldwall has heard of from the platform (events or scans name it)."""

    subject_type: str
    subject_id: str
    handle: str = ""


def find_known_subject(subject_type: str, placeholder: str, value: str) -> KnownSubject | None:
    """The subject a link or a person names, if the platform has told Shieldwall of it."""
    if subject_type == SubjectType.POST and placeholder == "id":
        known = (
            Post.objects.filter(post_id=value).exists()
            or PlatformMedia.objects.filter(post_id=value).exists()
        )
        return KnownSubject(SubjectType.POST, value) if known else None
    if subject_type == SubjectType.ACCOUNT:
        accounts = Account.objects.order_by("-last_event_at", "-pk")
        if placeholder == "id":
            found = accounts.filter(account_id=value).first()
        else:
            found = (
                accounts.filter(handle=value).first()
                or accounts.filter(handle__iexact=value).first()
            )
        return KnownSubject(SubjectType.ACCOUNT, found.account_id, found.handle) if found else None
    if subject_type == SubjectType.HASHTAG:
        try:
            name = normalise_hashtag(value)
        except HashtagError:
            return None
        known = Hashtag.objects.filter(name=name).exists()
        return KnownSubject(SubjectType.HASHTAG, name) if known else None
    return None


def known_among(subject_type: str, placeholder: str, values: set[str]) -> set[str]:
    """Which of these values name a subject the platform told us of (a few queries in all)."""
    if not values:
        return set()
    if subject_type == SubjectType.POST and placeholder == "id":
        found = set(Post.objects.filter(post_id__in=values).values_list("post_id", flat=True))
        found |= set(
            PlatformMedia.objects.filter(post_id__in=values).values_list("post_id", flat=True)
        )
        return found & values
    if subject_type == SubjectType.ACCOUNT and placeholder == "id":
        return set(
            Account.objects.filter(account_id__in=values).values_list("account_id", flat=True)
        )
    if subject_type == SubjectType.ACCOUNT and placeholder == "handle":
        lowered = {v.lower(): v for v in values}
        handles = Account.objects.filter(handle__in=values | lowered.keys())
        present = set(handles.values_list("handle", flat=True))
        return {v for v in values if v in present or v.lower() in present}
    if subject_type == SubjectType.HASHTAG:
        names: dict[str, set[str]] = {}
        for value in values:
            try:
                names.setdefault(normalise_hashtag(value), set()).add(value)
            except HashtagError:
                continue
        tags = Hashtag.objects.filter(name__in=names).values_list("name", flat=True)
        return {value for name in tags for value in names[name]}
    return set()


def find_subject_by_ref(subject_type: str, ref: str) -> KnownSubject | None:
    """A subject as triage types it: a post id, an account id or @handle, a tag with or
    without #."""
    ref = ref.strip()
    if not ref or len(ref) > 200 or not ref.isprintable():
        return None
    if subject_type == SubjectType.ACCOUNT:
        if ref.startswith("@"):
            return find_known_subject(SubjectType.ACCOUNT, "handle", ref[1:])
        return find_known_subject(SubjectType.ACCOUNT, "id", ref) or find_known_subject(
            SubjectType.ACCOUNT, "handle", ref
        )
    placeholder = "name" if subject_type == SubjectType.HASHTAG else "id"
    return find_known_subject(subject_type, placeholder, ref)
