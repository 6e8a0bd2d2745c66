from __future__ import annotations

from typing import Any

from xentree.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests


class LiveQuotaExceeded(TooManyRequests):
    error = "live_quota_exceeded"
    default_message = "Monthly Live session quota exceeded"
    # A heartbeat that exhausts the quota ends the session; a start may have expired a stale
    # session first: those writes must survive the 429.
    commit = True

    def __init__(self, *, retry_after: int, **extra: Any) -> None:
        super().__init__(retry_after=retry_after, **extra)


class LiveSessionActive(Conflict):
    error = "live_session_active"
    default_message = "A live session is already active; end it before starting another"
    commit = True


class LiveSessionNotActive(Conflict):
    error = "live_session_not_active"
    default_message = "This live session is no longer active"
    # The request may have just closed the session as expired (lazy expiry): keep that.
    commit = True


class LiveSessionNotFound(NotFound):
    default_message = "Live session not found"


class TranscriptNotFound(NotFound):
    default_message = "Transcript not found"


class TranscriptOwnerNotFound(NotFound):
    default_message = "No user matches user_id / username"


class TranscriptOwnerMismatch(Forbidden):
    default_message = "A user token may only save its own transcripts"
