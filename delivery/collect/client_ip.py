"""The client's address, as a collecting server sees it: the connection's peer, or, behind
proxies the operator trusts (`SIGNAL_TRUSTED_PROXIES`), the right-most address in
`X-Forwarded-For` that no trusted proxy added. Anything left of that could be written by
the client itself, so it is never believed."""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Parse CIDRs (a bare address is a /32 or /128); raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


@lru_cache(maxsize=4)
def _trusted(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return networks(cidrs)


def trusted_proxies() -> tuple[Network, ...]:
    return _trusted(tuple(settings.SIGNAL_TRUSTED_PROXIES))


def address(text: str) -> Address | None:
    """An address as proxies write it: bare, `[v6]:port` or `v4:port`; None if unreadable."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(parsed, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or parsed


def _is_trusted(ip: Address, trusted: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def client_ip(
    peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]
) -> str | None:
    """The client's address; None when the connection has none (e.g. a Unix socket).

    `forwarded_for` holds the `X-Forwarded-For` header values in the order received.
    """
    current = address(peer) if peer else None
    if current is None:
        return None
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    while _is_trusted(current, trusted) and hops:
        previous = address(hops.pop())
        if previous is None:  # garbage where a proxy's entry should be: stop at the proxy
            break
        current = previous
    return str(current)


def connection_ip(scope: dict) -> str | None:
    """The client's address for an ASGI request."""
    client = scope.get("client")
    peer = client[0] if client else None
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers") or []
        if name == b"x-forwarded-for"
    ]
    return client_ip(peer, forwarded, trusted_proxies())
