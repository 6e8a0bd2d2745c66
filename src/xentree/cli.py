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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
