"""Business rules of Xentree Live.

Billing. Live time is billed by the server clock only, through one function (`_bill`), always
inside the request's (or the sweeper's) transaction and under the user's row lock (`_lock`:
`SELECT ... FOR NO KEY UPDATE` of the user on PostgreSQL, see `LiveRepository.lock_user`;
SQLite's `BEGIN IMMEDIATE` single writer). Each session keeps `billed_until`, the instant up to
which it has been accounted for: a billing step bills the whole seconds between `billed_until`
and now and moves `billed_until` forward by exactly that much, so retries, concurrent
heartbeats and several processes can never bill one interval twice, and the sub-second
remainder is carried to the next step instead of being lost or rounded up.
The charge is split at calendar-month boundaries (UTC) and capped by each month's remaining
allowance, so used seconds never exceed the allowance.

Staleness. A session without a heartbeat for more than `live_stale_timeout_seconds` is closed as
`expired` at its last heartbeat (it was billed up to there already; its silence is never
billed). This happens lazily, at the start of every Live request of its user, and in the
background sweeper (`tasks.py`), both through `_settle`.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xentree.auth.caller import Caller, CredentialKind
from xentree.config import Settings
from xentree.gamification.service import award
from xentree.kit.errors import NotFound, ValidationFailed
from xentree.kit.pagination import Page, PageParams
from xentree.kit.time import ensure_utc, utcnow
from xentree.live.exceptions import (
    LiveQuotaExceeded,
    LiveSessionActive,
    LiveSessionNotActive,
    LiveSessionNotFound,
    TranscriptNotFound,
    TranscriptOwnerMismatch,
    TranscriptOwnerNotFound,
)
from xentree.live.repository import LiveRepository
from xentree.live.schemas import (
    TURN_WINDOW_SLACK_SECONDS,
    LiveNicknameResponse,
    LiveQuotaResponse,
    LiveSessionResponse,
    LiveTranscriptResponse,
    LiveTranscriptSummary,
    SaveLiveTranscriptsRequest,
    TranscriptTurnResponse,
)
from xentree.models import LiveSession, LiveTranscript, LiveUsage, User


def month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    if start.month == 12:
        return datetime(start.year + 1, 1, 1, tzinfo=UTC)
    return datetime(start.year, start.month + 1, 1, tzinfo=UTC)


@dataclass
class _Locked:
    user: User
    now: datetime
    active: LiveSession | None
    # The session this request closed while settling (stale or over its maximum duration).
    closed: LiveSession | None


class LiveService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def _stale(self) -> timedelta:
        return timedelta(seconds=self.settings.live_stale_timeout_seconds)

    @property
    def _max_duration(self) -> timedelta:
        return timedelta(seconds=self.settings.live_max_duration_seconds)

    # --- quota and sessions ----------------------------------------------------------------

    async def quota(self, db: AsyncSession, user_id: uuid.UUID) -> LiveQuotaResponse:
        state = await self._lock(db, user_id)
        period_start = month_start(state.now)
        limit, used = await self._usage_of(db, state.user, period_start)
        return LiveQuotaResponse(
            plan=state.user.plan,
            period_start=period_start,
            period_end=next_month(period_start),
            limit_seconds=limit,
            used_seconds=used,
            remaining_seconds=max(0, limit - used),
            active_session_id=state.active.id if state.active else None,
        )

    async def start(
        self, db: AsyncSession, user_id: uuid.UUID, session_type: str
    ) -> LiveSessionResponse:
        state = await self._lock(db, user_id)
        if state.active is not None:
            raise LiveSessionActive(session_id=str(state.active.id))
        if await self._remaining(db, state.user, state.now) <= 0:
            raise self._quota_exceeded(state.now)
        live_session = LiveSession(
            id=uuid.uuid4(),
            user_id=user_id,
            session_type=session_type,
            status="active",
            started_at=state.now,
            last_heartbeat_at=state.now,
            billed_until=state.now,
            billed_seconds=0,
        )
        await LiveRepository(db).add_session(live_session)
        return await self._view(db, state.user, live_session, state.now)

    async def heartbeat(
        self, db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> LiveSessionResponse:
        state = await self._lock(db, user_id)
        live_session = await self._session_of(db, state, user_id, session_id)
        if live_session.status != "active":
            if state.closed is live_session and live_session.end_reason == "max_duration":
                # Reached its maximum length with this heartbeat: a normal, final answer.
                return await self._view(db, state.user, live_session, state.now)
            raise LiveSessionNotActive(session_id=str(live_session.id), status=live_session.status)
        now = state.now
        await self._bill(db, state.user, live_session, now)
        live_session.last_heartbeat_at = max(live_session.last_heartbeat_at, now)
        remaining = await self._remaining(db, state.user, now)
        if remaining <= 0:
            await self._close(db, state.user, live_session, at=now, reason="quota_exhausted")
            raise self._quota_exceeded(now)
        # No flush here: the request's commit writes the usage and session rows.
        return await self._view(db, state.user, live_session, now, remaining=remaining)

    async def end(
        self, db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> LiveSessionResponse:
        state = await self._lock(db, user_id)
        live_session = await self._session_of(db, state, user_id, session_id)
        if live_session.status == "active":
            await self._close(db, state.user, live_session, at=state.now, reason="client")
        # Already ended or expired: returned unchanged (end is idempotent).
        return await self._view(db, state.user, live_session, state.now)

    async def _session_of(
        self, db: AsyncSession, state: _Locked, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> LiveSession:
        """The caller's session `session_id` (404 for anyone else's), without a second query
        when it is the one `_lock` just loaded."""
        for known in (state.active, state.closed):
            if known is not None and known.id == session_id:
                return known
        live_session = await LiveRepository(db).get_session(session_id, user_id)
        if live_session is None:
            raise LiveSessionNotFound()
        return live_session

    async def settle_session(
        self, db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> bool:
        """The sweeper's step for one candidate: True when this call closed that session.

        Runs the same locked settlement as every request, so a sweeper in another process (or
        a request) that got there first leaves nothing to do here: no double billing.
        """
        try:
            state = await self._lock(db, user_id)
        except NotFound:
            return False  # the user was deleted meanwhile; the cascade removed the session
        return state.closed is not None and state.closed.id == session_id

    # --- nickname ----------------------------------------------------------------------------

    async def set_nickname(
        self, db: AsyncSession, user: User, nickname: str
    ) -> LiveNicknameResponse:
        await LiveRepository(db).set_nickname(user.id, nickname, utcnow())
        user.live_nickname = nickname
        return LiveNicknameResponse(nickname=nickname)

    # --- transcripts -------------------------------------------------------------------------

    async def save_transcript(
        self, db: AsyncSession, caller: Caller, payload: SaveLiveTranscriptsRequest
    ) -> None:
        repository = LiveRepository(db)
        owner = await self._transcript_owner(repository, caller, payload)
        started = ensure_utc(payload.session_started_at)
        ended = ensure_utc(payload.session_ended_at)
        slack = timedelta(seconds=TURN_WINDOW_SLACK_SECONDS)
        rows: dict[bytes, dict[str, Any]] = {}
        for index, turn in enumerate(payload.transcripts):
            timestamp = ensure_utc(turn.timestamp)
            if not started - slack <= timestamp <= ended + slack:
                raise ValidationFailed(
                    "turn timestamp must lie within the session window (± 5 minutes)",
                    loc=["body", "transcripts", index, "timestamp"],
                )
            key = _turn_key(turn.role, timestamp, turn.text)
            rows.setdefault(
                key,
                {"role": turn.role, "text": turn.text, "timestamp": timestamp, "turn_key": key},
            )
        now = utcnow()
        transcript = await repository.lock_or_create_transcript(
            user_id=owner.id, started_at=started, ended_at=ended, now=now
        )
        if ended > transcript.session_ended_at:
            transcript.session_ended_at = ended
        await repository.insert_turns(
            [{"transcript_id": transcript.id, **row} for row in rows.values()]
        )
        transcript.turn_count, transcript.preview = await repository.turn_stats(transcript.id)
        transcript.updated_at = now
        await db.flush()

    async def list_transcripts(
        self, db: AsyncSession, user_id: uuid.UUID, page: PageParams
    ) -> Page[LiveTranscriptSummary]:
        items, total = await LiveRepository(db).list_transcripts(
            user_id, limit=page.limit, offset=page.offset
        )
        return Page[LiveTranscriptSummary](
            items=[
                LiveTranscriptSummary(
                    id=item.id,
                    session_started_at=item.session_started_at,
                    session_ended_at=item.session_ended_at,
                    duration_seconds=_duration(item),
                    turn_count=item.turn_count,
                    preview=item.preview,
                )
                for item in items
            ],
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    async def get_transcript(
        self, db: AsyncSession, user_id: uuid.UUID, transcript_id: uuid.UUID
    ) -> LiveTranscriptResponse:
        repository = LiveRepository(db)
        transcript = await repository.get_transcript(transcript_id, user_id)
        if transcript is None:
            raise TranscriptNotFound()
        turns = await repository.turns(transcript.id)
        return LiveTranscriptResponse(
            id=transcript.id,
            session_started_at=transcript.session_started_at,
            session_ended_at=transcript.session_ended_at,
            duration_seconds=_duration(transcript),
            turns=[
                TranscriptTurnResponse(role=t.role, text=t.text, timestamp=t.timestamp)
                for t in turns
            ],
        )

    async def _transcript_owner(
        self, repository: LiveRepository, caller: Caller, payload: SaveLiveTranscriptsRequest
    ) -> User:
        if caller.kind == CredentialKind.service_key:
            if payload.user_id is None and payload.username is None:
                raise ValidationFailed(
                    "user_id or username is required with the service key", loc=["body", "user_id"]
                )
            owner = await repository.find_user(user_id=payload.user_id, username=payload.username)
            if owner is None:
                raise TranscriptOwnerNotFound()
            return owner
        owner = caller.required_user
        if payload.user_id is not None and payload.user_id != owner.id:
            raise TranscriptOwnerMismatch()
        if payload.username is not None and payload.username.strip().casefold() != owner.username:
            raise TranscriptOwnerMismatch()
        return owner

    # --- the billing core ----------------------------------------------------------------------

    async def _lock(self, db: AsyncSession, user_id: uuid.UUID) -> _Locked:
        """Lock the user, read the clock, and settle the user's active session if it is due."""
        found = await LiveRepository(db).lock_user(user_id, month_start(utcnow()).date())
        if found is None:
            raise NotFound("User not found")
        user, active = found
        # The clock is read once the lock is held (on SQLite the first statement above takes
        # the write lock): a request that waited never bills, or moves `last_heartbeat_at`,
        # to an instant earlier than the request served before it.
        now = utcnow()
        closed = None
        if active is not None and await self._settle(db, user, active, now):
            closed, active = active, None
        return _Locked(user=user, now=now, active=active, closed=closed)

    async def _settle(
        self, db: AsyncSession, user: User, live_session: LiveSession, now: datetime
    ) -> bool:
        """Close an active session that went silent or outlived its maximum duration."""
        deadline = live_session.started_at + self._max_duration
        if now - live_session.last_heartbeat_at > self._stale:
            at = min(live_session.last_heartbeat_at, deadline)
            await self._close(db, user, live_session, at=at, reason="stale", status="expired")
            return True
        if now >= deadline:
            await self._close(db, user, live_session, at=deadline, reason="max_duration")
            return True
        return False

    async def _close(
        self,
        db: AsyncSession,
        user: User,
        live_session: LiveSession,
        *,
        at: datetime,
        reason: str,
        status: str = "ended",
    ) -> None:
        await self._bill(db, user, live_session, at)
        live_session.status = status
        live_session.end_reason = reason
        live_session.ended_at = min(
            max(at, live_session.started_at), live_session.started_at + self._max_duration
        )
        await db.flush()
        await _record_learning(db, live_session)

    async def _bill(
        self, db: AsyncSession, user: User, live_session: LiveSession, until: datetime
    ) -> None:
        """Bill `live_session` up to `until`: the only place where Live seconds are charged.

        The caller holds the user's row lock (see `_lock`).
        """
        until = min(until, live_session.started_at + self._max_duration)
        total = math.floor((until - live_session.billed_until).total_seconds())
        if total <= 0:
            return
        limit = self.settings.live_quota_seconds(user.plan)
        now = utcnow()
        cursor = live_session.billed_until
        left = total
        charged = 0
        while left > 0:
            period_start = month_start(cursor)
            # Whole seconds that begin before the month ends belong to that month.
            in_period = min(left, math.ceil((next_month(period_start) - cursor).total_seconds()))
            usage = await self._usage_row(db, user.id, period_start.date(), now)
            take = min(in_period, max(0, limit - usage.used_seconds))
            usage.used_seconds += take
            usage.updated_at = now
            charged += take
            cursor += timedelta(seconds=in_period)
            left -= in_period
        live_session.billed_until += timedelta(seconds=total)
        live_session.billed_seconds += charged

    async def _usage_row(
        self, db: AsyncSession, user_id: uuid.UUID, period: date, now: datetime
    ) -> LiveUsage:
        repository = LiveRepository(db)
        usage = await repository.usage(user_id, period)
        if usage is None:
            # Safe without an upsert: the user's row lock serializes every writer of this row.
            usage = LiveUsage(user_id=user_id, period_start=period, used_seconds=0, updated_at=now)
            await repository.add_usage(usage)
        return usage

    async def _usage_of(
        self, db: AsyncSession, user: User, period_start: datetime
    ) -> tuple[int, int]:
        usage = await LiveRepository(db).usage(user.id, period_start.date())
        return self.settings.live_quota_seconds(user.plan), usage.used_seconds if usage else 0

    async def _remaining(self, db: AsyncSession, user: User, now: datetime) -> int:
        limit, used = await self._usage_of(db, user, month_start(now))
        return max(0, limit - used)

    def _quota_exceeded(self, now: datetime) -> LiveQuotaExceeded:
        reset = next_month(month_start(now))
        return LiveQuotaExceeded(retry_after=math.ceil((reset - now).total_seconds()))

    async def _view(
        self,
        db: AsyncSession,
        user: User,
        live_session: LiveSession,
        now: datetime,
        *,
        remaining: int | None = None,
    ) -> LiveSessionResponse:
        if remaining is None:
            remaining = await self._remaining(db, user, now)
        return LiveSessionResponse(
            session_id=live_session.id,
            session_type=live_session.session_type,
            status=live_session.status,
            started_at=live_session.started_at,
            last_heartbeat_at=live_session.last_heartbeat_at,
            ended_at=live_session.ended_at,
            billed_seconds=live_session.billed_seconds,
            remaining_seconds=remaining,
            heartbeat_interval_seconds=self.settings.live_heartbeat_interval_seconds,
            max_duration_seconds=self.settings.live_max_duration_seconds,
        )


async def _record_learning(db: AsyncSession, live_session: LiveSession) -> None:
    """Feed XP (2 per full minute) and learning-time analytics, once per session."""
    assert live_session.ended_at is not None
    await award(
        db,
        user_id=live_session.user_id,
        source="live",
        source_ref=str(live_session.id),
        amount=2 * (live_session.billed_seconds // 60),
        occurred_at=live_session.ended_at,
        seconds=live_session.billed_seconds,
    )


def _turn_key(role: str, timestamp: datetime, text: str) -> bytes:
    material = f"{role}\x00{timestamp.isoformat()}\x00{text}".encode()
    return hashlib.sha256(material).digest()


def _duration(transcript: LiveTranscript) -> int:
    seconds = (transcript.session_ended_at - transcript.session_started_at).total_seconds()
    return max(0, int(seconds))
