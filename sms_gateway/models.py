"""What the service stores: contacts, conversations, messages, web chat sessions, and the
escalations and callbacks that get a young person to a person."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime: SQLite returns naive ones (stored as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: DateTime(timezone=True)}


class Contact(Base):
    """A young person as reached on one channel. A phone number is stored here and only here."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_contacts_channel_address"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" | "web"
    # E.164 phone number for SMS; None for web chat (anonymous).
    address: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the number texts STOP (or Twilio reports 21610): nothing more is sent to it,
    # by the assistant or by advisers, until it texts START. Any other text does not opt
    # it back in, because Twilio keeps blocking the number until START.
    opted_out_at: Mapped[dt.datetime | None]
    opt_out_source: Mapped[str | None] = mapped_column(String(16))  # "keyword" | "21610"

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Conversation(Base):
    """One young person's conversation with one council; its id is Rasa's sender id."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_contact_council", "contact_id", "council_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    council_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The young person's last message, or the last from the council (an adviser's, a
    # notice); the assistant's answers, a moment after the message, leave it. For retention.
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the first-contact notice (what this is, who reads it, how to stop) was sent.
    notice_sent_at: Mapped[dt.datetime | None]
    # Set by the safeguarding screen: a message in this conversation showed risk.
    flagged_at: Mapped[dt.datetime | None]
    flag_reason: Mapped[str | None] = mapped_column(String(32))
    # While an adviser holds the conversation the assistant is paused: messages are kept
    # for the adviser and not sent to Rasa. Cleared when they hand it back.
    # The holder's account id (the console's), or a name given to the internal API.
    held_by: Mapped[str | None] = mapped_column(String(64))
    held_at: Mapped[dt.datetime | None]
    # The adviser whose case this is in the console (an account id): claimed or assigned,
    # so two advisers do not answer the same young person.
    assigned_to: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[dt.datetime | None]

    contact: Mapped[Contact] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="conversation", order_by="Escalation.created_at"
    )
    callbacks: Mapped[list[Callback]] = relationship(
        back_populates="conversation", order_by="Callback.created_at"
    )


class Message(Base):
    """Every message in or out, on every channel, as it was sent or received."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_direction_status", "direction", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    # "young_person" | "bot" | "system" | "adviser"
    author: Mapped[str] = mapped_column(String(16))
    # An adviser's name as the young person sees it ("Sam"); None for everyone else.
    author_name: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # Inbound: received -> answered | waiting (assistant down, re-asked when it is back) |
    # keyword (STOP/START/HELP) | rate_limited | opted_out (from a number that texted STOP).
    # Outbound SMS (the outbox): queued -> sending -> sent -> delivered | undelivered, or
    # failed, or held (not sent: the number opted out). Outbound web: delivered.
    # Inbound while an adviser holds the conversation: for_adviser (not sent to Rasa).
    status: Mapped[str] = mapped_column(String(16))
    # Twilio's MessageSid. Unique, so a webhook Twilio retries is stored once: the database
    # enforces it, not a check-then-insert.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # For SMS: the council number the young person texted (our "From" when replying).
    council_number: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(64))
    # Inbound: what the assistant understood (its NLU intent) and how sure it was (0-1).
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    # Inbound, when the safeguarding check flagged it: "phrase" | "classifier", and the
    # evidence (the phrase pattern that matched, or the classifier's probability).
    risk_found_by: Mapped[str | None] = mapped_column(String(16))
    risk_evidence: Mapped[str | None] = mapped_column(String(200))
    sources: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Numbered options offered with a reply ({"number", "title", "reply"}): web buttons.
    options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(16))
    # Outbound SMS: how many parts it goes as, and in which alphabet ("gsm7" | "ucs2").
    segments: Mapped[int | None]
    encoding: Mapped[str | None] = mapped_column(String(8))
    # Outbox bookkeeping: send attempts so far and when the next one is due. After an
    # attempt whose outcome is unknown (a timeout once the request was sent), Twilio is
    # asked whether it has the message before any resend, so no reply goes twice.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None]
    check_before_resend: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class WebSession(Base):
    """A web chat session; the browser holds the token, we keep only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    # "End chat" in the widget: the token stops working at once.
    ended_at: Mapped[dt.datetime | None]

    conversation: Mapped[Conversation] = relationship()


def _only_when(condition: str) -> dict[str, Any]:
    """A partial index's condition, for both databases we run on."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Escalation(Base):
    """A conversation a person at the council must pick up, e.g. the young person asked for one."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_council_status", "council_id", "status"),
        # At most one open escalation per conversation, enforced by the database so two
        # requests at once cannot both create one.
        Index(
            "uq_escalations_one_open",
            "conversation_id",
            unique=True,
            **_only_when("status = 'open'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Copied from the conversation so a council's queue is one indexed query.
    council_id: Mapped[str] = mapped_column(String(64))
    # "asked_for_person" | "callback_urgent" | "risk" | "not_understood"
    reason: Mapped[str] = mapped_column(String(32))
    # For risk found by the safeguarding screen: suicide_self_harm, abuse_domestic_violence,
    # exploitation, homeless_tonight or medical_emergency.
    category: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))  # "open" | "resolved"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))  # an account id

    conversation: Mapped[Conversation] = relationship(back_populates="escalations")


class Callback(Base):
    """A call from the young person's personal adviser, booked in a time window."""

    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_council_status_window", "council_id", "status", "window_start"),
        # At most one booked callback per conversation (see Escalation).
        Index(
            "uq_callbacks_one_booked",
            "conversation_id",
            unique=True,
            **_only_when("status = 'booked'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # What the young person and staff quote, e.g. "CB-7K2QXM".
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    council_id: Mapped[str] = mapped_column(String(64))
    about: Mapped[str] = mapped_column(Text)
    # Stored in UTC.
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    # E.164, set only when the young person typed a number to call (on web chat there is no
    # other). None means the SMS number of the conversation's contact, so that number stays
    # only on Contact.
    phone: Mapped[str | None] = mapped_column(String(32))
    # "booked" | "done" | "no_answer" | "cancelled". Rescheduling changes the window and
    # leaves it booked (the change is in the audit trail).
    status: Mapped[str] = mapped_column(String(16))
    # The PA who will call (an account id), and the outcome recorded in the console.
    assigned_to: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[dt.datetime | None]
    outcome_by: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None]

    conversation: Mapped[Conversation] = relationship(back_populates="callbacks")


class Account(Base):
    """A person at a council who uses the adviser console. Belongs to exactly one council and
    sees only that council's conversations, callbacks and reports."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    council_id: Mapped[str] = mapped_column(String(64), index=True)
    # Stored lower-case; unique across councils, so a login names one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(64))  # shown to young people: a first name
    role: Mapped[str] = mapped_column(String(16))  # "adviser" | "manager" | "admin"
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its parameters
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class ConsoleSession(Base):
    """A logged-in adviser's browser. The cookie holds a random token; we keep its hash, so a
    copy of the database cannot be used to log in. The CSRF token is checked on every form."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    account: Mapped[Account] = relationship()


class Note(Base):
    """A private note on a conversation: for the team only, never sent to the young person."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(32))
    author_name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what in the console, and when: every view of a conversation, reply, note,
    assignment and status change. Names are copied so the trail outlives the account; no
    message text is kept here."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_council", "council_id", "id"),
        Index("ix_audit_events_conversation", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    council_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(32))
    account_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    callback_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
