"""The caller of a request: whoever its credentials resolved to, once per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from xentree.auth.scopes import ALL_SCOPES, Scope
from xentree.models import User


class CredentialKind(StrEnum):
    bearer = "bearer"
    api_key = "api_key"
    service_key = "service_key"


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CredentialKind
    # None only for the internal service key, which acts for no user.
    user: User | None
    scopes: frozenset[str]
    organization_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    def has_scope(self, scope: Scope | str) -> bool:
        return scope in self.scopes or Scope.api_admin in self.scopes

    @property
    def user_id(self) -> uuid.UUID:
        """The acting user; only endpoints that do not accept the service key may use this."""
        if self.user is None:
            raise RuntimeError("this caller acts for no user")
        return self.user.id

    @property
    def required_user(self) -> User:
        if self.user is None:
            raise RuntimeError("this caller acts for no user")
        return self.user


def bearer_scopes() -> frozenset[str]:
    return ALL_SCOPES
