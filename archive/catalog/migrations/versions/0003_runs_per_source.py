"""One crawl-run row per source, with revisits and a health verdict.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("source_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("revisits", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("article_links", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("health", sa.Text, nullable=False, server_default=""))
    op.create_index("ix_crawl_runs_source_id", "crawl_runs", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_source_id", "crawl_runs")
    with op.batch_alter_table("crawl_runs") as batch:
        for column in ("health", "article_links", "revisits", "source_id"):
            batch.drop_column(column)
