"""``search_state``: one row whose ``generation`` grows with every write that can change a search's total.

The search index, the clusters (the "has copies" and cluster filters) and the change events (the
"kind of change" filter) each bump it in the transaction that changes them. A search remembers
the totals it counted under a generation: paging through a query, or asking it again, does not
count its matches again while nothing changed (a word in most of a million articles takes
0.6 s to count, however its page is found).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO search_state (id, generation) VALUES (1, 1)")


def downgrade() -> None:
    op.drop_table("search_state")
