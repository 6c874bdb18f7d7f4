"""Callbacks from a personal adviser: booked, changed and cancelled by the action server.

One booked callback per conversation. A phone number is stored here only when the young person
typed one; otherwise the adviser calls the conversation's SMS number (kept on Contact).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from sms_gateway.models import Callback, Contact, Conversation, as_utc, utcnow
from sms_gateway.uk_phone import NotAUKNumber, normalise_uk_phone

# No 0/O, 1/I/L: a reference is read out over the phone and typed from an SMS.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_ATTEMPTS = 8


class InvalidCallback(ValueError):
    """The request cannot be booked as asked (window order, phone number). Safe to return."""


class AlreadyBooked(Exception):
    def __init__(self, reference: str) -> None:
        super().__init__(f"callback {reference} is already booked")
        self.reference = reference


class CallbackClosed(Exception):
    """The callback is no longer booked (cancelled), so it cannot be changed."""


class CallbackChanges(TypedDict, total=False):
    about: str
    window_start: dt.datetime
    window_end: dt.datetime
    phone: str | None  # None: call the conversation's SMS number


def new_reference() -> str:
    return "CB-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def booked_callback(session: Session, conversation_id: str) -> Callback | None:
    return session.scalars(
        select(Callback).where(
            Callback.conversation_id == conversation_id, Callback.status == "booked"
        )
    ).first()


def find_callback(session: Session, conversation_id: str, reference: str) -> Callback | None:
    """The conversation's callback with this reference; None for another conversation's."""
    return session.scalars(
        select(Callback).where(
            Callback.conversation_id == conversation_id,
            Callback.reference == reference.strip().upper(),
        )
    ).first()


def _phone(conversation: Conversation, raw: str | None) -> str | None:
    if raw is None:
        if conversation.channel != "sms":
            raise InvalidCallback("a web chat callback needs a phone number to call")
        return None
    try:
        return normalise_uk_phone(raw)
    except NotAUKNumber as error:
        raise InvalidCallback(str(error)) from None


def checked_window(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidCallback("window_start and window_end need a time zone")
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    if end <= start:
        raise InvalidCallback("window_end must be after window_start")
    return start, end


def book_callback(
    session: Session,
    conversation: Conversation,
    about: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    phone: str | None,
) -> Callback:
    """Book a callback. Raises AlreadyBooked when one is booked already (checked first: the
    caller then changes that one), or InvalidCallback."""
    existing = booked_callback(session, conversation.id)
    if existing is not None:
        raise AlreadyBooked(existing.reference)
    start, end = checked_window(window_start, window_end)
    number = _phone(conversation, phone)
    for _ in range(REFERENCE_ATTEMPTS):
        callback = Callback(
            reference=new_reference(),
            conversation_id=conversation.id,
            council_id=conversation.council_id,
            about=about,
            window_start=start,
            window_end=end,
            phone=number,
            status="booked",
        )
        try:
            # Unique indexes decide: a callback booked by a request at the same moment, or a
            # reference taken already (then try another).
            with session.begin_nested():
                session.add(callback)
            return callback
        except IntegrityError:
            existing = booked_callback(session, conversation.id)
            if existing is not None:
                raise AlreadyBooked(existing.reference) from None
    raise RuntimeError("no free callback reference after several attempts")


def change_callback(
    session: Session, conversation: Conversation, callback: Callback, changes: CallbackChanges
) -> Callback:
    """Change a booked callback. Raises CallbackClosed or InvalidCallback."""
    if callback.status != "booked":
        raise CallbackClosed(callback.reference)
    start, end = checked_window(
        changes.get("window_start", as_utc(callback.window_start)),
        changes.get("window_end", as_utc(callback.window_end)),
    )
    if "phone" in changes:
        callback.phone = _phone(conversation, changes["phone"])
    if "about" in changes:
        callback.about = changes["about"]
    if "window_start" in changes or "window_end" in changes:
        callback.window_start, callback.window_end = start, end
    session.flush()
    return callback


def cancel_callback(session: Session, callback: Callback) -> Callback:
    """Cancel a booked callback; cancelling a cancelled one again changes nothing."""
    if callback.status == "cancelled":
        return callback
    if callback.status != "booked":
        raise CallbackClosed(callback.reference)
    callback.status = "cancelled"
    callback.cancelled_at = utcnow()
    session.flush()
    return callback


def booked_callbacks(session: Session, council_id: str) -> list[Callback]:
    """A council's booked callbacks, soonest window first, with each conversation's contact."""
    return list(
        session.scalars(
            select(Callback)
            .where(Callback.council_id == council_id, Callback.status == "booked")
            .options(joinedload(Callback.conversation).joinedload(Conversation.contact))
            .order_by(Callback.window_start, Callback.created_at)
        )
    )


def number_to_call(callback: Callback) -> str | None:
    """The number the young person gave, else their SMS number; None if there is neither."""
    if callback.phone:
        return callback.phone
    contact: Contact = callback.conversation.contact
    return contact.address if contact.channel == "sms" else None
