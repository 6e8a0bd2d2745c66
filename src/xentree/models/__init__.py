"""Every ORM table, one module each, re-exported here for Alembic and the repositories."""

from xentree.kit.models import Base
from xentree.models.api_key import ApiKey
from xentree.models.auth_session import AuthSession
from xentree.models.integration_grant import IntegrationGrant
from xentree.models.integration_revoked_jti import IntegrationRevokedJti
from xentree.models.integration_signing_key import IntegrationSigningKey
from xentree.models.integration_token_revocation import IntegrationTokenRevocation
from xentree.models.live_session import LiveSession
from xentree.models.live_transcript import LiveTranscript
from xentree.models.live_transcript_turn import LiveTranscriptTurn
from xentree.models.live_usage import LiveUsage
from xentree.models.organization import Organization
from xentree.models.organization_member import OrganizationMember
from xentree.models.refresh_token import RefreshToken
from xentree.models.team import Team
from xentree.models.user import User
from xentree.models.xp_account import XpAccount
from xentree.models.xp_day import XpDay
from xentree.models.xp_event import XpEvent

__all__ = [
    "ApiKey",
    "AuthSession",
    "Base",
    "IntegrationGrant",
    "IntegrationRevokedJti",
    "IntegrationSigningKey",
    "IntegrationTokenRevocation",
    "LiveSession",
    "LiveTranscript",
    "LiveTranscriptTurn",
    "LiveUsage",
    "Organization",
    "OrganizationMember",
    "RefreshToken",
    "Team",
    "User",
    "XpAccount",
    "XpDay",
    "XpEvent",
]
