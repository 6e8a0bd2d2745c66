"""The documented API-key scope catalogue (docs §0.3)."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    conversations_read = "conversations:read"
    conversations_write = "conversations:write"
    rag_read = "rag:read"
    rag_write = "rag:write"
    quiz_read = "quiz:read"
    quiz_write = "quiz:write"
    live_read = "live:read"
    live_write = "live:write"
    organizations_read = "organizations:read"
    organizations_write = "organizations:write"
    integrations_read = "integrations:read"
    integrations_write = "integrations:write"
    xel_read = "xel:read"
    xel_write = "xel:write"
    api_read = "api:read"
    api_write = "api:write"
    api_admin = "api:admin"


ALL_SCOPES: frozenset[str] = frozenset(scope.value for scope in Scope)
