"""adviser console casework: assignment, notes, audit, callback outcomes, what the bot understood

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("assigned_to", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("messages") as table:
        table.add_column(sa.Column("intent", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        table.add_column(sa.Column("risk_found_by", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("risk_evidence", sa.String(length=200), nullable=True))
    with op.batch_alter_table("escalations") as table:
        table.add_column(sa.Column("resolved_by", sa.String(length=32), nullable=True))
    with op.batch_alter_table("callbacks") as table:
        table.add_column(sa.Column("assigned_to", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("outcome_by", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("outcome_note", sa.Text(), nullable=True))
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(length=32),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("author_name", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notes_conversation", "notes", ["conversation_id", "id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("council_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("account_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("callback_id", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_events_council", "audit_events", ["council_id", "id"])
    op.create_index("ix_audit_events_conversation", "audit_events", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("notes")
    with op.batch_alter_table("callbacks") as table:
        for column in ("outcome_note", "outcome_by", "outcome_at", "assigned_to"):
            table.drop_column(column)
    with op.batch_alter_table("escalations") as table:
        table.drop_column("resolved_by")
    with op.batch_alter_table("messages") as table:
        for column in ("risk_evidence", "risk_found_by", "confidence", "intent"):
            table.drop_column(column)
    with op.batch_alter_table("conversations") as table:
        table.drop_column("assigned_at")
        table.drop_column("assigned_to")
