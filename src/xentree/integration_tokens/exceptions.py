from __future__ import annotations

from xentree.kit.errors import AppError, Conflict, Forbidden, NotFound


class TenantNotFound(NotFound):
    default_message = "Tenant not found"


class TenantRoleRequired(Forbidden):
    default_message = "Only owners and admins of the organization may manage integration tokens"


class InvalidIntegrationToken(AppError):
    """The token given to revoke or rotate is not a genuine, usable integration token."""

    status_code = 400
    error = "invalid_integration_token"
    default_message = "The integration token is not valid"

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"The integration token is not valid: {reason}", reason=reason)


class IntegrationTokenAlreadyRevoked(Conflict):
    error = "integration_token_revoked"
    default_message = "The previous integration token has already been revoked"
