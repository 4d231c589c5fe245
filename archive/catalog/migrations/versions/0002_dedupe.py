"""Near-duplicate tables: fingerprints with indexed bands, pairs, clusters.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("simhash", sa.String(16), nullable=False),
        sa.Column("band0", sa.Integer, nullable=False),
        sa.Column("band1", sa.Integer, nullable=False),
        sa.Column("band2", sa.Integer, nullable=False),
        sa.Column("band3", sa.Integer, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("shingles", sa.Integer, nullable=False),
        sa.Column("repeated_in_page", sa.Integer, nullable=False),
        sa.Column("flags", sa.String(200), nullable=False),
    )
    op.create_table(
        "paragraph_anchors",
        sa.Column("anchor", sa.String(16), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
    )
    op.create_index("ix_paragraph_anchors_article_id", "paragraph_anchors", ["article_id"])
    for band in range(4):
        op.create_index(f"ix_fingerprints_band{band}", "fingerprints", [f"band{band}"])
    op.create_table(
        "dedupe_pairs",
        sa.Column("a", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("b", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("distance", sa.Integer, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("canonical_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
    )
    op.create_table(
        "cluster_members",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("cluster_id", sa.Integer, sa.ForeignKey("clusters.id"), nullable=False),
    )
    op.create_index("ix_cluster_members_cluster_id", "cluster_members", ["cluster_id"])


def downgrade() -> None:
    op.drop_table("cluster_members")
    op.drop_table("clusters")
    op.drop_table("dedupe_pairs")
    op.drop_table("paragraph_anchors")
    op.drop_table("fingerprints")
