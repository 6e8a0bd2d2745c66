from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Form, Request, Response, status

from xentree.auth.auth import BearerUser
from xentree.auth.dependencies import AuthServiceDep, request_ip
from xentree.auth.schemas import (
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
    UpdateMeRequest,
    UserProfile,
)
from xentree.kit.dependencies import DbSession
from xentree.models import User

router = APIRouter(tags=["Authentication"])


@router.post(
    "/register",
    summary="Register a new user",
    status_code=status.HTTP_201_CREATED,
    response_model=UserProfile,
)
async def register(payload: RegisterRequest, session: DbSession, auth: AuthServiceDep) -> User:
    """Create an account; log in afterwards to get tokens."""
    return await auth.create_user(session, payload)


@router.post("/login", summary="Log in and get an access token", response_model=TokenResponse)
async def login(
    request: Request,
    response: Response,
    username: Annotated[str, Form(min_length=1, max_length=320, description="Username or email")],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    session: DbSession,
    auth: AuthServiceDep,
) -> TokenResponse:
    """Exchange a username (or email) and password, sent as a form, for an access and refresh token."""
    result = await auth.login(
        session,
        login=username,
        password=password,
        client_ip=request_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    response.headers.update(result.rate_limit.headers())
    return result.tokens


@router.post("/refresh", summary="Refresh an access token", response_model=TokenResponse)
async def refresh(
    payload: RefreshRequest, session: DbSession, auth: AuthServiceDep
) -> TokenResponse:
    """Rotate a refresh token: returns a new access token and a new refresh token."""
    return await auth.refresh(session, payload.refresh_token)


@router.post(
    "/logout",
    summary="Log out the current user",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def logout(
    caller: BearerUser,
    session: DbSession,
    auth: AuthServiceDep,
    payload: Annotated[LogoutRequest | None, Body()] = None,
) -> None:
    """Revoke this session (or, with `all_devices`, every session of the user)."""
    await auth.logout(session, caller, all_devices=bool(payload and payload.all_devices))


@router.get("/me", summary="Get the current authenticated user", response_model=UserProfile)
async def get_me(caller: BearerUser) -> User:
    """The profile of the user behind the access token (bearer only)."""
    return caller.required_user


@router.patch("/me", summary="Update the current authenticated user", response_model=UserProfile)
async def update_me(
    payload: UpdateMeRequest, caller: BearerUser, session: DbSession, auth: AuthServiceDep
) -> User:
    """Change profile fields; a password change needs the current password and ends other sessions."""
    return await auth.update_me(session, caller, payload)
