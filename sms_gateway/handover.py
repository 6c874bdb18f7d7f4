"""An adviser takes a conversation over from the assistant, writes as a person, and hands
it back. While they hold it the assistant is paused (see MessageFlow.answer); the
safeguarding check still runs on every message.

The adviser console (and, until it exists, the internal API) calls these; they deliver
over the young person's own channel, SMS or web chat.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sms_gateway.assistant import BotReply
from sms_gateway.flow import MessageFlow
from sms_gateway.models import Conversation, Message, utcnow


class HeldByAnother(Exception):
    """Someone else holds the conversation: two advisers must not answer one young person."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"held by {holder}")
        self.holder = holder


class NotHeld(Exception):
    """Only the adviser holding a conversation writes in it or hands it back."""


def take_over(
    session: Session, flow: MessageFlow, conversation: Conversation, adviser: str
) -> list[Message]:
    """Pause the assistant and tell the young person a person has joined. Taking over a
    conversation one already holds changes nothing."""
    if conversation.held_by == adviser:
        return []
    if conversation.held_by is not None:
        raise HeldByAnother(conversation.held_by)
    conversation.held_by = adviser
    conversation.held_at = utcnow()
    joined = BotReply(
        f"{adviser} from the leaving care team has joined the chat. You're talking to a "
        "person now.",
        topic="adviser_joined",
    )
    return flow.send(session, conversation, [joined], author="system")


def reply_as_adviser(
    session: Session, flow: MessageFlow, conversation: Conversation, adviser: str, text: str
) -> list[Message]:
    if conversation.held_by != adviser:
        raise NotHeld()
    return flow.send(session, conversation, [BotReply(text)], author="adviser", author_name=adviser)


def hand_back(
    session: Session, flow: MessageFlow, conversation: Conversation, adviser: str
) -> list[Message]:
    """Give the conversation back to the assistant and say so."""
    if conversation.held_by != adviser:
        raise NotHeld()
    conversation.held_by = None
    conversation.held_at = None
    left = BotReply(
        f"{adviser} has left the chat. The assistant is back: ask it anything, or ask for a "
        "person again at any time.",
        topic="adviser_left",
    )
    return flow.send(session, conversation, [left], author="system")
