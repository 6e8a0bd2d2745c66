"""API-key material: the documented key format and the keyed hash stored in its place."""

from __future__ import annotations

from xentree.kit.crypto import derive_key, keyed_hash, random_urlsafe

API_KEY_PREFIX = "xntr-"
API_KEY_LENGTH = 91  # "xntr-" + 86 URL-safe base64 characters of 64 random bytes
API_KEY_DISPLAY_PREFIX = 12


def generate_api_key() -> str:
    key = API_KEY_PREFIX + random_urlsafe(64)
    assert len(key) == API_KEY_LENGTH
    return key


def looks_like_api_key(value: str) -> bool:
    return len(value) == API_KEY_LENGTH and value.startswith(API_KEY_PREFIX)


class ApiKeyHasher:
    """HMAC-SHA256 under a sub-key of the server secret: a stolen table is useless without it,
    and the lookup stays one indexed equality query."""

    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "api-key")

    def hash(self, api_key: str) -> bytes:
        return keyed_hash(self._key, api_key)
