"""Tenant signing keys: generation, RFC 7638 `kid`, fingerprints, encryption at rest, cache.

All cryptography comes from `cryptography` (RSA, HKDF, AES-GCM) and PyJWT (JWK encoding).
Parsed keys are cached per process. A public key is cached by `kid`, which is the thumbprint of
the key itself, so the entry can never go stale. A private key is cached per tenant together with
its `kid`; every grant reads the tenant's active `kid` from the database and reloads on a
mismatch, so a rotation made by any process (or the CLI) is seen at the next grant.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import RSAAlgorithm

RSA_KEY_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537
# Format byte of the stored blob: version 1 = AES-256-GCM, 12-byte nonce, tag appended.
_BLOB_V1 = b"\x01"
_NONCE_BYTES = 12
_HKDF_SALT = b"xentree:integration-tokens"
_HKDF_INFO = b"xentree:integration-signing-key-encryption:v1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace."""
    if jwk.get("kty") != "RSA":
        raise ValueError("only RSA keys are used here")
    required = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """The public JWK members (`kty`, `n`, `e`) as PyJWT encodes them (base64url, no padding)."""
    encoded = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {"kty": "RSA", "n": str(encoded["n"]), "e": str(encoded["e"])}


def spki_der(public_key: rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint_sha256(public_key_der: bytes) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo (what `openssl pkey -pubout -outform DER` hashes)."""
    return hashlib.sha256(public_key_der).hexdigest()


class KeyEncryptor:
    """AES-256-GCM under a key derived (HKDF-SHA256) from the server secret.

    The associated data binds a ciphertext to its tenant and `kid`: a blob copied onto another
    row does not decrypt.
    """

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
            secret_key.encode("utf-8")
        )
        self._aead = AESGCM(key)

    @staticmethod
    def associated_data(tenant_id: uuid.UUID, kid: str) -> bytes:
        return tenant_id.bytes + kid.encode("ascii")

    def encrypt(self, plaintext: bytes, *, tenant_id: uuid.UUID, kid: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, self.associated_data(tenant_id, kid))
        return _BLOB_V1 + nonce + sealed

    def decrypt(self, blob: bytes, *, tenant_id: uuid.UUID, kid: str) -> bytes:
        if blob[:1] != _BLOB_V1:
            raise KeyDecryptionError("unknown key blob format")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, self.associated_data(tenant_id, kid))
        except InvalidTag as exc:
            raise KeyDecryptionError(
                "the signing key does not decrypt (was XENTREE_SECRET_KEY changed?)"
            ) from exc


class KeyDecryptionError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class NewKey:
    kid: str
    public_key_der: bytes
    private_key_encrypted: bytes
    private_key: rsa.RSAPrivateKey


def generate_key(encryptor: KeyEncryptor, tenant_id: uuid.UUID) -> NewKey:
    """A fresh RSA-2048 key for `tenant_id` (CPU-bound: run it in a worker thread)."""
    private_key = rsa.generate_private_key(
        public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS
    )
    public_key = private_key.public_key()
    kid = jwk_thumbprint(public_jwk(public_key))
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return NewKey(
        kid=kid,
        public_key_der=spki_der(public_key),
        private_key_encrypted=encryptor.encrypt(pkcs8, tenant_id=tenant_id, kid=kid),
        private_key=private_key,
    )


K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


@dataclass
class KeyRingStats:
    """How often keys were parsed: the cache's effect, shown by tests and the bench."""

    public_parses: int = 0
    private_loads: int = 0


class KeyRing:
    """Per-process cache of parsed keys (see the module docstring for why it stays correct)."""

    def __init__(self, secret_key: str, *, capacity: int = 4096) -> None:
        self.encryptor = KeyEncryptor(secret_key)
        self._public: _Lru[str, tuple[rsa.RSAPublicKey, dict[str, str]]] = _Lru(capacity)
        self._private: _Lru[uuid.UUID, tuple[str, rsa.RSAPrivateKey]] = _Lru(capacity)
        self.stats = KeyRingStats()

    def _public_entry(self, kid: str, der: bytes) -> tuple[rsa.RSAPublicKey, dict[str, str]]:
        entry = self._public.get(kid)
        if entry is None:
            key = serialization.load_der_public_key(der)
            if not isinstance(key, rsa.RSAPublicKey):
                raise KeyDecryptionError("a stored integration key is not an RSA key")
            self.stats.public_parses += 1
            entry = (key, public_jwk(key))
            self._public.put(kid, entry)
        return entry

    def public_key(self, kid: str, der: bytes) -> rsa.RSAPublicKey:
        return self._public_entry(kid, der)[0]

    def jwk(self, kid: str, der: bytes) -> dict[str, str]:
        return self._public_entry(kid, der)[1]

    def cached_private_key(self, tenant_id: uuid.UUID, kid: str) -> rsa.RSAPrivateKey | None:
        entry = self._private.get(tenant_id)
        if entry is None or entry[0] != kid:
            return None
        return entry[1]

    def remember_private_key(
        self, tenant_id: uuid.UUID, kid: str, private_key: rsa.RSAPrivateKey
    ) -> None:
        self._private.put(tenant_id, (kid, private_key))

    def load_private_key(self, tenant_id: uuid.UUID, kid: str, blob: bytes) -> rsa.RSAPrivateKey:
        key = self.cached_private_key(tenant_id, kid)
        if key is not None:
            return key
        pkcs8 = self.encryptor.decrypt(blob, tenant_id=tenant_id, kid=kid)
        loaded = serialization.load_der_private_key(pkcs8, password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise KeyDecryptionError("a stored integration key is not an RSA key")
        self.stats.private_loads += 1
        self.remember_private_key(tenant_id, kid, loaded)
        return loaded
