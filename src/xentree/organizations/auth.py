"""Credential requirements of the organization routes: bearer or an API key with the scope."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER_OR_KEY, Authenticator
from xentree.auth.scopes import Scope

OrganizationsRead = Annotated[
    Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.organizations_read))
]
OrganizationsWrite = Annotated[
    Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.organizations_write))
]
