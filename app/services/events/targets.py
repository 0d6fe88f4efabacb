"""Where a webhook may point: URL rules and the address checks that stop requests to
internal services (SSRF).

A URL is checked when a subscription is saved and its host is resolved and checked again at
every delivery; the request then connects to the address that passed the check (never
resolving a second time), so a DNS answer that changes in between cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.core.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))


class TargetRefused(ValueError):
    """The URL or the address it resolves to may not receive webhooks."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked destination: where to connect, and what to send as Host and for TLS."""

    scheme: str
    host: str
    port: int
    path: str
    address: IPAddress

    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


async def _system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


_resolver: Resolver = _system_resolver


def set_resolver(resolver: Resolver | None) -> None:
    """Replace name resolution (tests that need a DNS answer to change); None restores it."""
    global _resolver
    _resolver = resolver or _system_resolver


def parse_url(url: str, settings: Settings) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable webhook URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    allowed = ("https",) if settings.is_production else ("https", "http")
    if parts.scheme not in allowed:
        raise TargetRefused(
            "must be an https:// URL"
            if settings.is_production
            else "must be an http:// or https:// URL"
        )
    if not parts.hostname:
        raise TargetRefused("has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not carry user name or password")
    if parts.fragment:
        raise TargetRefused("must not have a #fragment")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (
        parts.scheme,
        parts.hostname.lower(),
        port or (443 if parts.scheme == "https" else 80),
        path,
    )


def address_class(address: IPAddress) -> str | None:
    """Why an address may not receive webhooks (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return "IPv4-mapped IPv6"
    if address in _METADATA:
        return "cloud metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "carrier-grade NAT"
    if address.is_private:
        return "private"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def _allow_listed(host: str, address: IPAddress, allowed: Sequence[str]) -> bool:
    for entry in allowed:
        if entry == host:
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


async def check_target(url: str, settings: Settings) -> Target:
    """Resolve the URL's host and check every address; the first is where to connect."""
    scheme, host, port, path = parse_url(url, settings)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        answers = [str(literal)]
    else:
        try:
            answers = await _resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise TargetRefused(f"{host} does not resolve ({exc})") from None
    if not answers:
        raise TargetRefused(f"{host} does not resolve")
    addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in answers]
    for address in addresses:
        refused = address_class(address)
        if refused and not _allow_listed(host, address, settings.webhook_allowed_hosts):
            raise TargetRefused(
                f"{host} resolves to {address}, a {refused} address; add it to "
                "TANDEM_WEBHOOK_ALLOWED_HOSTS to allow it"
            )
    return Target(scheme, host, port, path, addresses[0])
