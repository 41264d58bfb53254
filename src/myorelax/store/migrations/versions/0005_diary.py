"""The diary: a client key on each entry (an offline save sent twice is stored once) and the
patients' reminder calendar feeds (a hashed secret token, revocable).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diary_entries") as batch:
        batch.add_column(sa.Column("client_key", sa.String(80), nullable=True))
        batch.create_unique_constraint("uq_diary_client_key", ["patient_id", "client_key"])
    op.create_table(
        "diary_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("diary_feeds")
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_constraint("uq_diary_client_key", type_="unique")
        batch.drop_column("client_key")
