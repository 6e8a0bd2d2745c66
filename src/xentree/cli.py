"""`xentree` command line: serve, migrate, manage users."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.auth.service import AuthService
from xentree.config import Settings, get_settings
from xentree.kit.db import create_engine, create_sessionmaker, session_scope
from xentree.kit.errors import AppError
from xentree.kit.migrate import upgrade
from xentree.kit.ratelimit import RateLimiter

app = typer.Typer(help="Xentree server", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database commands", no_args_is_help=True)
users_app = typer.Typer(help="User administration", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
integration_keys_app = typer.Typer(help="Integration-token signing keys", no_args_is_help=True)
app.add_typer(integration_keys_app, name="integration-keys")

T = TypeVar("T")


def run_in_transaction(work: Callable[[Settings, AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction; an `AppError` becomes a clean exit 1."""
    settings = get_settings()

    async def main() -> T:
        engine = create_engine(settings)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                return await work(settings, session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
) -> None:
    """Run the HTTP server (migrates the embedded SQLite database first)."""
    import uvicorn

    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)
    uvicorn.run(
        "xentree.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to XENTREE_DATABASE_URL."""
    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@db_app.command("check")
def db_check() -> None:
    """Fail (exit 1) when the database schema differs from the models (a missing migration)."""
    from xentree.kit.migrate import schema_drift

    differences = asyncio.run(schema_drift(get_settings().database_url))
    if differences:
        for difference in differences:
            typer.echo(f"drift: {difference}", err=True)
        raise typer.Exit(1)
    typer.echo("models and database schema agree")


def _auth_service(settings: Settings) -> AuthService:
    return AuthService(settings, limiter=RateLimiter(None, prefix="cli"))


@users_app.command("create")
def users_create(
    username: str,
    email: Annotated[str, typer.Option(help="Email address")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password")
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make a platform admin")] = False,
    full_name: Annotated[str | None, typer.Option(help="Full name")] = None,
) -> None:
    """Create a user (optionally a platform admin)."""
    from pydantic import ValidationError

    from xentree.auth.schemas import RegisterRequest

    try:
        payload = RegisterRequest(
            username=username, email=email, password=password, full_name=full_name
        )
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(1) from exc

    async def work(settings: Settings, session: AsyncSession) -> str:
        user = await _auth_service(settings).create_user(session, payload, is_admin=admin)
        return str(user.id)

    user_id = run_in_transaction(work)
    typer.echo(f"created user {payload.username} ({user_id}){' as admin' if admin else ''}")


@users_app.command("promote")
def users_promote(username: str) -> None:
    """Make an existing user a platform admin."""

    async def work(settings: Settings, session: AsyncSession) -> str:
        user = await _auth_service(settings).promote(session, username)
        return user.username

    name = run_in_transaction(work)
    typer.echo(f"{name} is now a platform admin")


@integration_keys_app.command("rotate")
def integration_keys_rotate(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant (organization) id")],
) -> None:
    """Activate a new signing key for a tenant; the old one stays published while its tokens live."""
    import uuid

    from xentree.integration_tokens.service import IntegrationTokenService

    try:
        tenant_id = uuid.UUID(tenant)
    except ValueError as exc:
        typer.echo(f"error: --tenant must be an organization id (UUID), not {tenant!r}", err=True)
        raise typer.Exit(1) from exc

    async def work(settings: Settings, session: AsyncSession) -> tuple[str, str | None]:
        return await IntegrationTokenService(settings).rotate_signing_key(session, tenant_id)

    new_kid, old_kid = run_in_transaction(work)
    typer.echo(f"tenant {tenant_id}: active key {new_kid}; retired {old_kid or '(none)'}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
