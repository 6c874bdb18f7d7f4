"""Reading and writing conversations and messages. Synchronous SQLAlchemy, short transactions.

Every message in and out is written with one Core INSERT (and its conversation's last
message time with one UPDATE), then held by the session as if it had been loaded: the ORM's
unit of work cost several times the CPU of the statements themselves, and every message
passes here. Changes made to a message later in the same transaction (a status set by the
checks) are flushed by the ORM as usual.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Insert, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from sms_gateway.assistant import BotReply
from sms_gateway.models import Contact, Conversation, Message, WebSession, as_utc, utcnow
from sms_gateway.sms_format import sms_parts

WEB_SESSION_TTL = dt.timedelta(hours=12)
T = TypeVar("T")


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
    # By id, not relationship: a relationship would add the object to the session at once,
    # before it is inserted.
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
    if not _insert(session, message, once=True):
        return None
    _touch(session, conversation.id)
    return _attached(message, conversation)


def record_inbound(session: Session, conversation: Conversation, text: str) -> Message:
    message = _inbound(conversation, text)
    _insert(session, message)
    _touch(session, conversation.id)
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
    if not _insert(session, message, once=True):
        earlier = session.scalars(select(Message).where(Message.external_id == external_id)).one()
        if earlier.conversation_id != conversation.id:
            raise SentElsewhere from None
        return earlier, False
    _touch(session, conversation.id)
    return _attached(message, conversation), True


def record_replies(
    session: Session,
    conversation_id: str,
    replies: Iterable[BotReply],
    status: str,
    author: str = "bot",
    council_number: str | None = None,
    author_name: str | None = None,
    touch: bool = True,
) -> list[Message]:
    """Store replies as they are (web chat: each one message). `touch`: see _added."""
    messages = [
        _outbound(conversation_id, reply, reply.text, status, author, author_name, council_number)
        for reply in replies
    ]
    return _added(session, conversation_id, messages, touch)


def queue_sms(
    session: Session,
    conversation_id: str,
    replies: Iterable[BotReply],
    council_number: str,
    max_segments: int,
    author: str = "bot",
    author_name: str | None = None,
    touch: bool = True,
) -> list[Message]:
    """Store replies as outbox rows: GSM-7 where it can be, split between sentences where
    longer than `max_segments`; the topic, sources and options go with the first part.
    `touch`: see _added."""
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
    return _added(session, conversation_id, messages, touch)


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


def _added(
    session: Session, conversation_id: str, messages: list[Message], touch: bool = True
) -> list[Message]:
    """Messages stored, and (with `touch`) their conversation's last message time with them.
    The assistant's answers leave the time alone: the message they answer set it a moment
    before, and the retention purge (what reads it) needs no finer time than that."""
    for message in messages:
        _insert(session, message)
    if touch:
        _touch(session, conversation_id)
    return messages


_MESSAGES = Message.__table__
_CONVERSATIONS = Conversation.__table__
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_TOUCH_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation"))
    .values(last_message_at=bindparam("at"))
)


@functools.cache
def _insert_once(dialect: str) -> Insert:
    """An INSERT that stores nothing (and returns no id) when the external id (a MessageSid,
    or a web message's client id) is there already: the database decides, in one statement,
    with no savepoint to roll back to."""
    construct = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        construct(_MESSAGES)
        .on_conflict_do_nothing(index_elements=[_MESSAGES.c.external_id])
        .returning(_MESSAGES.c.id)
    )


def _insert(session: Session, message: Message, once: bool = False) -> bool:
    """INSERT one new message (with `once`, unless its external id is stored already) and
    hold it in the session as a loaded object with every column set, so reading it costs
    no query and changing it is an UPDATE at the next flush. False if it was not stored."""
    row = _with_defaults(message)
    statement = _insert_once(session.get_bind().dialect.name) if once else _INSERT_MESSAGE
    message_id = session.execute(statement, row).scalar()
    if message_id is None:
        return False
    message.id = message_id
    for column in _MESSAGES.columns:
        if column.key != "id":
            setattr(message, column.key, row.get(column.key))
    _hold(session, message)
    return True


def _with_defaults(message: Message) -> dict[str, Any]:
    """The new message's columns as given, with the model's defaults for those not given
    (the ORM would fill them in the same way). Columns left None are not sent, so they are
    NULL in the database (not JSON null)."""
    given = message.__dict__
    row: dict[str, Any] = {}
    for column in _MESSAGES.columns:
        value = given.get(column.key)
        if value is None and column.default is not None and column.key != "id":
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined, operator]
        if value is not None:
            row[column.key] = value
    return row


def _touch(session: Session, conversation_id: str) -> None:
    """The conversation's last message time, by id; a conversation object the session holds
    is given the same time, so what the caller holds stays true."""
    now = utcnow()
    session.execute(_TOUCH_CONVERSATION, {"conversation": conversation_id, "at": now})
    held = _held(session, Conversation, conversation_id)
    if held is not None:
        set_committed_value(held, "last_message_at", now)


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
    """The session if the token matches and it has not expired or ended; None otherwise.
    With its conversation, from one Core query (every web chat request starts here; the
    ORM's loading cost more than the query), both held by the session as loaded."""
    row = session.execute(_WEB_SESSION_AND_CONVERSATION, {"web_session": session_id}).first()
    if row is None:
        return None
    values = row._mapping
    web = {column.key: values[f"w_{column.key}"] for column in _WEB_SESSIONS.columns}
    if web["ended_at"] is not None:
        return None
    if not hmac.compare_digest(web["token_hash"], _token_hash(token)):
        return None
    if as_utc(web["expires_at"]) <= utcnow():  # SQLite returns naive datetimes
        return None
    conversation = _as_loaded(
        session,
        Conversation,
        {column.key: values[f"c_{column.key}"] for column in _CONVERSATIONS.columns},
    )
    web_session = _as_loaded(session, WebSession, web)
    set_committed_value(web_session, "conversation", conversation)
    return web_session


_WEB_SESSIONS = WebSession.__table__
# Labelled, as both tables have an id and a created_at.
_WEB_SESSION_AND_CONVERSATION = (
    select(
        *(column.label(f"w_{column.key}") for column in _WEB_SESSIONS.columns),
        *(column.label(f"c_{column.key}") for column in _CONVERSATIONS.columns),
    )
    .join(_CONVERSATIONS, _CONVERSATIONS.c.id == _WEB_SESSIONS.c.conversation_id)
    .where(_WEB_SESSIONS.c.id == bindparam("web_session"))
)


def _as_loaded(session: Session, model: type[T], values: dict[str, Any]) -> T:
    """An object of `model` made from a row's column values and held by the session as if
    loaded by it (the object it holds already, if it does): reading it costs no query, and
    a change to it is an UPDATE at the next flush. Its relationships load when read."""
    held = _held(session, model, values["id"])
    if held is not None:
        return held
    instance = model(**values)
    _hold(session, instance)
    return instance


def _held(session: Session, model: type[T], ident: object) -> T | None:
    """The object of `model` with this primary key the session holds, if it holds one."""
    return session.identity_map.get(session.identity_key(model, ident))  # type: ignore[return-value]


def _hold(session: Session, instance: object) -> None:
    """A new object whose row is in the database (every column set) held by the session as
    if it had loaded it: no INSERT at the next flush, and changes to it are UPDATEs."""
    make_transient_to_detached(instance)
    session.add(instance)
