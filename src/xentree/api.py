"""The router registry: the only place where routers get their URL prefixes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from xentree.auth.endpoints import router as auth_router
from xentree.system.endpoints import router as system_router

router = APIRouter()
router.include_router(system_router)
router.include_router(auth_router, prefix="/api/auth")

# Work that runs beside the server for its whole life (e.g. the Live session sweeper): each
# hook gets the app once its state is built and returns an async context manager.
BackgroundHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
background_hooks: list[BackgroundHook] = []
