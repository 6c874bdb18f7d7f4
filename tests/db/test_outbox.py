"""The outbox when Twilio cannot be reached, on SQLite and PostgreSQL: retried with growing
waits, failed only after the last attempt, never resent blind, held for opted-out numbers."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from devtools.processes import free_port
from sms_gateway.db import transaction
from sms_gateway.models import Message, as_utc, utcnow
from sms_gateway.outbox import Outbox, OutboxSettings
from sms_gateway.store import open_conversation, sms_contact
from sms_gateway.twilio_api import TwilioMessagesAPI


def queued_text(sessions: sessionmaker[Session], **fields: object) -> int:
    with transaction(sessions) as session:
        conversation = open_conversation(
            session, sms_contact(session, "+447700900555"), "lancashire"
        )
        message = Message(conversation=conversation, direction="out", author="bot", text="hi",
                          status="queued", council_number="+447700900100", **fields)  # fmt: skip
        session.add(message)
        session.flush()
        return message.id


def stored(sessions: sessionmaker[Session], message_id: int) -> Message:
    with sessions() as session:
        return session.get_one(Message, message_id)


async def attempt(outbox: Outbox, sessions: sessionmaker[Session], message_id: int) -> Message:
    # Due now, whatever the backoff said: the test drives the clock.
    with transaction(sessions) as session:
        session.get_one(Message, message_id).next_attempt_at = None
    await outbox.send_one(message_id)
    return stored(sessions, message_id)


def unreachable_outbox(sessions: sessionmaker[Session], max_attempts: int = 3) -> Outbox:
    twilio = TwilioMessagesAPI(f"http://127.0.0.1:{free_port()}", "AC" + "0" * 32, "token")
    settings = OutboxSettings("https://example.org", max_attempts=max_attempts)
    return Outbox(sessions, twilio, settings)


def test_network_errors_are_retried_with_growing_waits_then_failed(sessions) -> None:
    message_id = queued_text(sessions)
    outbox = unreachable_outbox(sessions)

    async def run() -> list[Message]:
        return [await attempt(outbox, sessions, message_id) for _ in range(3)]

    first, second, third = asyncio.run(run())
    assert (first.status, first.attempts, first.error_code) == ("queued", 1, "ConnectError")
    wait_1 = as_utc(first.next_attempt_at) - as_utc(first.updated_at)
    wait_2 = as_utc(second.next_attempt_at) - as_utc(second.updated_at)
    assert dt.timedelta(seconds=1) < wait_1 < wait_2  # 2 s, then 4 s
    assert not first.check_before_resend  # the request never left: safe to send again
    assert (third.status, third.attempts) == ("failed", 3)


def test_when_twilio_cannot_be_asked_nothing_is_resent(sessions) -> None:
    # An earlier attempt may have reached Twilio; now Twilio can't even be asked.
    message_id = queued_text(sessions, check_before_resend=True, attempts=1)
    outbox = unreachable_outbox(sessions, max_attempts=5)
    after = asyncio.run(attempt(outbox, sessions, message_id))
    assert (after.status, after.attempts, after.check_before_resend) == ("queued", 2, True)
    assert after.external_id is None


def test_a_text_to_an_opted_out_number_is_held_not_sent(sessions) -> None:
    message_id = queued_text(sessions)
    with transaction(sessions) as session:
        session.get_one(Message, message_id).conversation.contact.opted_out_at = utcnow()
    after = asyncio.run(attempt(unreachable_outbox(sessions), sessions, message_id))
    assert (after.status, after.error_code, after.attempts) == ("held", "opted_out", 1)


def test_a_conversations_later_text_waits_for_the_earlier_one(sessions) -> None:
    first = queued_text(sessions, next_attempt_at=utcnow() + dt.timedelta(minutes=5))
    queued_text(sessions)
    outbox = unreachable_outbox(sessions)
    assert outbox._due() == []  # the second is due, but the first is waiting for its retry
    with transaction(sessions) as session:
        session.get_one(Message, first).next_attempt_at = None
    assert outbox._due() == [first]


def test_a_row_left_sending_by_a_dead_process_is_checked_before_resending(sessions) -> None:
    message_id = queued_text(sessions)
    with transaction(sessions) as session:
        message = session.get_one(Message, message_id)
        message.status = "sending"
        message.updated_at = utcnow() - dt.timedelta(minutes=10)
    assert unreachable_outbox(sessions).recover_interrupted() == 1
    after = stored(sessions, message_id)
    assert (after.status, after.check_before_resend) == ("queued", True)
