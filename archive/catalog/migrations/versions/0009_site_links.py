"""``site_links``: cluster members counted per (original's site, member's site, original or copy, spam).

The app's sites page and the report's per-site table aggregated every cluster member on each
request: 0.46 s of SQLite at 100,000 clusters, since each member's site is read from its article
row. The counts change only when the clusters do, so ``Catalog.replace_clusters`` now stores them;
this migration fills them for the clusters already there.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_links",
        sa.Column("canonical_source", sa.String(64), primary_key=True),
        sa.Column("member_source", sa.String(64), primary_key=True),
        sa.Column("is_canonical", sa.Boolean, primary_key=True),
        sa.Column("flagged", sa.Boolean, primary_key=True),
        sa.Column("members", sa.Integer, nullable=False),
    )
    # The same aggregate as archive.catalog.dedupe_tables.site_links_select, frozen as of this revision.
    op.execute(
        "INSERT INTO site_links (canonical_source, member_source, is_canonical, flagged, members) "
        "SELECT c.source_id, a.source_id, cm.article_id = cl.canonical_id, "
        "COALESCE(f.flags LIKE '%spam%', false), count(*) "
        "FROM cluster_members cm JOIN clusters cl ON cl.id = cm.cluster_id "
        "JOIN articles a ON a.id = cm.article_id JOIN articles c ON c.id = cl.canonical_id "
        "LEFT JOIN fingerprints f ON f.article_id = a.id "
        "GROUP BY c.source_id, a.source_id, cm.article_id = cl.canonical_id, COALESCE(f.flags LIKE '%spam%', false)")


def downgrade() -> None:
    op.drop_table("site_links")
