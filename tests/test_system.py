"""Cross-cutting behaviour: health, request ids, error bodies, docs."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import make_settings
from xentree.main import create_app

pytestmark = pytest.mark.usefixtures("app")


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readiness_fails_without_database(tmp_path: object) -> None:
    broken = create_app(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"))
    # The lifespan would fail to open the credential pool, so probe the route on a bare app.
    from xentree.kit.db import create_engine

    broken.state.engine = create_engine(broken.state.settings)
    broken.state.settings = broken.state.settings
    transport = httpx.ASGITransport(app=broken)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
    await broken.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["detail"]["error"] == "service_unavailable"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123.def_456"})
    assert echoed.headers["x-request-id"] == "abc-123.def_456"
    for bad in ("x" * 129, "has space", "<script>"):
        response = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 36
    plain = await client.get("/api/nothing-here")
    assert plain.headers["x-request-id"]


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"detail": {"error": "not_found", "message": "Not found"}}
    wrong = await client.delete("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["detail"]["error"] == "method_not_allowed"


async def test_unhandled_error_is_a_500_with_request_id(app: FastAPI) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json() == {
        "detail": {
            "error": "internal_error",
            "message": "Internal server error",
            "request_id": "req-42",
        }
    }
    assert "secret" not in response.text


async def test_docs_work_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert asset in page.text
        response = await client.get(f"/static-offline-docs/{asset}")
        assert response.status_code == 200
        assert len(response.content) > 10_000


async def test_openapi_names_and_no_422(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("TokenResponse", "UserProfile", "RegisterRequest"):
        assert name in schemas
    assert spec["paths"]["/api/auth/register"]["post"]["summary"] == "Register a new user"
    assert spec["paths"]["/api/auth/login"]["post"]["summary"] == "Log in and get an access token"
    assert "Error" in schemas
    assert "HTTPValidationError" not in schemas
    for path in spec["paths"].values():
        for operation in path.values():
            assert "422" not in operation["responses"]
    register = spec["paths"]["/api/auth/register"]["post"]["responses"]
    assert register["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


async def test_openapi_security_names_the_accepted_credentials(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert paths["/api/auth/me"]["get"]["security"] == [{"Bearer": []}]
    assert paths["/api/live/transcripts"]["post"]["security"] == [
        {"Bearer": []},
        {"ServiceKey": []},
    ]
    assert paths["/api/live/quota"]["get"]["security"] == [{"Bearer": []}, {"ApiKey": []}]
    assert "security" not in paths["/api/auth/register"]["post"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"]["name"] == "X-API-Key"
    assert schemes["ServiceKey"]["name"] == "X-Service-Key"
