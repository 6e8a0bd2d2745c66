from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StringConstraints

from xentree.kit.schemas import RequestModel, ResponseModel, check_timezone


def _fold(value: object) -> object:
    return value.strip().casefold() if isinstance(value, str) else value


Username = Annotated[
    str,
    BeforeValidator(_fold),
    StringConstraints(min_length=3, max_length=32, pattern=r"^[a-z0-9_.-]+$"),
]
Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(lambda v: v.casefold())]
Password = Annotated[str, Field(min_length=10, max_length=128)]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(check_timezone)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class RegisterRequest(RequestModel):
    username: Username
    email: Email
    password: Password
    full_name: FullName | None = None
    timezone: Timezone = "UTC"


class UserProfile(ResponseModel):
    id: uuid.UUID
    username: str
    email: str
    full_name: str | None
    timezone: str
    avatar_url: str | None
    bio: str | None
    public_profile: bool
    live_nickname: str | None
    plan: Literal["free", "plus", "pro"]
    is_admin: bool
    created_at: datetime


class UpdateMeRequest(RequestModel):
    full_name: FullName | None = None
    email: Email | None = None
    timezone: Timezone | None = None
    avatar_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://\S+$")] | None = None
    bio: Annotated[str, Field(max_length=2000)] | None = None
    public_profile: bool | None = None
    current_password: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    new_password: Password | None = None


class TokenResponse(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    refresh_token: str
    expires_in: int = Field(description="Lifetime of the access token in seconds")


class RefreshRequest(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutRequest(RequestModel):
    all_devices: bool = False
