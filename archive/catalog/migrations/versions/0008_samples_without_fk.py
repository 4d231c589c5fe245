"""``passage_samples`` loses its foreign key to ``articles``.

The pass writes about 25 samples per article, only for article ids it has just read, and articles
are never deleted; the key check on each row cost PostgreSQL as much again as storing the row
(2,000,000 rows COPYed in 21.6–22.5 s with the key, 11.8–13.4 s without, same run). The samples
stay indexed by article (``ix_passage_samples_article_id``). Rows are kept: PostgreSQL drops the
constraint in place; SQLite cannot, so the table is copied (Alembic's batch mode: 14 s for
2,000,000 samples on this machine, the samples of 80,000 articles).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# SQLite's reflected key has no name; the batch copy names it by this convention so it can be dropped.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
SQLITE_KEY = "fk_passage_samples_article_id_articles"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for key in sa.inspect(bind).get_foreign_keys("passage_samples"):
            op.drop_constraint(str(key["name"]), "passage_samples", type_="foreignkey")  # PostgreSQL names keys
        return
    with op.batch_alter_table("passage_samples", naming_convention=NAMING) as batch:
        batch.drop_constraint(SQLITE_KEY, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("passage_samples_article_id_fkey", "passage_samples", "articles",
                              ["article_id"], ["id"])
        return
    with op.batch_alter_table("passage_samples", naming_convention=NAMING) as batch:
        batch.create_foreign_key(SQLITE_KEY, "articles", ["article_id"], ["id"])
