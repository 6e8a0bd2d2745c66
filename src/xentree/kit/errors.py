"""Errors as data: every failure the API reports is an `AppError` subclass.

One handler in `main.py` renders them as `{"detail": {"error", "message", ...extra}}`.
Nothing below `endpoints.py` raises `HTTPException`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 400
    error: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "Bad request"
    # Keep the request's writes although the request fails (a detected token reuse revokes the
    # session and still answers 401; a heartbeat that exhausts the quota ends the session).
    commit: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.message = message or self.default_message
        self.extra = extra
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"detail": {"error": self.error, "message": self.message, **self.extra}}


class ValidationFailed(AppError):
    """A 400 `validation_error` raised by a service (same shape as request validation)."""

    status_code = 400
    error = "validation_error"
    default_message = "Request validation failed"

    def __init__(self, message: str, *, loc: list[str | int] | None = None) -> None:
        super().__init__(message, fields=[{"loc": loc or [], "msg": message}])


class Unauthorized(AppError):
    status_code = 401
    error = "not_authenticated"
    default_message = "Authentication required"

    def __init__(
        self, message: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(
            message, headers={"WWW-Authenticate": "Bearer", **(headers or {})}, **extra
        )


class InvalidToken(Unauthorized):
    error = "invalid_token"
    default_message = "The access token is invalid"


class TokenExpired(Unauthorized):
    error = "token_expired"
    default_message = "The access token has expired"


class TokenRevoked(Unauthorized):
    error = "token_revoked"
    default_message = "The session of this token has been revoked"


class Forbidden(AppError):
    status_code = 403
    error = "forbidden"
    default_message = "You are not allowed to do this"


class NotFound(AppError):
    status_code = 404
    error = "not_found"
    default_message = "Not found"


class Conflict(AppError):
    status_code = 409
    error = "conflict"
    default_message = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    error = "payload_too_large"
    default_message = "The request body is too large"


class TooManyRequests(AppError):
    status_code = 429
    error = "rate_limited"
    default_message = "Too many requests; retry later"

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        merged = {"Retry-After": str(max(1, retry_after)), **(headers or {})}
        super().__init__(message, headers=merged, **extra)


class ServiceUnavailable(AppError):
    status_code = 503
    error = "service_unavailable"
    default_message = "The service is not ready"
