"""The client a throttle counts against: one key for the sign-in throttle and every rate limit,
so whatever one address cannot do at one, it cannot do at another either."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request


def client_of(request: Request) -> str:
    """The client's address, as uvicorn reports it: the one a trusted proxy
    (ONBOARDING_FORWARDED_ALLOW_IPS) names in X-Forwarded-For, otherwise the peer's.

    IPv6 clients are counted per /64: one host usually holds the whole block, and would
    otherwise get a fresh allowance from each of its 2^64 addresses. An IPv4 client that
    reaches a dual-stack socket as ::ffff:a.b.c.d is counted as a.b.c.d, not with every
    other IPv4 client in that one /64.
    """
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)
