from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from xentree.kit.errors import ServiceUnavailable

router = APIRouter(tags=["System"])


class HealthResponse(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is up and serving requests."""
    return HealthResponse(status="ok")


@router.get("/readyz", summary="Readiness", response_model=HealthResponse)
async def readyz(request: Request) -> HealthResponse:
    """The database answers a query (and Redis, when configured)."""
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        if request.app.state.settings.redis_url and not await request.app.state.limiter.ping():
            raise ServiceUnavailable("Redis is not reachable")
    except ServiceUnavailable:
        raise
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable") from exc
    return HealthResponse(status="ready")
