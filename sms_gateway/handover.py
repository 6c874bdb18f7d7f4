"""An adviser takes a conversation over from the assistant, writes as a person, and hands
it back. While they hold it the assistant is paused (see MessageFlow.answer); the
safeguarding check still runs on every message.

The adviser console calls these with the staff member's account id (who holds it) and first
name (what the young person sees). They deliver over the young person's own channel, SMS or
web chat; the caller commits, then calls `flow.sent`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sms_gateway.assistant import BotReply
from sms_gateway.flow import MessageFlow
from sms_gateway.models import Conversation, Message, utcnow


class HeldByAnother(Exception):
    """Someone else holds the conversation: two advisers must not answer one young person."""

    def __init__(self, holder: str) -> None:
        super().__init__("held by another adviser")
        self.holder = holder


class NotHeld(Exception):
    """Only the adviser holding a conversation writes in it or hands it back."""


def _joined(name: str) -> BotReply:
    return BotReply(
        f"{name} from the leaving care team has joined the chat. You're talking to a person now.",
        topic="adviser_joined",
    )


def take_over(
    session: Session, flow: MessageFlow, conversation: Conversation, holder: str, name: str
) -> list[Message]:
    """Pause the assistant and tell the young person a person has joined. Taking over a
    conversation one already holds changes nothing."""
    if conversation.held_by == holder:
        return []
    if conversation.held_by is not None:
        raise HeldByAnother(conversation.held_by)
    conversation.held_by = holder
    conversation.held_at = utcnow()
    return flow.send(session, conversation, [_joined(name)], author="system")


def pass_to(
    session: Session, flow: MessageFlow, conversation: Conversation, holder: str, name: str
) -> list[Message]:
    """A manager gives a held conversation to another adviser: the assistant stays paused and
    the young person is told who they are talking to now."""
    if conversation.held_by in (None, holder):
        return []
    conversation.held_by = holder
    conversation.held_at = utcnow()
    return flow.send(session, conversation, [_joined(name)], author="system")


def reply_as_adviser(
    session: Session,
    flow: MessageFlow,
    conversation: Conversation,
    holder: str,
    name: str,
    text: str,
) -> list[Message]:
    if conversation.held_by != holder:
        raise NotHeld()
    return flow.send(session, conversation, [BotReply(text)], author="adviser", author_name=name)


def hand_back(
    session: Session, flow: MessageFlow, conversation: Conversation, holder: str, name: str
) -> list[Message]:
    """Give the conversation back to the assistant and say so."""
    if conversation.held_by != holder:
        raise NotHeld()
    conversation.held_by = None
    conversation.held_at = None
    left = BotReply(
        f"{name} has left the chat. The assistant is back: ask it anything, or ask for a "
        "person again at any time.",
        topic="adviser_left",
    )
    return flow.send(session, conversation, [left], author="system")
