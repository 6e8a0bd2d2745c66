"""One settings object, read from `XENTREE_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="XENTREE_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Literal["development", "production", "testing"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/xentree.db"
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    redis_url: str | None = None
    # Prefix of every key this server writes to Redis; lets several deployments (or test runs)
    # share one Redis without seeing each other's counters.
    redis_prefix: str = "xentree"

    secret_key: str = DEV_SECRET
    service_key: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    jwt_issuer: str = "xentree"
    jwt_audience: str = "xentree-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_idle_ttl_seconds: int = Field(default=30 * 86400, ge=60)
    refresh_token_absolute_ttl_seconds: int = Field(default=90 * 86400, ge=60)
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0)

    # Argon2id parameters (OWASP: m=19 MiB, t=2, p=1 at least). Changing them makes every
    # hash with other parameters be re-hashed on the user's next successful login.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    live_quota_free_seconds: int = Field(default=1800, ge=0)
    live_quota_plus_seconds: int = Field(default=18000, ge=0)
    live_quota_pro_seconds: int = Field(default=72000, ge=0)
    live_heartbeat_interval_seconds: int = Field(default=15, ge=1)
    live_stale_timeout_seconds: int = Field(default=60, ge=5)
    live_max_duration_seconds: int = Field(default=3600, ge=60)
    live_sweeper_interval_seconds: float = Field(default=15.0, gt=0)

    openai_api_key: str | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    anthropic_api_key: str | None = None
    gemini_api_key: str | None = None

    log_level: str = "info"

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("XENTREE_SECRET_KEY must be set outside development")
        if len(self.secret_key) < 16:
            raise ValueError("XENTREE_SECRET_KEY must be at least 16 characters")
        for entry in self.trusted_proxies:
            ipaddress.ip_network(entry, strict=False)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def live_quota_seconds(self, plan: str) -> int:
        return {
            "free": self.live_quota_free_seconds,
            "plus": self.live_quota_plus_seconds,
            "pro": self.live_quota_pro_seconds,
        }.get(plan, self.live_quota_free_seconds)


@lru_cache
def get_settings() -> Settings:
    return Settings()
