"""Versions, change events and rechecks: what changed in an archived article, and when.

``versions``: one row per distinct version of an article URL (its capture and extracted fields).
``change_events``: edited / taken_down / moved / restored / unlisted, naming the two captures
compared. ``version_scans``: each URL's state in the versions pass, and ``version_passes`` how
far through the captures the pass has read, so it is incremental. ``crawl_runs`` counts the
rechecks a run had due and did. ``captures.url`` is indexed: the pass and the recheck planner
look captures up by URL.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False, unique=True),
        sa.Column("timestamp", sa.String(14), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("published", sa.String(32), nullable=False, server_default=""),
        sa.Column("origin", sa.String(200), nullable=False, server_default=""),
        sa.Column("editor", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("hashes", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_versions_url", "versions", ["url"])
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("how", sa.String(32), nullable=False, server_default=""),
        sa.Column("before_record", sa.String(64), nullable=False),
        sa.Column("after_record", sa.String(64), nullable=False),
        sa.Column("detected", sa.String(14), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("fields", sa.Text, nullable=False, server_default="{}"),
        sa.UniqueConstraint("url", "after_record", "kind", name="uq_change_events_url_after_kind"),
    )
    op.create_index("ix_change_events_url", "change_events", ["url"])
    op.create_index("ix_change_events_detected", "change_events", ["detected"])
    op.create_table(
        "version_scans",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("position", sa.String(300), nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "version_passes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upto_capture", sa.Integer, nullable=False),
        sa.Column("captures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("events", sa.Integer, nullable=False, server_default="0"),
    )
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("rechecks_due", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("rechecks_done", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_captures_url", "captures", ["url"])


def downgrade() -> None:
    op.drop_index("ix_captures_url", "captures")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("rechecks_done")
        batch.drop_column("rechecks_due")
    op.drop_table("version_passes")
    op.drop_table("version_scans")
    op.drop_index("ix_change_events_detected", "change_events")
    op.drop_index("ix_change_events_url", "change_events")
    op.drop_table("change_events")
    op.drop_index("ix_versions_url", "versions")
    op.drop_table("versions")
