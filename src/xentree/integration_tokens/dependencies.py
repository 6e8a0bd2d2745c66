"""The domain's service, built once per app (so its key cache lives as long as the process)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from xentree.integration_tokens.repository import VerificationReader
from xentree.integration_tokens.service import IntegrationTokenService


def get_integration_service_for_app(app: FastAPI) -> IntegrationTokenService:
    service: IntegrationTokenService | None = getattr(app.state, "integration_token_service", None)
    if service is None:
        service = IntegrationTokenService(app.state.settings)
        app.state.integration_token_service = service
    return service


def get_integration_service(request: Request) -> IntegrationTokenService:
    return get_integration_service_for_app(request.app)


IntegrationServiceDep = Annotated[IntegrationTokenService, Depends(get_integration_service)]


def get_verification_reader(request: Request) -> VerificationReader:
    """Verification's queries on the app's transaction-less reader (shared with credentials)."""
    state = request.app.state
    reader: VerificationReader | None = getattr(state, "integration_verification_reader", None)
    if reader is None:
        reader = VerificationReader(state.fast_reader)
        state.integration_verification_reader = reader
    return reader


VerificationReaderDep = Annotated[VerificationReader, Depends(get_verification_reader)]
