"""Credential requirements of the authentication routes."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER, Authenticator

BearerUser = Annotated[Caller, Depends(Authenticator(kinds=BEARER))]
