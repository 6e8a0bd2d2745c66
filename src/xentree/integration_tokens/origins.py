"""Origins a grant is bound to: `https://host[:port]`, or plain http on the loopback host only.

An origin is compared in its serialized form (RFC 6454 §6.2): lower-case scheme and host, the
default port dropped, no path, query, fragment or user info.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_ORIGIN_LENGTH = 255
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return len(host) <= 253 and all(_LABEL.match(label) for label in labels)


def normalize_origin(value: str) -> str:
    """The serialized origin, or ValueError with the reason it is not one."""
    if len(value) > MAX_ORIGIN_LENGTH:
        raise ValueError(f"must be at most {MAX_ORIGIN_LENGTH} characters")
    if not value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must be an origin such as 'https://partner.example.com'")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("must be an absolute https:// origin (http:// only for localhost)")
    if "@" in parts.netloc:
        raise ValueError("must not contain user info")
    if parts.path or parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError("must be an origin only: no path, query or fragment")
    host = (parts.hostname or "").lower()
    if not host or not _valid_host(host):
        raise ValueError("has an invalid host")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    if scheme == "http" and host not in _LOOPBACK_HOSTS:
        raise ValueError("must use https:// (http:// is allowed only for localhost)")
    shown_host = f"[{host}]" if ":" in host else host
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown_host}"
    if port == 0:
        raise ValueError("has an invalid port")
    return f"{scheme}://{shown_host}:{port}"
