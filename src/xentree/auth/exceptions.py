from __future__ import annotations

from xentree.kit.errors import AppError, Conflict, Forbidden, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    error = "invalid_credentials"
    default_message = "Incorrect username or password"


class InvalidApiKey(Unauthorized):
    error = "invalid_api_key"
    default_message = "The API key is invalid or has been revoked"


class ApiKeyExpired(Unauthorized):
    error = "api_key_expired"
    default_message = "The API key has expired"


class InvalidServiceKey(Unauthorized):
    error = "invalid_service_key"
    default_message = "The service key is invalid or the service-key flow is disabled"


class RefreshTokenReused(Unauthorized):
    error = "refresh_token_reused"
    default_message = "This refresh token was already used; the session has been revoked"
    commit = True  # the revocation of the session family must survive the 401


class BearerRequired(Forbidden):
    error = "bearer_required"
    default_message = "This endpoint requires a user access token (Authorization: Bearer)"


class IpNotAllowed(Forbidden):
    error = "ip_not_allowed"
    default_message = "This API key may not be used from this address"


class InsufficientScope(Forbidden):
    error = "INSUFFICIENT_API_KEY_SCOPE"
    default_message = "API key lacks required scope for this endpoint"

    def __init__(self, required_scope: str, granted_scopes: list[str]) -> None:
        super().__init__(required_scope=required_scope, granted_scopes=granted_scopes)


class AdminRequired(Forbidden):
    default_message = "This endpoint is for platform administrators"


class UsernameTaken(Conflict):
    error = "username_taken"
    default_message = "This username is already taken"


class EmailTaken(Conflict):
    error = "email_taken"
    default_message = "This email address is already registered"


class InvalidCurrentPassword(AppError):
    status_code = 400
    error = "invalid_current_password"
    default_message = "The current password is not correct"


class LoginRateLimited(TooManyRequests):
    default_message = "Too many failed login attempts; retry later"
