"""Credential requirements of the integration-token routes (JWKS and fingerprint are public)."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER, BEARER_OR_KEY, Authenticator
from xentree.auth.scopes import Scope

IntegrationsWrite = Annotated[
    Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.integrations_write))
]
IntegrationsRead = Annotated[
    Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.integrations_read))
]
PlatformAdmin = Annotated[Caller, Depends(Authenticator(kinds=BEARER, admin=True))]
