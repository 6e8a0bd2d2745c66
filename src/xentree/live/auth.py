"""Credential requirements of the Live routes."""

from typing import Annotated

from fastapi import Depends

from xentree.auth.caller import Caller
from xentree.auth.dependencies import BEARER_OR_KEY, BEARER_OR_SERVICE, Authenticator
from xentree.auth.scopes import Scope

LiveRead = Annotated[Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.live_read))]
LiveWrite = Annotated[Caller, Depends(Authenticator(kinds=BEARER_OR_KEY, scope=Scope.live_write))]
# Bearer or the internal service key (contract §2); API keys get 403 bearer_required.
LiveTranscriptWriter = Annotated[Caller, Depends(Authenticator(kinds=BEARER_OR_SERVICE))]
