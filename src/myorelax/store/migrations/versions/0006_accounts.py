"""Accounts: each sign-in token remembers its client (user agent) and when it was last used, so
that a user can see their live sessions and end them.

Revision ID: 0006
Revises: 0005 (written against 0004; chained after 0005_diary, which shares this tree)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("session_tokens") as batch:
        batch.add_column(sa.Column("user_agent", sa.String(200), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("user_agent")
