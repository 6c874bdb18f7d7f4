"""Escalations: conversations a person at the council must pick up. One open per conversation."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from sms_gateway.models import Conversation, Escalation

EscalationReason = Literal["asked_for_person", "callback_urgent", "risk", "not_understood"]
REASONS: tuple[str, ...] = get_args(EscalationReason)


def open_escalation(session: Session, conversation_id: str) -> Escalation | None:
    return session.scalars(
        select(Escalation).where(
            Escalation.conversation_id == conversation_id, Escalation.status == "open"
        )
    ).first()


def raise_escalation(
    session: Session,
    conversation: Conversation,
    reason: EscalationReason,
    urgent: bool,
    category: str | None = None,
) -> tuple[Escalation, bool]:
    """The conversation's open escalation and whether it is new. A second request joins the
    open one: an urgent request makes it urgent and gives its reason, except that a risk
    reason is never replaced."""
    existing = open_escalation(session, conversation.id)
    if existing is None:
        try:
            # The partial unique index decides a race between two requests.
            with session.begin_nested():
                escalation = Escalation(
                    conversation_id=conversation.id,
                    council_id=conversation.council_id,
                    reason=reason,
                    urgent=urgent,
                    status="open",
                    category=category,
                )
                session.add(escalation)
            return escalation, True
        except IntegrityError:
            existing = open_escalation(session, conversation.id)
            if existing is None:
                raise
    if urgent:
        existing.urgent = True
        if existing.reason != "risk":
            existing.reason = reason
        existing.category = existing.category or category
        session.flush()
    return existing, False


def open_escalations(session: Session, council_id: str) -> list[Escalation]:
    """A council's open escalations, urgent first, then oldest first, with each conversation."""
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.council_id == council_id, Escalation.status == "open")
            .options(joinedload(Escalation.conversation).joinedload(Conversation.contact))
            .order_by(Escalation.urgent.desc(), Escalation.created_at, Escalation.id)
        )
    )
