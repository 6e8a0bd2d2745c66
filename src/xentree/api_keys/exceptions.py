"""Errors of the API-key domain."""

from __future__ import annotations

from xentree.kit.errors import Forbidden, NotFound, ValidationFailed


class ApiKeyNotFound(NotFound):
    default_message = "API key not found"


class ApiKeyOrganizationNotFound(NotFound):
    default_message = "Organization not found"


class ApiKeyRoleForbidden(Forbidden):
    default_message = "Only owners and admins of the organization may create API keys"


class ExpiryInPast(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("expires_at must be in the future", loc=["body", "expires_at"])
