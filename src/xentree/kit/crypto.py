"""Secrets: random tokens, keyed hashes and constant-time comparison."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte sub-key of the server secret for one purpose (HKDF-like, via HMAC-SHA256)."""
    return hmac.new(secret.encode(), b"xentree:" + purpose.encode(), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> bytes:
    return hmac.new(key, value.encode(), hashlib.sha256).digest()


def sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def random_urlsafe(nbytes: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).rstrip(b"=").decode()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
