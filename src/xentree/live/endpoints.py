from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from xentree.kit.dependencies import DbSession, SettingsDep
from xentree.kit.pagination import Page, Pagination
from xentree.live.auth import LiveRead, LiveTranscriptWriter, LiveWrite
from xentree.live.schemas import (
    LiveNicknameRequest,
    LiveNicknameResponse,
    LiveQuotaResponse,
    LiveSessionRequest,
    LiveSessionResponse,
    LiveStartSessionRequest,
    LiveTranscriptResponse,
    LiveTranscriptSummary,
    SaveLiveTranscriptsRequest,
)
from xentree.live.service import LiveService

router = APIRouter(tags=["Xentree Live"])

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_DESCRIPTIONS = {
    401: "Missing or invalid credentials",
    403: "Credential kind or API-key scope not allowed, or another user's transcript",
    404: "Not found or not visible to the caller",
    409: "live_session_active / live_session_not_active",
    413: "Body over 1 MiB",
    429: "live_quota_exceeded (with Retry-After)",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers of a route (the contract's `Error` body)."""
    return {code: {"description": _DESCRIPTIONS[code], "content": _ERROR} for code in codes}


def get_live_service(settings: SettingsDep) -> LiveService:
    return LiveService(settings)


LiveServiceDep = Annotated[LiveService, Depends(get_live_service)]


@router.get(
    "/quota",
    summary="Get remaining Xentree Live quota",
    response_model=LiveQuotaResponse,
    responses=_errors(401, 403),
)
async def get_quota(
    caller: LiveRead, session: DbSession, live: LiveServiceDep
) -> LiveQuotaResponse:
    """This calendar month's (UTC) Live allowance of the caller's plan, in seconds."""
    return await live.quota(session, caller.user_id)


@router.post(
    "/session/start",
    summary="Start a live session",
    status_code=status.HTTP_201_CREATED,
    response_model=LiveSessionResponse,
    responses=_errors(401, 403, 409, 429),
)
async def start_session(
    payload: LiveStartSessionRequest, caller: LiveWrite, session: DbSession, live: LiveServiceDep
) -> LiveSessionResponse:
    """Open a voice or avatar session; 429 when no quota remains, 409 when one is active."""
    return await live.start(session, caller.user_id, payload.session_type)


@router.post(
    "/session/heartbeat",
    summary="Update an active live session heartbeat",
    response_model=LiveSessionResponse,
    responses=_errors(401, 403, 404, 409, 429),
)
async def heartbeat(
    payload: LiveSessionRequest, caller: LiveWrite, session: DbSession, live: LiveServiceDep
) -> LiveSessionResponse:
    """Bill the server-clock time since the previous heartbeat (at most the stale timeout)."""
    return await live.heartbeat(session, caller.user_id, payload.session_id)


@router.post(
    "/session/end",
    summary="End a live session",
    response_model=LiveSessionResponse,
    responses=_errors(401, 403, 404),
)
async def end_session(
    payload: LiveSessionRequest, caller: LiveWrite, session: DbSession, live: LiveServiceDep
) -> LiveSessionResponse:
    """Final billing and close; ending a closed session returns it unchanged."""
    return await live.end(session, caller.user_id, payload.session_id)


@router.patch(
    "/nickname",
    summary="Update the user nickname used in Xentree Live",
    response_model=LiveNicknameResponse,
    responses=_errors(401, 403),
)
async def update_nickname(
    payload: LiveNicknameRequest, caller: LiveWrite, session: DbSession, live: LiveServiceDep
) -> LiveNicknameResponse:
    """Set the nickname (1–32 printable characters, trimmed) Live calls the user by."""
    return await live.set_nickname(session, caller.required_user, payload.nickname)


@router.get(
    "/transcripts",
    summary="List live transcripts for the current user",
    response_model=Page[LiveTranscriptSummary],
    responses=_errors(401, 403),
)
async def list_transcripts(
    caller: LiveRead, session: DbSession, live: LiveServiceDep, page: Pagination
) -> Page[LiveTranscriptSummary]:
    """The caller's transcripts, newest session first."""
    return await live.list_transcripts(session, caller.user_id, page)


@router.post(
    "/transcripts",
    summary="Save live session transcripts",
    response_class=Response,
    responses={200: {"description": "Transcript saved"}, **_errors(401, 403, 404, 413)},
)
async def save_transcripts(
    payload: SaveLiveTranscriptsRequest,
    caller: LiveTranscriptWriter,
    session: DbSession,
    live: LiveServiceDep,
) -> Response:
    """Save (or merge into) the transcript of one session; bearer token or X-Service-Key."""
    await live.save_transcript(session, caller, payload)
    return Response(status_code=status.HTTP_200_OK)


@router.get(
    "/transcripts/{transcript_id}",
    summary="Get a single live transcript",
    response_model=LiveTranscriptResponse,
    responses=_errors(401, 403, 404),
)
async def get_transcript(
    transcript_id: uuid.UUID, caller: LiveRead, session: DbSession, live: LiveServiceDep
) -> LiveTranscriptResponse:
    """One of the caller's transcripts with every turn in timestamp order."""
    return await live.get_transcript(session, caller.user_id, transcript_id)
