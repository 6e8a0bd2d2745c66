"""Credential requirements of the API-key routes: bearer only (contract §2)."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER, Authenticator

ApiKeyManager = Annotated[Caller, Depends(Authenticator(kinds=BEARER))]
