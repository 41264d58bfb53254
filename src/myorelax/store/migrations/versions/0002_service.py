"""Service: sign-in tokens (hashed) and CDS Hooks feedback.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "session_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.String(80), nullable=False),
        sa.Column("card_uuid", sa.String(80), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", sa.String(40), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON, nullable=False),
        sa.Column("override_code", sa.String(80)),
        sa.Column("override_system", sa.String(200)),
        sa.Column("override_display", sa.String(200)),
        sa.Column("user_comment", sa.Text),
        sa.Column("client", sa.String(200)),
        sa.Column("received_at", TZ, nullable=False),
        sa.CheckConstraint("outcome in ('accepted', 'overridden')", name="ck_feedback_outcome"),
        sa.UniqueConstraint("service_id", "card_uuid", "outcome", "outcome_timestamp"),
    )


def downgrade() -> None:
    op.drop_table("cds_feedback")
    op.drop_table("session_tokens")
