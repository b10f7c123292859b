"""Who is on the other end of a request: one answer for throttles, rate limits and logs."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from shieldwall.config import IPNetwork

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(raw: str) -> Address | None:
    text = raw.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" from some proxies
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(request: HttpRequest) -> str:
    """The socket peer, or behind trusted proxies the right-most forwarded hop they vouch for."""
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return "unknown"
    proxies: tuple[IPNetwork, ...] = settings.SHIELDWALL.trusted_proxies
    if not _trusted(peer, proxies):
        return str(peer)
    # Each trusted proxy appends the address it saw; everything left of the first hop that
    # is not a trusted proxy was written by the client and proves nothing.
    nearest = peer
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    for raw in reversed(hops):
        hop = _parse(raw)
        if hop is None:
            break  # a proxy we trust would not forward garbage; stop at the last one we know
        if not _trusted(hop, proxies):
            return str(hop)
        nearest = hop
    return str(nearest)


def address_in(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether an address (as `client_address` gives it) lies in one of these networks;
    "unknown" and anything else unparsable lies in none."""
    parsed = _parse(address)
    return parsed is not None and _trusted(parsed, networks)


def rate_bucket(address: str) -> str:
    """The unit a rate limit counts: one IPv4 address, or one IPv6 /64 (one subscriber's)."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
