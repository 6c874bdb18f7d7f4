"""The callback queue: who calls, when, and how it went. The young person is told by text
(or in their web chat) when a PA is confirmed, the time moves, no one got through, or the
call is cancelled. No HTTP here; the pages call these inside their transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from sms_gateway.assistant import BotReply
from sms_gateway.callbacks import CallbackClosed, InvalidCallback, checked_window
from sms_gateway.console.auth import Staff
from sms_gateway.console.casework import NotFound, colleague
from sms_gateway.models import Callback, Conversation, as_utc, utcnow

LONDON = ZoneInfo("Europe/London")
Outcome = Literal["done", "no_answer", "rescheduled", "cancelled"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
OUTCOME_NAMES = {
    "done": "Done: we spoke",
    "no_answer": "No answer",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
}
Shown = Literal["booked", "closed"]
CLOSED_SHOWN = 100


def queue(session: Session, staff: Staff, shown: Shown = "booked") -> list[Callback]:
    """Booked: soonest window first (so the overdue are on top). Closed: latest first."""
    query = (
        select(Callback)
        .where(Callback.council_id == staff.council_id)
        .options(joinedload(Callback.conversation).joinedload(Conversation.contact))
    )
    if shown == "booked":
        query = query.where(Callback.status == "booked").order_by(
            Callback.window_start, Callback.created_at
        )
    else:
        query = (
            query.where(Callback.status != "booked")
            .order_by(Callback.updated_at.desc())
            .limit(CLOSED_SHOWN)
        )
    return list(session.scalars(query))


def callback_for(session: Session, staff: Staff, callback_id: str) -> Callback:
    callback = session.get(Callback, callback_id)
    if callback is None or callback.council_id != staff.council_id:
        raise NotFound("callback")
    return callback


def is_overdue(callback: Callback, now: dt.datetime | None = None) -> bool:
    return callback.status == "booked" and as_utc(callback.window_end) < (now or utcnow())


def when(start: dt.datetime, end: dt.datetime) -> str:
    """Plain words for a window, in UK time: "Tuesday 24 November between 2pm and 4pm"."""
    start, end = as_utc(start).astimezone(LONDON), as_utc(end).astimezone(LONDON)
    return f"{start:%A} {start.day} {start:%B} between {_clock(start)} and {_clock(end)}"


def _clock(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def assign_callback(
    session: Session, staff: Staff, callback: Callback, account_id: str
) -> BotReply:
    """Name the PA who will call, and the text that tells the young person."""
    if callback.status != "booked":
        raise CallbackClosed(callback.reference)
    pa = colleague(session, staff, account_id)
    callback.assigned_to = pa.id
    return BotReply(
        f"Your callback {callback.reference} is confirmed: {pa.name} from the leaving care "
        f"team will call you {when(callback.window_start, callback.window_end)}.",
        topic="callback_confirmed",
    )


def record_outcome(
    session: Session,
    staff: Staff,
    callback: Callback,
    outcome: Outcome,
    note: str | None = None,
    new_window: tuple[dt.datetime, dt.datetime] | None = None,
) -> BotReply | None:
    """Record how the call went; returns the text for the young person, if any."""
    if callback.status != "booked":
        raise CallbackClosed(callback.reference)
    callback.outcome_at, callback.outcome_by = utcnow(), staff.account_id
    callback.outcome_note = note or None
    ref = callback.reference
    if outcome == "rescheduled":
        if new_window is None:
            raise InvalidCallback("a new time is needed to reschedule")
        start, end = checked_window(*new_window)
        if end <= utcnow():
            raise InvalidCallback("the new time has already passed")
        callback.window_start, callback.window_end = start, end
        return BotReply(
            f"Your callback {ref} has moved. We'll now call you {when(start, end)}. If that "
            "time doesn't suit you, reply here and we'll sort another.",
            topic="callback_rescheduled",
        )
    callback.status = outcome
    if outcome == "cancelled":
        callback.cancelled_at = utcnow()
        return BotReply(
            f"Your callback {ref} has been cancelled by the leaving care team. If you still "
            "want a call, reply here and ask for one.",
            topic="callback_cancelled",
        )
    if outcome == "no_answer":
        return BotReply(
            f"We tried to call you about your callback {ref} but couldn't get through. Reply "
            "here to book another time, or ask for a person.",
            topic="callback_no_answer",
        )
    return None
