"""Service settings, read from the environment (`MYORELAX_...`) by pydantic-settings.

Nothing is read at import time: `Settings()` reads the environment when the app is built.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrustedIssuer(BaseModel):
    """A CDS client (an EHR) allowed to call the CDS services: its `iss`, and where its public
    keys are (a JWKS URL, or the JWKS itself inline)."""

    iss: str
    jwks_url: str | None = None
    jwks: dict[str, object] | None = None
    tenants: list[str] | None = Field(default=None, description="allowed `tenant` values, if any")
    fhir_servers: list[str] = Field(
        default_factory=list,
        description="this EHR's FHIR server base URLs: fetched from even on private addresses",
    )

    @field_validator("iss")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v


class Settings(BaseSettings):
    """Every setting has a safe default: local only, no CORS, CDS clients must sign."""

    model_config = SettingsConfigDict(env_prefix="MYORELAX_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the user's data folder"
    )
    knowledge_dir: str | None = Field(
        default=None,
        description="A site's own reviewed knowledge folder (MYORELAX_KNOWLEDGE_DIR); default: "
        "the packaged knowledge base",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The service's address as clients see it; CDS JWT `aud` is checked against it",
    )
    cds_issuers: list[TrustedIssuer] = Field(
        default_factory=list,
        description="CDS clients allowed to call (JSON list of {iss, jwks_url | jwks})",
    )
    cds_allow_unsigned: bool = Field(
        default=False,
        description="Development only: accept CDS requests without a JWT (never in production)",
    )
    cds_fetch_timeout_s: float = Field(default=3.0, gt=0, le=30)
    cds_time_budget_s: float = Field(
        default=8.0,
        gt=0,
        le=60,
        description="longest a CDS call may take, fetching included; past it the answer is an "
        "info card saying the check did not finish (EHRs time out around 10 s)",
    )
    cds_fhir_private_ok: bool = Field(
        default=False,
        description="Development only: fetch from a `fhirServer` on a loopback or private address "
        "that no issuer lists in its `fhir_servers`",
    )
    cds_jwt_max_lifetime_s: int | None = Field(
        default=3600,
        ge=1,
        description="longest accepted exp - iat (CDS Hooks 2.0 sets none; None: no limit)",
    )
    sign_in_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins per user name before it is locked"
    )
    sign_in_address_max_failures: int = Field(
        default=50, ge=1, description="failed sign-ins per client address before it is locked"
    )
    sign_in_window_s: float = Field(
        default=900, gt=0, description="window for counting failures, and the lock's length"
    )
    sign_in_concurrency: int = Field(
        default=1, ge=1, description="password checks (Argon2id, ~1 s of CPU) run at once"
    )
    password_hashing: Literal["standard", "weak-for-tests"] = Field(
        default="standard",
        description="Argon2id cost of new password hashes: 'standard' (the recommended "
        "parameters, ~0.1-1 s of CPU each); 'weak-for-tests' makes them nearly free, for test "
        "suites only: never in production (the server logs a warning when it is set)",
    )
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or "
        "networks); none by default",
    )
    workers: int = Field(default=1, ge=1, le=64, description="server processes (`serve --workers`)")
    cpu_concurrency: int = Field(
        default=0,
        ge=0,
        le=256,
        description="checks, simulations, plans and CDS reviews computed at once per process; "
        "more wait their turn. 0 (default): no limit beyond the thread pool (measured no better "
        "on 2 cores, and a queue lets two long population simulations hold up every check)",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Off unless listed")
    token_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    create_demo_users: bool = Field(
        default=True, description="On first start with no users, create admin and demo accounts"
    )
    log_level: str = "info"

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")
