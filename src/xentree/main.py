"""Application factory: the lifespan owns the engine and services; handlers render errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from xentree import __version__
from xentree.api import background_hooks, include_routers
from xentree.auth.repository import CredentialRepository
from xentree.auth.service import AuthService
from xentree.config import Settings, get_settings
from xentree.kit.db import create_engine, create_sessionmaker
from xentree.kit.errors import AppError
from xentree.kit.fastread import FastReader
from xentree.kit.middleware import RequestContextMiddleware, RequestIdFilter
from xentree.kit.ratelimit import RateLimiter

logger = logging.getLogger("xentree")

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Outbound request logs of httpx at INFO would drown the server's own lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _render(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _render(exc.status_code, exc.body(), exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", "invalid value"))}
        for error in exc.errors()
    ]
    first = fields[0] if fields else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return _render(
        400, {"detail": {"error": "validation_error", "message": message, "fields": fields}}
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "Error"
    message = exc.detail if isinstance(exc.detail, str) else phrase
    if exc.status_code == 404 and message == "Not Found":
        message = "Not found"
    return _render(
        exc.status_code,
        {"detail": {"error": code, "message": message}},
        dict(exc.headers) if exc.headers else None,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        limiter = RateLimiter(settings.redis_url, prefix=f"{settings.redis_prefix}:limits")
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.limiter = limiter
        app.state.auth_service = AuthService(settings, limiter=limiter)
        reader = await FastReader.create(engine, pool_size=settings.database_pool_size)
        app.state.fast_reader = reader
        app.state.credentials = CredentialRepository(reader)
        try:
            async with _run_hooks(app):
                yield
        finally:
            await reader.close()
            await engine.dispose()

    app = FastAPIOffline(
        title="Xentree API",
        version=__version__,
        description=(
            "Open-source implementation of the Xentree learning-platform API. "
            'Errors are `{"detail": {"error", "message", ...}}`.'
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=("/api/rag/documents",),
    )
    include_routers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "examples": ["validation_error"]},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {"type": "array", "items": {}},
                            "msg": {"type": "string"},
                        },
                    },
                },
            },
            "additionalProperties": True,
        }
    },
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with its 422 replaced by the contract's 400 `Error` body."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Error"] = _ERROR_SCHEMA
    error_ref = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses["400"] = {"description": "Invalid input", **error_ref}
    app.openapi_schema = schema
    return schema


@asynccontextmanager
async def _run_hooks(app: FastAPI) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for hook in background_hooks:
            await stack.enter_async_context(hook(app))
        yield
