"""sms outbox, delivery status, opt-out and first-contact notice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("opt_out_source", sa.String(length=16), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("notice_sent_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("segments", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("encoding", sa.String(length=8), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "check_before_resend", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # The outbox and the re-ask loop look messages up by direction and status.
    op.create_index("ix_messages_direction_status", "messages", ["direction", "status"])


def downgrade() -> None:
    op.drop_index("ix_messages_direction_status", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        for column in (
            "check_before_resend",
            "next_attempt_at",
            "attempts",
            "encoding",
            "segments",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("notice_sent_at")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("opt_out_source")
        batch.drop_column("opted_out_at")
