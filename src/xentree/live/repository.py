"""All SQL of the Live domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.kit.db import for_update
from xentree.models import LiveSession, LiveTranscript, LiveTranscriptTurn, LiveUsage, User

# Spelt as the literal of the partial index `ix_live_sessions_one_active_per_user`, not as a
# bound parameter, so that PostgreSQL can use that index (it covers only active sessions) for
# the sweeper's scans even with a generic plan.
_ACTIVE = text("live_sessions.status = 'active'")


class LiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- users --------------------------------------------------------------------------------

    async def lock_user(
        self, user_id: uuid.UUID, period_start: date
    ) -> tuple[User, LiveSession | None] | None:
        """Lock the user's row, then load the user's active session and usage row of
        `period_start` (into the identity map): every Live billing step of one user runs under
        this lock.

        On PostgreSQL the lock is `FOR NO KEY UPDATE` of the user row, not `FOR UPDATE`: it
        excludes every other Live step of the user, but not the `FOR KEY SHARE` that inserting
        a row which references the user takes (e.g. another domain's XP award), so a
        transaction that holds an XP lock and inserts a ledger row can never deadlock with a
        Live step that is about to award XP. The session and usage rows need no lock of their
        own: every writer of them holds this one. They are read by a second statement on
        purpose: in READ COMMITTED each statement takes a fresh snapshot, so it sees what the
        previous holder of the lock committed; a join inside the locking statement would read
        a snapshot taken before the wait for the lock (stale rows, double billing).

        SQLite's transactions are `BEGIN IMMEDIATE`: the first statement takes the database
        write lock, which serializes every Live step (and every other writer) by itself, and
        the user the request authenticated (already in the session) needs no query.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            locking = select(User).where(User.id == user_id).with_for_update(key_share=True)
            result = await self.session.execute(locking.execution_options(populate_existing=True))
            user = result.scalar_one_or_none()
        else:
            user = await self.session.get(User, user_id)
        if user is None:
            return None
        statement = (
            select(LiveSession, LiveUsage)
            .select_from(User)
            .outerjoin(
                LiveSession, and_(LiveSession.user_id == User.id, LiveSession.status == "active")
            )
            .outerjoin(
                LiveUsage,
                and_(LiveUsage.user_id == User.id, LiveUsage.period_start == period_start),
            )
            .where(User.id == user_id)
        )
        loaded = await self.session.execute(statement.execution_options(populate_existing=True))
        row = loaded.first()
        return user, row[0] if row is not None else None

    async def find_user(self, *, user_id: uuid.UUID | None, username: str | None) -> User | None:
        statement = select(User)
        if user_id is not None:
            statement = statement.where(User.id == user_id)
        if username is not None:
            statement = statement.where(User.username == username.strip().casefold())
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_nickname(self, user_id: uuid.UUID, nickname: str, at: datetime) -> None:
        await self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(live_nickname=nickname, updated_at=at)
            .execution_options(synchronize_session="fetch")
        )

    # --- sessions ------------------------------------------------------------------------------

    async def get_session(self, session_id: uuid.UUID, user_id: uuid.UUID) -> LiveSession | None:
        statement = select(LiveSession).where(
            LiveSession.id == session_id, LiveSession.user_id == user_id
        )
        statement = for_update(statement, self.session)
        result = await self.session.execute(statement.execution_options(populate_existing=True))
        return result.scalar_one_or_none()

    async def add_session(self, live_session: LiveSession) -> None:
        self.session.add(live_session)
        await self.session.flush()

    async def stale_sessions(self, before: datetime, limit: int) -> Sequence[tuple[Any, Any]]:
        """(session id, user id) of active sessions silent since `before` (read without locks)."""
        result = await self.session.execute(
            select(LiveSession.id, LiveSession.user_id)
            .where(_ACTIVE, LiveSession.last_heartbeat_at < before)
            .order_by(LiveSession.last_heartbeat_at)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in result.all()]

    async def overdue_sessions(self, started_before: datetime, limit: int) -> Sequence[Any]:
        result = await self.session.execute(
            select(LiveSession.id, LiveSession.user_id)
            .where(_ACTIVE, LiveSession.started_at < started_before)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in result.all()]

    # --- monthly usage -------------------------------------------------------------------------

    async def usage(self, user_id: uuid.UUID, period_start: date) -> LiveUsage | None:
        """The usage row; served from the identity map once loaded in this transaction (all its
        writers hold the user's lock, so the loaded row stays current)."""
        return await self.session.get(LiveUsage, (user_id, period_start))

    async def add_usage(self, usage: LiveUsage) -> None:
        self.session.add(usage)
        await self.session.flush()

    # --- transcripts ---------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def lock_or_create_transcript(
        self, *, user_id: uuid.UUID, started_at: datetime, ended_at: datetime, now: datetime
    ) -> LiveTranscript:
        """The transcript of (user, session start), created if new, locked for the merge.

        `INSERT ... ON CONFLICT DO NOTHING` makes concurrent first posts converge on one row.
        """
        await self.session.execute(
            self._insert(LiveTranscript)
            .values(
                id=uuid.uuid4(),
                user_id=user_id,
                session_started_at=started_at,
                session_ended_at=ended_at,
                turn_count=0,
                preview="",
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "session_started_at"])
        )
        statement = for_update(
            select(LiveTranscript).where(
                LiveTranscript.user_id == user_id,
                LiveTranscript.session_started_at == started_at,
            ),
            self.session,
        )
        result = await self.session.execute(statement.execution_options(populate_existing=True))
        return result.scalar_one()

    async def insert_turns(self, rows: list[dict[str, Any]]) -> None:
        """All turns in one multi-row INSERT; turns already stored are skipped by their key."""
        if not rows:
            return
        await self.session.execute(
            self._insert(LiveTranscriptTurn)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["transcript_id", "turn_key"])
        )

    async def turn_stats(self, transcript_id: uuid.UUID) -> tuple[int, str]:
        count = await self.session.scalar(
            select(func.count())
            .select_from(LiveTranscriptTurn)
            .where(LiveTranscriptTurn.transcript_id == transcript_id)
        )
        first = await self.session.scalar(
            select(func.substr(LiveTranscriptTurn.text, 1, 200))
            .where(LiveTranscriptTurn.transcript_id == transcript_id)
            .order_by(LiveTranscriptTurn.timestamp, LiveTranscriptTurn.id)
            .limit(1)
        )
        return int(count or 0), str(first or "")

    async def list_transcripts(
        self, user_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[Sequence[LiveTranscript], int]:
        total = await self.session.scalar(
            select(func.count())
            .select_from(LiveTranscript)
            .where(LiveTranscript.user_id == user_id)
        )
        result = await self.session.execute(
            select(LiveTranscript)
            .where(LiveTranscript.user_id == user_id)
            .order_by(LiveTranscript.session_started_at.desc(), LiveTranscript.id)
            .limit(limit)
            .offset(offset)
        )
        return result.scalars().all(), int(total or 0)

    async def get_transcript(
        self, transcript_id: uuid.UUID, user_id: uuid.UUID
    ) -> LiveTranscript | None:
        result = await self.session.execute(
            select(LiveTranscript).where(
                LiveTranscript.id == transcript_id, LiveTranscript.user_id == user_id
            )
        )
        return result.scalar_one_or_none()

    async def turns(self, transcript_id: uuid.UUID) -> Sequence[LiveTranscriptTurn]:
        result = await self.session.execute(
            select(LiveTranscriptTurn)
            .where(LiveTranscriptTurn.transcript_id == transcript_id)
            .order_by(LiveTranscriptTurn.timestamp, LiveTranscriptTurn.id)
        )
        return result.scalars().all()
