"""Reading and writing conversations and messages. Synchronous SQLAlchemy, short transactions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from sms_gateway.assistant import BotReply
from sms_gateway.models import Contact, Conversation, Message, WebSession, utcnow
from sms_gateway.sms_format import sms_parts

WEB_SESSION_TTL = dt.timedelta(hours=12)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sms_contact(session: Session, phone: str) -> Contact:
    """The contact for a phone number, created on first contact. Safe under concurrency:
    the unique constraint decides, not a check-then-insert."""
    query = select(Contact).where(Contact.channel == "sms", Contact.address == phone)
    contact = session.scalars(query).first()
    if contact:
        return contact
    try:
        with session.begin_nested():
            contact = Contact(channel="sms", address=phone)
            session.add(contact)
    except IntegrityError:
        contact = session.scalars(query).one()
    return contact


def open_conversation(session: Session, contact: Contact, council_id: str) -> Conversation:
    """The contact's conversation with this council, started if there is none."""
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.contact_id == contact.id, Conversation.council_id == council_id)
        .order_by(Conversation.created_at.desc())
    ).first()
    if conversation is None:
        conversation = Conversation(contact=contact, council_id=council_id, channel=contact.channel)
        session.add(conversation)
        session.flush()
    return conversation


def _inbound(conversation: Conversation, text: str, **fields: str) -> Message:
    # By id, not relationship: a relationship would add the row to the session at once, before
    # record_inbound_sms's savepoint, outside the part that is rolled back on a duplicate.
    return Message(
        conversation_id=conversation.id,
        direction="in",
        author="young_person",
        text=text,
        status="received",
        **fields,
    )


def _attached(message: Message, conversation: Conversation) -> Message:
    """The stored message holding its conversation, as if loaded with it: checks that run
    next in the same transaction read it without a query (the session only keeps objects
    something refers to)."""
    set_committed_value(message, "conversation", conversation)
    return message


def record_inbound_sms(
    session: Session,
    conversation: Conversation,
    text: str,
    message_sid: str,
    council_number: str,
    received_at: dt.datetime | None = None,
) -> Message | None:
    """Store an inbound SMS once. Returns None when Twilio sent this MessageSid before.
    `received_at`: when Twilio posted it, for a text stored later from the spool."""
    message = _inbound(conversation, text, external_id=message_sid, council_number=council_number)
    if received_at is not None:
        message.created_at = received_at
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    conversation.last_message_at = utcnow()
    return _attached(message, conversation)


def record_inbound(session: Session, conversation: Conversation, text: str) -> Message:
    message = _inbound(conversation, text)
    session.add(message)
    conversation.last_message_at = utcnow()
    session.flush()
    return _attached(message, conversation)


class SentElsewhere(Exception):
    """A client message id already used in another conversation."""


def record_inbound_once(
    session: Session, conversation: Conversation, text: str, client_id: str
) -> tuple[Message, bool]:
    """Store a web message the widget may send again (after a timeout or a 503) under the
    same client-made id: stored once. Returns the message and whether it is new."""
    external_id = f"web-{client_id}"
    message = _inbound(conversation, text, external_id=external_id)
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        earlier = session.scalars(select(Message).where(Message.external_id == external_id)).one()
        if earlier.conversation_id != conversation.id:
            raise SentElsewhere from None
        return earlier, False
    conversation.last_message_at = utcnow()
    return _attached(message, conversation), True


def record_replies(
    session: Session,
    conversation_id: str,
    replies: Iterable[BotReply],
    status: str,
    author: str = "bot",
    council_number: str | None = None,
    author_name: str | None = None,
) -> list[Message]:
    """Store replies as they are (web chat: each one message)."""
    messages = [
        _outbound(conversation_id, reply, reply.text, status, author, author_name, council_number)
        for reply in replies
    ]
    return _added(session, conversation_id, messages)


def queue_sms(
    session: Session,
    conversation_id: str,
    replies: Iterable[BotReply],
    council_number: str,
    max_segments: int,
    author: str = "bot",
    author_name: str | None = None,
) -> list[Message]:
    """Store replies as outbox rows: GSM-7 where it can be, split between sentences where
    longer than `max_segments`; the topic, sources and options go with the first part."""
    messages = [
        _outbound(
            conversation_id,
            reply,
            part.text,
            "queued",
            author,
            author_name,
            council_number,
            first=index == 0,
            segments=part.segments,
            encoding=part.encoding,
        )
        for reply in replies
        for index, part in enumerate(sms_parts(reply.text, max_segments))
    ]
    return _added(session, conversation_id, messages)


def _outbound(
    conversation_id: str,
    reply: BotReply,
    text: str,
    status: str,
    author: str,
    author_name: str | None,
    council_number: str | None,
    first: bool = True,
    **fields: object,
) -> Message:
    """One message from us: a reply, or one part of it (only the first carries its
    sources and options)."""
    return Message(
        conversation_id=conversation_id,
        direction="out",
        author=author,
        author_name=author_name,
        text=text,
        status=status,
        topic=reply.topic,
        sources=(reply.sources or None) if first else None,
        options=(reply.options or None) if first else None,
        council_number=council_number,
        **fields,
    )


def _added(session: Session, conversation_id: str, messages: list[Message]) -> list[Message]:
    """Messages stored, and their conversation's last message time with them. By id, so
    storing the assistant's answer needs no conversation loaded first; the UPDATE also sets
    the time on a loaded conversation object (SQLAlchemy's synchronize_session), so what
    the caller holds stays true."""
    session.add_all(messages)
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(last_message_at=utcnow())
    )
    session.flush()
    return messages


def replies_to(session: Session, inbound: Message) -> list[Message]:
    """What was sent to the young person after a message and before their next one."""
    later = session.scalars(
        select(Message)
        .where(Message.conversation_id == inbound.conversation_id, Message.id > inbound.id)
        .order_by(Message.id)
    )
    replies = []
    for message in later:
        if message.direction == "in":
            break
        replies.append(message)
    return replies


def create_web_session(session: Session, council_id: str) -> tuple[WebSession, str]:
    """A new anonymous web chat conversation. The token is returned once and stored hashed."""
    contact = Contact(channel="web")
    conversation = Conversation(contact=contact, council_id=council_id, channel="web")
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        conversation=conversation,
        token_hash=_token_hash(token),
        expires_at=utcnow() + WEB_SESSION_TTL,
    )
    session.add_all([contact, conversation, web_session])
    session.flush()
    return web_session, token


def find_web_session(session: Session, session_id: str, token: str) -> WebSession | None:
    """The session if the token matches and it has not expired or ended; None otherwise."""
    # With its conversation in the same query: storing a message needs it.
    web_session = session.get(WebSession, session_id, options=[joinedload(WebSession.conversation)])
    if web_session is None or web_session.ended_at is not None:
        return None
    if not hmac.compare_digest(web_session.token_hash, _token_hash(token)):
        return None
    expires_at = web_session.expires_at
    if expires_at.tzinfo is None:  # SQLite returns naive datetimes
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    if expires_at <= utcnow():
        return None
    return web_session
