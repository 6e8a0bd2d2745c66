"""Every ORM table, one module each, re-exported here for Alembic and the repositories."""

from xentree.kit.models import Base
from xentree.models.api_key import ApiKey
from xentree.models.auth_session import AuthSession
from xentree.models.organization import Organization
from xentree.models.organization_member import OrganizationMember
from xentree.models.refresh_token import RefreshToken
from xentree.models.team import Team
from xentree.models.user import User

__all__ = [
    "ApiKey",
    "AuthSession",
    "Base",
    "Organization",
    "OrganizationMember",
    "RefreshToken",
    "Team",
    "User",
]
