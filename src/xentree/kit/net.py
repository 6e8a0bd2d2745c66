"""The caller's address, trusting `X-Forwarded-For` only from configured proxies."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=64)
def networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def ip_in(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: Request, trusted_proxies: list[str]) -> str:
    """The peer address; with a trusted peer, the right-most untrusted `X-Forwarded-For` hop."""
    peer = request.client.host if request.client else "0.0.0.0"
    trusted = networks(tuple(trusted_proxies))
    peer_ip = parse_ip(peer)
    if not trusted or peer_ip is None or not ip_in(peer_ip, trusted):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        hop_ip = parse_ip(hop)
        if hop_ip is None:
            return peer
        if not ip_in(hop_ip, trusted):
            return str(hop_ip)
    return peer
