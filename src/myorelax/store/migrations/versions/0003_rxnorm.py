"""A loaded RxNorm release: names of every concept, brand ingredients and NDCs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rxnorm_release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("names", sa.Integer, nullable=False),
        sa.Column("brands", sa.Integer, nullable=False),
        sa.Column("ndcs", sa.Integer, nullable=False),
    )
    op.create_table(
        "rxnorm_name",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rxcui", sa.String(12), nullable=False),
        sa.Column("tty", sa.String(12), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.String(255), nullable=False),
        sa.Column("brand_key", sa.String(255)),
    )
    op.create_index("ix_rxnorm_name_rxcui", "rxnorm_name", ["rxcui"])
    op.create_index("ix_rxnorm_name_key", "rxnorm_name", ["name_key"])
    op.create_index("ix_rxnorm_name_brand", "rxnorm_name", ["brand_key"])
    op.create_table(
        "rxnorm_brand_ingredient",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brand_rxcui", sa.String(12), nullable=False),
        sa.Column("ingredient_rxcui", sa.String(12), nullable=False),
        sa.Column("ingredient_name", sa.Text, nullable=False),
    )
    op.create_index("ix_rxnorm_brand_ingredient", "rxnorm_brand_ingredient", ["brand_rxcui"])
    op.create_table(
        "rxnorm_ndc",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ndc", sa.String(11), nullable=False),
        sa.Column("rxcui", sa.String(12), nullable=False),
    )
    op.create_index("ix_rxnorm_ndc", "rxnorm_ndc", ["ndc"])


def downgrade() -> None:
    op.drop_table("rxnorm_ndc")
    op.drop_table("rxnorm_brand_ingredient")
    op.drop_table("rxnorm_name")
    op.drop_table("rxnorm_release")
