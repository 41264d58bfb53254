"""Initial schema: users, patients, care team, regimens, diary entries, care plans, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("role in ('patient', 'clinician', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), unique=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "care_team",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "clinician_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.UniqueConstraint("clinician_id", "patient_id"),
    )
    op.create_table(
        "regimens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sig", sa.String(200), nullable=False),
        sa.Column("drug", sa.String(80), nullable=False),
        sa.Column("dose_mg", sa.Float),
        sa.Column("doses_per_day", sa.Float),
        sa.Column("times", sa.JSON, nullable=False),
        sa.Column("prn", sa.Boolean, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_regimens_patient", "regimens", ["patient_id", "start"])
    op.create_table(
        "diary_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", TZ, nullable=False),
        sa.Column("utc_offset_min", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("drug", sa.String(80)),
        sa.Column("dose_mg", sa.Float),
        sa.Column("dose_status", sa.String(16)),
        sa.Column("value", sa.Float),
        sa.Column("severity", sa.Integer),
        sa.Column("quality", sa.Float),
        sa.Column("symptom", sa.String(80)),
        sa.Column("items", sa.JSON),
        sa.Column("text", sa.Text),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_diary_patient_at", "diary_entries", ["patient_id", "at"])
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer),
        sa.Column("patient_id", sa.Integer),
        sa.Column("detail", sa.String(200)),
    )
    op.create_index("ix_audit_patient", "audit_log", ["patient_id", "at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "care_plans",
        "diary_entries",
        "regimens",
        "care_team",
        "patients",
        "users",
    ):
        op.drop_table(table)
