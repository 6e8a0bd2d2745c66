"""Request and response models of the API-key domain (documented names)."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from xentree.auth.scopes import Scope
from xentree.kit.schemas import RequestModel, ResponseModel

MAX_ALLOWED_IPS = 100


def _network(value: str) -> str:
    """An IP address or CIDR range, normalized (`10.0.0.7/8` → `10.0.0.0/8`)."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or CIDR range") from None
    return str(network)


Network = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_network)]


class APIKeyCreateRequest(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    organization_id: uuid.UUID
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    allowed_ips: list[Network] = Field(
        default_factory=list,
        max_length=MAX_ALLOWED_IPS,
        description="IP addresses or CIDR ranges the key may be used from; empty = anywhere",
    )
    expires_at: datetime | None = Field(
        default=None, description="RFC 3339 with offset, in the future; null = never expires"
    )

    @field_validator("scopes")
    @classmethod
    def _unique_scopes(cls, value: list[Scope]) -> list[Scope]:
        return sorted(set(value))

    @field_validator("allowed_ips")
    @classmethod
    def _unique_networks(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a UTC offset, e.g. 2030-01-01T00:00:00Z")
        return value


class APIKeyResponse(ResponseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first 12 characters of the key, for display")
    organization_id: uuid.UUID
    scopes: list[str]
    allowed_ips: list[str]
    expires_at: datetime | None
    created_at: datetime
    created_by: uuid.UUID
    last_used_at: datetime | None
    key: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The full key: present only in the creation response, never again",
    )
