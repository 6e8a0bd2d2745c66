"""Credential requirements of Profile & Analytics (contract §2)."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER_OR_KEY, Authenticator
from xentree.auth.scopes import Scope

XPRead = Annotated[Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.xel_read))]
LearningTimeRead = Annotated[
    Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.conversations_read))
]
