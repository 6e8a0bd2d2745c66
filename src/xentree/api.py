"""The router registry: the only place where routers get their URL prefixes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from xentree.api_keys.endpoints import router as api_keys_router
from xentree.auth.endpoints import router as auth_router
from xentree.gamification.endpoints import analytics_router
from xentree.gamification.endpoints import router as xp_router
from xentree.integration_tokens.endpoints import admin_router as integration_admin_router
from xentree.integration_tokens.endpoints import router as integration_router
from xentree.integration_tokens.tasks import integration_token_pruner
from xentree.live.endpoints import router as live_router
from xentree.live.tasks import live_sweeper
from xentree.organizations.endpoints import router as organizations_router
from xentree.system.endpoints import router as system_router

# Each router is included straight into the app: FastAPI matches nested routers level by
# level, and a flat table keeps routing cheap on every request.
ROUTES: list[tuple[APIRouter, str]] = [
    (system_router, ""),
    (auth_router, "/api/auth"),
    (xp_router, "/api/xp"),
    (analytics_router, "/api/analytics"),
    (live_router, "/api/live"),
    (organizations_router, "/api/organizations"),
    (api_keys_router, "/api/api-keys"),
    (integration_router, "/api/integration"),
    (integration_admin_router, "/api/admin"),
]


def include_routers(app: FastAPI) -> None:
    for router, prefix in ROUTES:
        app.include_router(router, prefix=prefix)


# Work that runs beside the server for its whole life (e.g. the Live session sweeper): each
# hook gets the app once its state is built and returns an async context manager.
BackgroundHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
background_hooks: list[BackgroundHook] = []
background_hooks.append(live_sweeper)
background_hooks.append(integration_token_pruner)
