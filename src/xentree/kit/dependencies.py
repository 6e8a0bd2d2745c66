"""Request-scoped infrastructure dependencies: the one transaction of a request and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.config import Settings
from xentree.kit.errors import AppError


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction, committed before the response is sent.

    `scope="function"` (below) makes FastAPI run the code after `yield` as soon as the endpoint
    returns, so a failed commit turns into an error response instead of a lost write. An
    `AppError` with `commit=True` (e.g. refresh-token reuse revoking a session) keeps the
    writes made before it was raised. Requests that never touch the session pay no round trip.
    """
    async with request.app.state.sessionmaker() as session:
        request.state.db_session = session
        for instance in request.state.__dict__.pop("adopt", ()):
            session.add(instance)
        try:
            yield session
        except AppError as exc:
            if exc.commit:
                await _commit(session)
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await _commit(session)


async def _commit(session: AsyncSession) -> None:
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await session.commit()


def adopt(request: Request, instance: object) -> None:
    """Attach an ORM object read outside the transaction (already loaded, detached) to the
    request's session — now or once the session is created — so that changes to it are
    saved with the request, without a query to load it again."""
    session: AsyncSession | None = request.state.__dict__.get("db_session")
    if session is not None:
        session.add(instance)
    else:
        request.state.__dict__.setdefault("adopt", []).append(instance)


def request_session(request: Request) -> AsyncSession | None:
    """The request's session if a dependency already opened it."""
    session: AsyncSession | None = request.state.__dict__.get("db_session")
    return session


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
