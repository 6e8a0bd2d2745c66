"""Base classes of request and response models."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is a 400, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("must be an IANA timezone name such as 'Europe/Paris' or 'UTC'")
    return value
