"""Full-text search index: each article's folded text, and an index of its character pairs.

``search_docs`` holds one row per article: its title, 来源 and text (every version, once versions
exist) folded by ``dedupe.search`` (NFKC, traditional to simplified, lower case, whitespace runs
as one space), and the sort key (published, else captured, as Unix seconds). The pair index:
SQLite, a contentless FTS5 table ``search_fts`` (rowid = article id) whose "text" is the article's
pairs of adjacent word characters; PostgreSQL, a ``text[]`` column of those pairs under a GIN index.
The index is derived: ``aidnews search-index --rebuild`` fills it from the articles, so this
migration leaves it empty (run that command once after upgrading an existing catalog).

The lead will re-point ``down_revision`` at "0006" when the versions branch (0006_versions.py)
lands; nothing else depends on this migration's number.

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True, autoincrement=False),
        sa.Column("sort_ts", sa.BigInteger, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
    ]
    if postgres:
        from sqlalchemy.dialects.postgresql import ARRAY

        columns.append(sa.Column("terms", ARRAY(sa.Text), nullable=False))
    op.create_table("search_docs", *columns)
    op.create_index("ix_search_docs_sort", "search_docs", ["sort_ts", "article_id"])
    if postgres:
        op.execute("CREATE INDEX ix_search_docs_terms ON search_docs USING gin (terms)")
    else:
        # ascii: every non-ASCII character is a token character, so a pair is one token as written;
        # detail=none: only which articles hold a pair (no positions), the smallest FTS5 index.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='', tokenize='ascii', "
                   "detail=none, columnsize=0)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_search_docs_sort", "search_docs")
    op.drop_table("search_docs")
