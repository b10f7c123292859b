"""How Shieldwall spells a host name before comparing it: one place, so the allow-list, the
outgoing-connection check and the platform's registered hosts cannot drift apart.

Pure and at the bottom of the layers (no Django, no app): `shieldwall.config` reads the
allow-list with it before Django starts, `core.egress` checks connections with it, and
`subjects.links` reads the platform's hosts with it.
"""

from __future__ import annotations


def bare_host(host: str) -> str:
    """The host as allow-lists and address checks compare it: lowercase, no surrounding
    space, no IPv6 brackets and no final dot (`[::1]` and `::1`, `a.example.` and `a.example`
    are one host)."""
    return host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def ascii_host(host: str) -> str:
    """The host as a platform registers it and a link is read against it: lowercase, no
    surrounding space or final dot, an internationalised name in its ASCII (IDNA) form; an
    IPv6 literal keeps its brackets. UnicodeError when a name has no ASCII form."""
    text = host.strip().lower().rstrip(".")
    return text if text.isascii() else text.encode("idna").decode("ascii")
