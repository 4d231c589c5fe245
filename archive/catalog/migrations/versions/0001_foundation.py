"""Foundation: sources, crawl runs, captures, articles.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("hosts", sa.Text, nullable=False),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("spider", sa.String(64), nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warc_files", sa.Text, nullable=False),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(64), nullable=False, unique=True),
        sa.Column("record_type", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("urlkey", sa.Text, nullable=False),
        sa.Column("timestamp", sa.String(14), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("mime", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("run_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_captures_urlkey_timestamp", "captures", ["urlkey", "timestamp"])
    op.create_index("ix_captures_filename", "captures", ["filename"])
    op.create_index("ix_captures_source_id", "captures", ["source_id"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id", sa.String(64), sa.ForeignKey("captures.record_id"),
            nullable=False, unique=True,
        ),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("section", sa.String(128), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("published", sa.DateTime, nullable=True),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("editor", sa.String(200), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("captured_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_articles_source_id", "articles", ["source_id"])


def downgrade() -> None:
    op.drop_table("articles")
    op.drop_table("captures")
    op.drop_table("crawl_runs")
    op.drop_table("sources")
