"""Credential resolution, once per request, and the `Authenticator` every route declares.

Check order (contract §2): credentials → 401; credential kind not accepted here → 403
`bearer_required`; API key without the scope → 403 `INSUFFICIENT_API_KEY_SCOPE`; roles and
ownership are the services' business afterwards.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from xentree.auth.caller import Caller, CredentialKind
from xentree.auth.exceptions import AdminRequired, BearerRequired, InsufficientScope
from xentree.auth.repository import CredentialRepository
from xentree.auth.scopes import Scope
from xentree.auth.service import AuthService
from xentree.kit.db import session_scope
from xentree.kit.dependencies import adopt, request_session
from xentree.kit.errors import Unauthorized
from xentree.kit.net import client_ip

# Declared only so that OpenAPI documents the security schemes; parsing is done below.
_bearer_scheme = HTTPBearer(
    scheme_name="Bearer", auto_error=False, description="User access token from /api/auth/login"
)
_api_key_scheme = APIKeyHeader(
    name="X-API-Key", scheme_name="ApiKey", auto_error=False, description="Organization API key"
)
_service_key_scheme = APIKeyHeader(
    name="X-Service-Key",
    scheme_name="ServiceKey",
    auto_error=False,
    description="Internal service key",
)


_SCHEME_PARAMETERS = {
    CredentialKind.bearer: inspect.Parameter(
        "bearer",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
    ),
    CredentialKind.api_key: inspect.Parameter(
        "api_key",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[str | None, Depends(_api_key_scheme)],
    ),
    CredentialKind.service_key: inspect.Parameter(
        "service_key",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[str | None, Depends(_service_key_scheme)],
    ),
}


def get_auth_service(request: Request) -> AuthService:
    service: AuthService = request.app.state.auth_service
    return service


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


def get_credentials(request: Request) -> CredentialRepository:
    credentials: CredentialRepository = request.app.state.credentials
    return credentials


def request_ip(request: Request) -> str:
    return client_ip(request, request.app.state.settings.trusted_proxies)


class Authenticator:
    """A route's credential requirement: which kinds it accepts and the API-key scope it needs."""

    def __init__(
        self,
        *,
        kinds: Iterable[CredentialKind],
        scope: Scope | None = None,
        admin: bool = False,
    ) -> None:
        self.kinds = frozenset(kinds)
        self.scope = scope
        self.admin = admin
        if CredentialKind.api_key in self.kinds and scope is None:
            raise ValueError("a route that accepts API keys must name the scope it needs")
        # FastAPI reads this signature: besides the request, one security-scheme parameter per
        # accepted credential kind, so OpenAPI documents exactly the credentials the route takes.
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
                )
            ]
            + [_SCHEME_PARAMETERS[kind] for kind in CredentialKind if kind in self.kinds]
        )

    async def __call__(self, request: Request, **_schemes: object) -> Caller:
        caller = await self._resolve(request)
        if caller.user is not None:
            # The user was read outside the transaction; adopting it costs no query and lets
            # services change it like any other row of this request.
            adopt(request, caller.user)
        if caller.kind not in self.kinds:
            raise BearerRequired()
        if (
            caller.kind == CredentialKind.api_key
            and self.scope is not None
            and not caller.has_scope(self.scope)
        ):
            raise InsufficientScope(self.scope.value, sorted(caller.scopes))
        if self.admin and (caller.user is None or not caller.user.is_admin):
            raise AdminRequired()
        return caller

    async def _resolve(self, request: Request) -> Caller:
        service = get_auth_service(request)
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Use 'Authorization: Bearer <access token>'")
            return await service.authenticate_bearer(get_credentials(request), token.strip())
        api_key = request.headers.get("x-api-key")
        if api_key is not None:
            caller, use_due = await service.authenticate_api_key(
                get_credentials(request), api_key.strip(), client_ip=request_ip(request)
            )
            if use_due and caller.api_key_id is not None:
                await _record_api_key_use(request, service, caller.api_key_id)
            return caller
        service_key = request.headers.get("x-service-key")
        # The service key is a credential only where a route accepts it (contract §2).
        if service_key is not None and CredentialKind.service_key in self.kinds:
            return service.authenticate_service_key(service_key)
        raise Unauthorized()


async def _record_api_key_use(request: Request, service: AuthService, key_id: uuid.UUID) -> None:
    """In the request's transaction when one is open, else in a short one of its own (the
    Authenticator itself opens none, so read-only routes stay transaction-free)."""
    session = request_session(request)
    if session is not None:
        await service.record_api_key_use(session, key_id)
        return
    async with session_scope(request.app.state.sessionmaker) as own:
        await service.record_api_key_use(own, key_id)


BEARER = (CredentialKind.bearer,)
BEARER_OR_KEY = (CredentialKind.bearer, CredentialKind.api_key)
BEARER_OR_SERVICE = (CredentialKind.bearer, CredentialKind.service_key)
