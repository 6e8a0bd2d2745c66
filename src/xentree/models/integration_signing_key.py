from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, CreatedAtMixin, IDMixin, UTCDateTime


class IntegrationSigningKey(IDMixin, CreatedAtMixin, Base):
    """A tenant's RSA-2048 integration-token signing key.

    `kid` is the RFC 7638 thumbprint of the public key, so a kid always names the same key.
    The private key (PKCS#8 DER) is stored only AES-GCM encrypted under a key derived from
    `XENTREE_SECRET_KEY`. At most one key per tenant is `active`; `retired` keys stay published
    while a token they signed is still alive (see `integration_grants`).
    """

    __tablename__ = "integration_signing_keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'retired')", name="status"),
        Index(
            "uq_integration_signing_keys_one_active",
            "organization_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    public_key_der: Mapped[bytes] = mapped_column(LargeBinary(1024), nullable=False)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary(4096), nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
