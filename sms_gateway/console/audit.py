"""The console's audit trail: who viewed or changed what, and when. Managers read it.

Each event names the staff member (id and name, copied), the action, and the conversation or
callback it was about. No message text goes in: `detail` holds only short facts such as
"assigned to Alex" or an outcome.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.console.auth import Staff
from sms_gateway.models import AuditEvent

Action = Literal[
    "logged_in",
    "logged_out",
    "viewed_conversation",
    "took_over",
    "replied",
    "handed_back",
    "added_note",
    "claimed",
    "assigned",
    "resolved",
    "viewed_callbacks",
    "assigned_callback",
    "callback_outcome",
    "viewed_report",
]


def record(
    session: Session,
    staff: Staff,
    action: Action,
    *,
    conversation_id: str | None = None,
    callback_id: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            council_id=staff.council_id,
            account_id=staff.account_id,
            account_name=staff.name,
            action=action,
            conversation_id=conversation_id,
            callback_id=callback_id,
            detail=detail[:200] if detail else None,
        )
    )


def council_events(
    session: Session, council_id: str, conversation_id: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """The council's latest events, newest first; only one conversation's if given."""
    query = select(AuditEvent).where(AuditEvent.council_id == council_id)
    if conversation_id:
        query = query.where(AuditEvent.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
