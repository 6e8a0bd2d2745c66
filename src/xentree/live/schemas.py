from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from xentree.kit.schemas import RequestModel, ResponseModel

SessionType = Literal["voice", "avatar"]
SessionStatus = Literal["active", "ended", "expired"]
Plan = Literal["free", "plus", "pro"]
TurnRole = Literal["user", "ai", "system"]

MAX_TURNS = 5000
MAX_TURN_CHARS = 10_000
# Turn timestamps may sit this far outside the session window (client clocks drift).
TURN_WINDOW_SLACK_SECONDS = 300


class LiveQuotaResponse(ResponseModel):
    plan: Plan
    period_start: datetime = Field(description="Start of the calendar month (UTC), inclusive")
    period_end: datetime = Field(description="Start of the next calendar month (UTC), exclusive")
    limit_seconds: int
    used_seconds: int
    remaining_seconds: int
    active_session_id: uuid.UUID | None


class LiveStartSessionRequest(RequestModel):
    session_type: SessionType


class LiveSessionRequest(RequestModel):
    """Names the session a heartbeat or an end is for."""

    session_id: uuid.UUID


class LiveSessionResponse(ResponseModel):
    session_id: uuid.UUID
    session_type: SessionType
    status: SessionStatus
    started_at: datetime
    last_heartbeat_at: datetime
    ended_at: datetime | None
    billed_seconds: int = Field(description="Seconds billed for this session so far")
    remaining_seconds: int = Field(description="Seconds left in this month's allowance")
    heartbeat_interval_seconds: int
    max_duration_seconds: int


def _nickname(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 32:
        raise ValueError("must be 1 to 32 characters after trimming")
    if not value.isprintable():
        raise ValueError("must contain printable characters only")
    return value


class LiveNicknameRequest(RequestModel):
    nickname: Annotated[str, Field(max_length=256), AfterValidator(_nickname)]


class LiveNicknameResponse(ResponseModel):
    nickname: str


class TranscriptTurn(RequestModel):
    role: TurnRole
    text: Annotated[str, Field(min_length=1, max_length=MAX_TURN_CHARS)]
    timestamp: AwareDatetime


class SaveLiveTranscriptsRequest(RequestModel):
    user_id: uuid.UUID | None = None
    username: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    session_started_at: AwareDatetime
    session_ended_at: AwareDatetime
    transcripts: Annotated[list[TranscriptTurn], Field(max_length=MAX_TURNS)]

    @model_validator(mode="after")
    def _check_window(self) -> SaveLiveTranscriptsRequest:
        if self.session_ended_at < self.session_started_at:
            raise ValueError("session_ended_at must not be before session_started_at")
        return self


class TranscriptTurnResponse(ResponseModel):
    role: TurnRole
    text: str
    timestamp: datetime


class LiveTranscriptSummary(ResponseModel):
    id: uuid.UUID
    session_started_at: datetime
    session_ended_at: datetime
    duration_seconds: int
    turn_count: int
    preview: str


class LiveTranscriptResponse(ResponseModel):
    id: uuid.UUID
    session_started_at: datetime
    session_ended_at: datetime
    duration_seconds: int
    turns: list[TranscriptTurnResponse]
