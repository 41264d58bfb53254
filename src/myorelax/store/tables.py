"""ORM rows: the database shape, kept apart from the domain objects."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # patient | clinician | admin
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PatientRow(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CareTeamRow(Base):
    """A clinician's link to a patient: what makes the patient's record visible to them."""

    __tablename__ = "care_team"
    __table_args__ = (UniqueConstraint("clinician_id", "patient_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))


class RegimenRow(Base):
    """One prescribed regimen over a period; a change ends one row and starts another."""

    __tablename__ = "regimens"
    __table_args__ = (Index("ix_regimens_patient", "patient_id", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    sig: Mapped[str] = mapped_column(String(200))
    drug: Mapped[str] = mapped_column(String(80))
    dose_mg: Mapped[float | None] = mapped_column(Float)
    doses_per_day: Mapped[float | None] = mapped_column(Float)
    times: Mapped[list[str]] = mapped_column(JSON)
    prn: Mapped[bool] = mapped_column(default=False)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DiaryEntryRow(Base):
    __tablename__ = "diary_entries"
    __table_args__ = (
        Index("ix_diary_patient_at", "patient_id", "at"),
        # a save the browser queued offline and sent twice is stored once (migration 0005)
        UniqueConstraint("patient_id", "client_key", name="uq_diary_client_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    utc_offset_min: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    drug: Mapped[str | None] = mapped_column(String(80))
    dose_mg: Mapped[float | None] = mapped_column(Float)
    dose_status: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[float | None] = mapped_column(Float)
    symptom: Mapped[str | None] = mapped_column(String(80))
    items: Mapped[list[int] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_key: Mapped[str | None] = mapped_column(String(80))


class DiaryFeedRow(Base):
    """A patient's reminder calendar feed: the SHA-256 of its secret URL token (revocable)."""

    __tablename__ = "diary_feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CarePlanRow(Base):
    __tablename__ = "care_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who read or changed what (no patient data in the row beyond ids)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_patient", "patient_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))  # read | create | update | delete
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))


class SessionTokenRow(Base):
    """A sign-in: only the SHA-256 of the bearer token is kept, never the token."""

    __tablename__ = "session_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(default=False)
    # Shown on the sessions page (migration 0006): the browser or client that signed in, and
    # when the token was last used (updated at most once a minute).
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class CdsFeedbackRow(Base):
    """What a clinician did with a CDS card: accepted or overridden, with the reason.

    The same feedback sent again (same service, card, outcome and time) is stored once."""

    __tablename__ = "cds_feedback"
    __table_args__ = (UniqueConstraint("service_id", "card_uuid", "outcome", "outcome_timestamp"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(80))
    card_uuid: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | overridden
    outcome_timestamp: Mapped[str] = mapped_column(String(40))
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON)
    override_code: Mapped[str | None] = mapped_column(String(80))
    override_system: Mapped[str | None] = mapped_column(String(200))
    override_display: Mapped[str | None] = mapped_column(String(200))
    user_comment: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RxNormReleaseRow(Base):
    """The loaded RxNorm release (at most one row)."""

    __tablename__ = "rxnorm_release"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    names: Mapped[int] = mapped_column(Integer)
    brands: Mapped[int] = mapped_column(Integer)
    ndcs: Mapped[int] = mapped_column(Integer)


class RxNormNameRow(Base):
    """One name of one RxNorm concept (term type and preference rank kept)."""

    __tablename__ = "rxnorm_name"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rxcui: Mapped[str] = mapped_column(String(12), index=True)
    tty: Mapped[str] = mapped_column(String(12))
    rank: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(255), index=True)
    brand_key: Mapped[str | None] = mapped_column(String(255), index=True)


class RxNormBrandIngredientRow(Base):
    """An ingredient of an RxNorm brand name (BN to IN)."""

    __tablename__ = "rxnorm_brand_ingredient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_rxcui: Mapped[str] = mapped_column(String(12), index=True)
    ingredient_rxcui: Mapped[str] = mapped_column(String(12))
    ingredient_name: Mapped[str] = mapped_column(Text)


class RxNormNdcRow(Base):
    """An NDC (11 digits, as RXNSAT stores it) and the RxCUI it is a package of."""

    __tablename__ = "rxnorm_ndc"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ndc: Mapped[str] = mapped_column(String(11), index=True)
    rxcui: Mapped[str] = mapped_column(String(12))


class CdsTokenUseRow(Base):
    """A CDS client JWT's `jti`, kept until the token expires: a replay to any process sharing
    this database is refused."""

    __tablename__ = "cds_token_uses"
    __table_args__ = (Index("ix_cds_token_uses_expiry", "expires_at"),)
    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float)  # POSIX seconds


class SignInFailureRow(Base):
    """Recent failed sign-ins for one user name (or one client address)."""

    __tablename__ = "sign_in_failures"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[float] = mapped_column(Float)  # POSIX seconds: start of the window
    locked_until: Mapped[float] = mapped_column(Float)
