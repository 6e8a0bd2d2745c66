"""The route-scope guard: every route, present and future, declares its credentials.

Walks the real route table of `create_app()`:

1. every API route either has an `Authenticator` dependency (found anywhere in its dependency
   tree) — naming a scope whenever it accepts API keys — or is in the explicit allow-list of
   public routes below;
2. every route listed in `tests/data/endpoints.tsv` (a copy of the shared spec) declares
   exactly the credential kinds, scope and admin flag of its `auth`/`scope` columns, and its
   OpenAPI summary is the tsv title without the `[...]` annotation and trailing parenthetical;
3. for every route that accepts API keys, a key holding every scope except the needed one is
   refused with 403 `INSUFFICIENT_API_KEY_SCOPE` naming `required_scope` and `granted_scopes`.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.fixtures.auth import AuthedUser, api_key_headers, make_api_key
from xentree.auth.caller import Caller, CredentialKind
from xentree.auth.dependencies import Authenticator
from xentree.auth.scopes import ALL_SCOPES, Scope
from xentree.main import create_app

ENDPOINTS_TSV = Path(__file__).parent / "data" / "endpoints.tsv"

# Routes that take no credentials at all (contract §1–§3, §8, §11, §12). Nothing else may.
PUBLIC_ROUTES = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/xp/public-profile/{username}"),
    ("GET", "/api/integration/jwks"),
    ("GET", "/api/integration/fingerprint"),
    ("GET", "/api/integrations/google-calendar/callback"),  # bound to the OAuth `state`
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}

# Titles whose parenthetical is part of the documented summary.
KEEP_PARENTHETICAL = {
    "Get learning pulse (365-day heatmap)",
    "Comprehensive member update (role, organization, team)",
}

KINDS_BY_AUTH = {
    "bearer|api_key": frozenset({CredentialKind.bearer, CredentialKind.api_key}),
    "bearer": frozenset({CredentialKind.bearer}),
    "bearer+admin": frozenset({CredentialKind.bearer}),
    "bearer|service_key": frozenset({CredentialKind.bearer, CredentialKind.service_key}),
}


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    summary: str | None
    dependant: Dependant | None
    path_params: tuple[Any, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every (method, path) of the app, through included routers whatever FastAPI's layout."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers
        contexts: list[Any] = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    for context in contexts:
        original = getattr(context, "original_route", context)
        if not isinstance(original, APIRoute):
            continue
        dependant = getattr(context, "dependant", None)
        params = tuple(dependant.path_params) if dependant is not None else ()
        for method in sorted(context.methods or ()):
            if method == "HEAD":
                continue
            yield RouteInfo(method, context.path, context.summary, dependant, params)


def authenticators(dependant: Dependant | None) -> list[Authenticator]:
    found: list[Authenticator] = []
    if dependant is None:
        return found
    if isinstance(dependant.call, Authenticator):
        found.append(dependant.call)
    for sub in dependant.dependencies:
        found.extend(authenticators(sub))
    return found


@dataclass(frozen=True)
class SpecRow:
    method: str
    path: str
    auth: str
    scope: str
    title: str


def spec_rows() -> dict[tuple[str, str], SpecRow]:
    with ENDPOINTS_TSV.open(encoding="utf-8") as handle:
        rows = [
            SpecRow(r["method"], r["path"], r["auth"], r["scope"], r["summary"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]
    return {(row.method, row.path): row for row in rows}


def expected_summary(title: str) -> str:
    title = re.sub(r"\s*\[[^\]]*\]\s*$", "", title).strip()
    if title in KEEP_PARENTHETICAL:
        return title
    return re.sub(r"\s*\([^()]*\)\s*$", "", title).strip()


APP = create_app()
ROUTES = list(iter_routes(APP))
SPEC = spec_rows()


def test_the_walk_sees_included_routers() -> None:
    keys = {route.key for route in ROUTES}
    assert ("GET", "/api/organizations") in keys
    assert ("DELETE", "/api/api-keys/{key_id}") in keys
    assert ("GET", "/healthz") in keys


def test_expected_summary_rules() -> None:
    assert (
        expected_summary("List API keys (non-admins see only their own) [path proposed]")
        == "List API keys"
    )
    assert expected_summary("Get learning pulse (365-day heatmap) [scope not documented]") == (
        "Get learning pulse (365-day heatmap)"
    )
    assert expected_summary("Get organization details") == "Get organization details"


def credential_problem(route: RouteInfo) -> str | None:
    found = authenticators(route.dependant)
    if route.key in PUBLIC_ROUTES:
        return f"{route.key} is public by contract but requires credentials" if found else None
    if not found:
        return f"{route.key} has no Authenticator and is not in the public allow-list"
    if len(found) > 1:
        return f"{route.key} resolves credentials more than once"
    authenticator = found[0]
    if CredentialKind.api_key in authenticator.kinds and not isinstance(authenticator.scope, Scope):
        return f"{route.key} accepts API keys without a scope"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_declares_its_credentials(route: RouteInfo) -> None:
    assert credential_problem(route) is None


def test_the_guard_catches_a_forgotten_credential() -> None:
    """A route added without an Authenticator (or sneaking one without a scope) is flagged."""
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/forgotten")
    async def forgotten() -> None: ...

    @router.get("/api/unscoped")
    async def sneaky(_: Annotated[Caller, Depends(_unscoped)]) -> None: ...

    @router.get("/api/nested")
    async def nested(_: Annotated[Caller, Depends(_wraps_authenticator)]) -> None: ...

    @router.post("/api/auth/register")
    async def fake_public(_: Annotated[Caller, Depends(_inner)]) -> None: ...

    probe = FastAPI()
    probe.include_router(router)
    problems = {r.path: credential_problem(r) for r in iter_routes(probe)}
    assert "no Authenticator" in (problems["/api/forgotten"] or "")
    assert "without a scope" in (problems["/api/unscoped"] or "")
    assert problems["/api/nested"] is None  # found through a wrapping dependency
    assert "public by contract" in (problems["/api/auth/register"] or "")


# Module level: the probe routes' string annotations are resolved in module globals.
_inner = Authenticator(kinds=(CredentialKind.bearer,))
_unscoped = Authenticator(kinds=(CredentialKind.bearer,))
_unscoped.kinds = frozenset(
    {CredentialKind.bearer, CredentialKind.api_key}
)  # skips __init__'s check


async def _wraps_authenticator(
    caller: Annotated[Any, Depends(_inner)],
) -> Any:
    return caller


SPEC_ROUTES = [route for route in ROUTES if route.key in SPEC]


@pytest.mark.parametrize("route", SPEC_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_matches_endpoints_tsv(route: RouteInfo) -> None:
    row = SPEC[route.key]
    assert route.summary == expected_summary(row.title)
    found = authenticators(route.dependant)
    if row.auth.startswith("public"):
        assert not found, f"{route.key} must be public"
        return
    assert len(found) == 1, f"{route.key} must declare one Authenticator"
    authenticator = found[0]
    assert authenticator.kinds == KINDS_BY_AUTH[row.auth], route.key
    assert authenticator.admin == (row.auth == "bearer+admin"), route.key
    if row.auth == "bearer|api_key":
        assert authenticator.scope is not None and authenticator.scope.value == row.scope


KEY_ROUTES = [
    route
    for route in ROUTES
    if any(CredentialKind.api_key in a.kinds for a in authenticators(route.dependant))
]


def fill_path(route: RouteInfo) -> str:
    path = route.path
    for param in route.path_params:
        annotation = getattr(param.field_info, "annotation", None) or getattr(param, "type_", None)
        value = "1" if annotation is int else str(uuid.uuid4())
        path = path.replace("{" + param.name + "}", value)
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.mark.parametrize("route", KEY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_key_without_the_scope_is_refused(
    route: RouteInfo, client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    (authenticator,) = authenticators(route.dependant)
    assert authenticator.scope is not None
    needed = authenticator.scope.value
    granted = sorted(ALL_SCOPES - {needed, Scope.api_admin.value})
    key = await make_api_key(app, user.id, granted)
    response = await client.request(route.method, fill_path(route), headers=api_key_headers(key))
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == {
        "error": "INSUFFICIENT_API_KEY_SCOPE",
        "message": "API key lacks required scope for this endpoint",
        "required_scope": needed,
        "granted_scopes": granted,
    }
    # And the same key with the scope gets past the scope check.
    allowed = await make_api_key(app, user.id, [needed])
    response = await client.request(
        route.method, fill_path(route), headers=api_key_headers(allowed)
    )
    assert response.status_code != 401, response.text
    if response.status_code == 403:
        assert response.json()["detail"]["error"] != "INSUFFICIENT_API_KEY_SCOPE"
