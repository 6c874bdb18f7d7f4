"""escalations and callbacks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _only_when(condition: str) -> dict[str, sa.TextClause]:
    # Partial indexes: both SQLite and PostgreSQL support them.
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    # Options offered with a bot reply (buttons on the web).
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_escalations_council_status", "escalations", ["council_id", "status"], unique=False
    )
    op.create_index(
        "uq_escalations_one_open",
        "escalations",
        ["conversation_id"],
        unique=True,
        **_only_when("status = 'open'"),
    )

    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.String(length=64), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index(
        "ix_callbacks_council_status_window",
        "callbacks",
        ["council_id", "status", "window_start"],
        unique=False,
    )
    op.create_index(
        "uq_callbacks_one_booked",
        "callbacks",
        ["conversation_id"],
        unique=True,
        **_only_when("status = 'booked'"),
    )


def downgrade() -> None:
    op.drop_index("uq_callbacks_one_booked", table_name="callbacks")
    op.drop_index("ix_callbacks_council_status_window", table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_index("uq_escalations_one_open", table_name="escalations")
    op.drop_index("ix_escalations_council_status", table_name="escalations")
    op.drop_table("escalations")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("options")
