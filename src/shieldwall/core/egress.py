"""Outgoing connections (webhooks, hash exchanges) go to public addresses only.

A webhook or exchange URL that names a loopback, private, link-local, shared (carrier-grade
NAT), multicast, unspecified or reserved address, or a cloud metadata service, would let
whoever sets it reach inside the network Shieldwall runs in. Such hosts are refused unless the
operator names them in SHIELDWALL_ALLOW_PRIVATE_HOSTS (metadata services never are). The check
runs when a URL is registered and again at every connection, on the very addresses connected
to, so a name that resolves elsewhere later (DNS rebinding) is caught, and so is a redirect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError

from shieldwall import config
from shieldwall.core.errors import Invalid
from shieldwall.hosts import bare_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in config.METADATA_ADDRESSES)
# Special-purpose ranges that Python's is_private / is_global do not all cover on 3.11.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_SPECIAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "198.18.0.0/15", "fec0::/10", "100::/64")
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
ALLOW_VARIABLE = "SHIELDWALL_ALLOW_PRIVATE_HOSTS"


class DestinationRefused(Exception):
    """A connection was not made: the host is, or resolves to, a non-public address.

    Not an OSError on purpose, so that HTTP libraries neither retry it nor wrap it.
    """


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why Shieldwall does not connect to this address by default (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_v4(ip)) is not None:
        reason = forbidden_reason(inner)
        return f"{reason} (inside {ip})" if reason else None
    checks = (
        (ip in METADATA_ADDRESSES, "a cloud metadata address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip in _SHARED, "a shared (carrier-grade NAT) address"),
        (ip.is_reserved, "a reserved address"),
        (any(ip in net for net in _SPECIAL), "a special-purpose address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), None)


def is_loopback_name(host: str) -> bool:
    """Whether the host is localhost or a loopback address literal."""
    host = bare_host(host)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_private_hosts() -> frozenset[str]:
    """The hosts the operator allows to be private (SHIELDWALL_ALLOW_PRIVATE_HOSTS)."""
    return frozenset(settings.SHIELDWALL.allow_private_hosts)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host stands for (itself, if it is an address); socket.gaierror if none."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    return list(dict.fromkeys(found))


def vet(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to for host, or DestinationRefused if any is not public."""
    name = bare_host(host)
    addresses = resolve(name, port)  # raises socket.gaierror when the name does not resolve
    allowed = name in allowed_private_hosts()
    for ip in addresses:
        reason = forbidden_reason(ip)
        if reason is None or (allowed and ip not in METADATA_ADDRESSES):
            continue
        shown = name if name == str(ip) else f"{name} ({ip})"
        hint = "" if ip in METADATA_ADDRESSES else f"; an operator may allow it in {ALLOW_VARIABLE}"
        raise DestinationRefused(f"{shown} is {reason}{hint}")
    return addresses


def check_url(url: str, *, field: str) -> None:
    """Refuse (Invalid) a URL to register whose host is not public or whose http is not local.

    Plain http goes only to a loopback host the operator allows; https anywhere public. A name
    that does not resolve yet is accepted: every connection is checked again.
    """
    parts = urlsplit(url)
    host = bare_host(parts.hostname or "")
    if parts.scheme == "http" and not is_loopback_name(host):
        raise Invalid(
            "insecure_url",
            f"Use https; plain http goes only to a loopback host named in {ALLOW_VARIABLE}.",
            field=field,
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        vet(host, port)
    except DestinationRefused as exc:
        raise Invalid("destination_refused", f"{exc}.", field=field) from None
    except ValueError:
        raise Invalid("invalid_url", f"{url!r} has an invalid port.", field=field) from None
    except (OSError, UnicodeError):
        pass  # not resolvable now; checked again at every connection


# ---- httpx (the webhook outbox) ------------------------------------------------------------


class _VettedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to vetted addresses of the host."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = vet(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from exc
        error: Exception | None = None
        for ip in addresses:  # TLS still checks the certificate against the host name
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")


class VettedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes to a vetted address (no proxies)."""

    def __init__(
        self, *, limits: httpx.Limits, socket_options: Iterable[Any] | None = None
    ) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend of its own; its connection pool (httpcore) does.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            socket_options=socket_options,
            network_backend=_VettedBackend(),
        )


# ---- requests / urllib3 (threatexchange's exchange clients) --------------------------------


class _VettedConnectionMixin(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        host = self._dns_host
        try:
            addresses = vet(host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: Exception | None = None
        for ip in addresses:  # TLS still checks the certificate against the host name
            self._dns_host = str(ip)
            try:
                return super()._new_conn()
            except OSError as exc:  # urllib3's connection errors are OSErrors
                error = exc
            finally:
                self._dns_host = host
        raise error or OSError(f"{host} has no address")


class _VettedHTTPConnection(_VettedConnectionMixin, HTTPConnection):
    pass


class _VettedHTTPSConnection(_VettedConnectionMixin, HTTPSConnection):
    pass


class _VettedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _VettedHTTPConnection


class _VettedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _VettedHTTPSConnection


def vet_session(session: Any) -> Any:
    """Make a requests Session connect only to vetted addresses (redirects too); no env proxies."""
    session.trust_env = False
    for adapter in session.adapters.values():
        adapter.poolmanager.pool_classes_by_scheme = {
            "http": _VettedHTTPPool,
            "https": _VettedHTTPSPool,
        }
    return session
