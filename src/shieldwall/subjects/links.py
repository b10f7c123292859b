"""How a platform's public links map to its ids: hosts and link patterns, checked and matched.

Pure (no database): `subjects.profile` stores what the platform registered and calls this to
read a link a person pasted. A pattern is a path with one placeholder, e.g. `/p/{id}`; the
placeholder takes one path segment. Only http(s) links to a registered host are read at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from shieldwall.hosts import ascii_host
from shieldwall.subjects.kinds import SubjectType

MAX_HOSTS = 20
MAX_PATTERNS = 10
MAX_PATTERN_LENGTH = 200
MAX_LINK_LENGTH = 2000
MAX_VALUE_LENGTH = 200

# What each subject type's patterns may capture: its platform id, an account's handle (looked
# up among the accounts Shieldwall knows), or a hashtag's name.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    SubjectType.POST: ("id",),
    SubjectType.ACCOUNT: ("id", "handle"),
    SubjectType.HASHTAG: ("name",),
}
SUBJECT_TYPES = tuple(PLACEHOLDERS)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::(\d{{1,5}}))?$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Literal characters a pattern may hold: a URL path's, without query, fragment or braces.
_LITERAL = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$")


class LinkError(ValueError):
    """A host, pattern or link that cannot be used; `field` says where, the message why."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_host(entry: str, *, field: str = "") -> str:
    """A registered host as `name` or `name:port` (lowercase, ASCII, no default port)."""
    if not isinstance(entry, str) or not entry or len(entry) > 260:
        raise LinkError(
            "a host is a name such as tidepool.example (1 to 253 characters)", field=field
        )
    try:
        text = ascii_host(entry)
    except UnicodeError:
        raise LinkError(f"{entry[:60]!r} is not a host name", field=field) from None
    match = _HOST.match(text)
    if match is None or len(text) > 253:
        raise LinkError(
            f"{entry[:60]!r} is not a host name; give a name and an optional port, such as "
            "tidepool.example or 127.0.0.1:8001 (no scheme, path or wildcard)",
            field=field,
        )
    port = match.group(1)
    if port is not None and not 0 < int(port) < 65536:
        raise LinkError(f"{entry[:60]!r} has a port outside 1 to 65535", field=field)
    return text


def host_of(url: str) -> str | None:
    """The `name[:port]` of an http(s) link in the form hosts are registered, else None.

    None for anything a person could be misled by: other schemes, user names in the address
    (`https://platform@elsewhere/`), backslashes, spaces or control characters.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LINK_LENGTH:
        return None
    if any(ch.isspace() or ch == "\\" or unicodedata.category(ch) == "Cc" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    try:
        name = ascii_host(parts.hostname)
    except UnicodeError:
        return None
    if ":" in name:  # an IPv6 address: urlsplit drops its brackets
        name = f"[{name}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{name}:{port}"
    return name


@dataclass(frozen=True)
class Pattern:
    """One checked link pattern of a subject type, with the regular expression it reads as."""

    subject_type: str
    text: str
    placeholder: str
    regex: re.Pattern[str]


def compile_pattern(subject_type: str, text: str, *, field: str = "") -> Pattern:
    """A pattern such as `/p/{id}`, checked: a path with exactly one allowed placeholder."""
    allowed = PLACEHOLDERS.get(subject_type)
    if allowed is None:
        raise LinkError(f"subject type must be one of {', '.join(SUBJECT_TYPES)}", field=field)
    if not isinstance(text, str) or not text.startswith("/") or len(text) > MAX_PATTERN_LENGTH:
        raise LinkError(
            f"a link pattern is a path of up to {MAX_PATTERN_LENGTH} characters starting with /, "
            "such as /p/{id}",
            field=field,
        )
    names = _PLACEHOLDER.findall(text)
    shown = ", ".join("{" + n + "}" for n in allowed)
    if len(names) != 1 or names[0] not in allowed:
        raise LinkError(
            f"a {subject_type} link pattern holds exactly one of {shown}; {text[:80]!r} does not",
            field=field,
        )
    before, _name, after = _PLACEHOLDER.split(text)
    for literal in (before, after):
        if not _LITERAL.match(literal):
            raise LinkError(
                f"{text[:80]!r} holds characters a link path cannot (no ?, #, spaces or braces)",
                field=field,
            )
    body = re.escape(before) + r"(?P<value>[^/]+)" + re.escape(after.rstrip("/"))
    return Pattern(subject_type, text, names[0], re.compile(rf"^{body}/?$"))


@dataclass(frozen=True)
class LinkMatch:
    """What a link names: a subject type and its id, handle or name, as the link spells it."""

    subject_type: str
    placeholder: str  # "id", "handle" or "name"
    value: str


@dataclass(frozen=True)
class LinkMap:
    """A platform's public hosts and link patterns, ready to read links with."""

    hosts: frozenset[str]
    patterns: tuple[Pattern, ...]

    def is_platform_link(self, url: str) -> bool:
        """An http(s) link to one of the platform's hosts."""
        host = host_of(url)
        return host is not None and host in self.hosts

    def match(self, url: str) -> LinkMatch | None:
        """The subject a platform link names, or None when no pattern fits its path."""
        if not self.is_platform_link(url):
            return None
        path = urlsplit(url).path or "/"
        for pattern in self.patterns:
            found = pattern.regex.match(path)
            if found is None:
                continue
            try:
                value = unquote(found.group("value"), errors="strict").strip()
            except UnicodeDecodeError:
                return None
            if pattern.placeholder == "handle":
                value = value.lstrip("@")
            if not value or len(value) > MAX_VALUE_LENGTH or not value.isprintable():
                return None
            return LinkMatch(pattern.subject_type, pattern.placeholder, value)
        return None
