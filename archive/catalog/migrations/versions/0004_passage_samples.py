"""Passage samples replace paragraph anchors (fingerprints count them); pairs record the passage that holds them.

Paragraph anchors needed byte-identical paragraphs, which converters' punctuation
breaks; passage samples (dedupe/passages.py) survive it. The signals changed, so
the derived dedupe tables are emptied: the next ``aidnews dedupe`` fingerprints
every article again (articles, captures and WARCs are untouched).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PASSAGE_COLUMNS = ("passage_chars", "passage_a_start", "passage_a_end", "passage_b_start", "passage_b_end")


def _forget_dedupe_results() -> None:
    for table in ("cluster_members", "clusters", "dedupe_pairs", "fingerprints"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    _forget_dedupe_results()
    op.drop_index("ix_paragraph_anchors_article_id", "paragraph_anchors")
    op.drop_table("paragraph_anchors")
    op.create_table(
        "passage_samples",
        sa.Column("sample", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
    )
    op.create_index("ix_passage_samples_article_id", "passage_samples", ["article_id"])
    with op.batch_alter_table("fingerprints") as batch:
        batch.add_column(sa.Column("samples", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("dedupe_pairs") as batch:
        for column in PASSAGE_COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("passage_share", sa.Float, nullable=False, server_default="0"))


def downgrade() -> None:
    _forget_dedupe_results()
    with op.batch_alter_table("dedupe_pairs") as batch:
        for column in (*PASSAGE_COLUMNS, "passage_share"):
            batch.drop_column(column)
    with op.batch_alter_table("fingerprints") as batch:
        batch.drop_column("samples")
    op.drop_index("ix_passage_samples_article_id", "passage_samples")
    op.drop_table("passage_samples")
    op.create_table(
        "paragraph_anchors",
        sa.Column("anchor", sa.String(16), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
    )
    op.create_index("ix_paragraph_anchors_article_id", "paragraph_anchors", ["article_id"])
