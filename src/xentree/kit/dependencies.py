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
    writes made before it was raised.
    """
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            if exc.commit:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
