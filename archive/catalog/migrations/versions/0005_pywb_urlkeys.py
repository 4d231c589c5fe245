"""Capture urlkeys as pywb computes them (no trailing slash, surt's query and escape rules).

Earlier catalogs kept ``cn,tibet)/cn/aid_tibet/rw/`` where pywb asks for ``cn,tibet)/cn/aid_tibet/rw``;
every stored key is recomputed from its URL. Downgrading keeps the new keys: the old ones were
lookups that missed, not data.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from archive.surt import surt

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    connection = op.get_bind()
    captures = sa.table("captures", sa.column("id", sa.Integer), sa.column("url", sa.Text),
                        sa.column("urlkey", sa.Text))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(captures.c.id, captures.c.url, captures.c.urlkey)
            .where(captures.c.id > last).order_by(captures.c.id).limit(_BATCH)
        ).all()
        if not rows:
            return
        changed = [{"row": row.id, "key": surt(row.url)} for row in rows if surt(row.url) != row.urlkey]
        if changed:
            connection.execute(
                captures.update().where(captures.c.id == sa.bindparam("row")).values(urlkey=sa.bindparam("key")),
                changed,
            )
        last = rows[-1].id


def downgrade() -> None:
    pass
