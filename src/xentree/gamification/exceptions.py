from __future__ import annotations

from xentree.kit.errors import NotFound, ValidationFailed


class ProfileNotFound(NotFound):
    default_message = "No public profile with this username"


class InvalidDateRange(ValidationFailed):
    pass
