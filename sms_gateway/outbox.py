"""The SMS outbox: every outbound text is a row first, then sent by this worker.

- A row is claimed before it is sent (a conditional UPDATE, so two workers or two service
  processes never both send it) and sent once.
- 429, 5xx and network errors are retried with exponential backoff. When an attempt may
  have reached Twilio (a timeout after the request went out, a 5xx), Twilio is asked
  whether it has the message before anything is resent: a reply is never sent twice.
- A conversation's texts go in order: a later one waits while an earlier one is retried.
- Nothing is sent to a number that opted out; the row is kept as `held`. Error 21610 from
  Twilio opts the number out.
- Delivery status then comes from Twilio's status callbacks (routes/twilio_status.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sms_gateway.db import transaction
from sms_gateway.models import Contact, Conversation, Message, as_utc, utcnow
from sms_gateway.signals import Signal, WorkerThreads
from sms_gateway.twilio_api import OPTED_OUT, SendFailed, SentMessage, TwilioMessagesAPI

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(minutes=10)
# Texts the service may send to a number that has just opted out: its confirmation.
SENT_EVEN_IF_OPTED_OUT = frozenset({"opted_out"})
# How far back to look at Twilio for a message whose send may have gone through.
LOOKBACK = dt.timedelta(minutes=2)
# Delivery states in the order they happen; a late callback never moves a message back.
STATUS_ORDER = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "held": 3,
}


@dataclass(frozen=True)
class OutboxSettings:
    public_base_url: str
    max_attempts: int = 20
    retry_base_seconds: float = 2.0
    poll_seconds: float = 1.0
    # A row left `sending` this long (the process died mid-send) is checked and retried.
    stale_after: dt.timedelta = dt.timedelta(minutes=1)
    concurrency: int = 8


@dataclass(frozen=True)
class _Send:
    message_id: int
    to: str
    from_: str
    body: str
    since: dt.datetime
    check_first: bool


def opt_out(contact: Contact, source: str) -> None:
    if contact.opted_out_at is None:
        contact.opted_out_at = utcnow()
        contact.opt_out_source = source


def advance_status(message: Message, new_status: str) -> bool:
    """Move a message's delivery status forward only; False if the new one is older news."""
    if STATUS_ORDER.get(new_status, 0) < STATUS_ORDER.get(message.status, 0):
        return False
    message.status = new_status
    return True


class Outbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        twilio: TwilioMessagesAPI,
        settings: OutboxSettings,
    ) -> None:
        self._sessions = sessions
        self._twilio = twilio
        self._settings = settings
        self._wake = Signal()
        # The outbox's database work, off the event loop that takes webhooks; one thread,
        # so its rows are handled one at a time.
        self._db = WorkerThreads("outbox-db", 1)
        self._slots = asyncio.Semaphore(settings.concurrency)

    def close(self) -> None:
        self._db.close()

    def wake(self) -> None:
        """New rows are waiting: send them now rather than at the next poll (any thread)."""
        self._wake.set()

    async def run(self) -> None:
        """Send due texts until cancelled (started with the service)."""
        await self._db.run(self.recover_interrupted)
        while True:
            try:
                await self.send_due()
            except Exception as error:  # the worker must outlive a database blip
                logger.error("outbox round failed: %s", type(error).__name__)
            await self._wake.wait(timeout=self._settings.poll_seconds)
            self._wake.clear()

    def recover_interrupted(self) -> int:
        """Rows left `sending` by a process that stopped mid-send: check, then retry."""
        cutoff = utcnow() - self._settings.stale_after
        with transaction(self._sessions) as session:
            result = session.execute(
                update(Message)
                .where(
                    Message.direction == "out",
                    Message.status == "sending",
                    Message.updated_at < cutoff,
                )
                .values(status="queued", check_before_resend=True, next_attempt_at=utcnow())
            )
            return result.rowcount or 0

    async def send_due(self) -> int:
        """Send the first due text of each conversation; returns how many were attempted."""
        # The database work runs in worker threads, off the event loop that takes webhooks.
        await self._db.run(self.recover_interrupted)
        message_ids = await self._db.run(self._due)
        await asyncio.gather(*(self._send_guarded(message_id) for message_id in message_ids))
        return len(message_ids)

    def _due(self) -> list[int]:
        now = utcnow()
        with self._sessions() as session:
            rows = session.execute(
                select(Message.id, Message.conversation_id, Message.status, Message.next_attempt_at)
                .where(Message.direction == "out", Message.status.in_(("queued", "sending")))
                .where(Message.council_number.is_not(None))
                .order_by(Message.id)
            ).all()
        due: list[int] = []
        seen: set[str] = set()
        for message_id, conversation_id, status, next_attempt_at in rows:
            if conversation_id in seen:
                continue  # an earlier text of this conversation goes first
            seen.add(conversation_id)
            if status == "queued" and (next_attempt_at is None or as_utc(next_attempt_at) <= now):
                due.append(message_id)
        return due

    async def _send_guarded(self, message_id: int) -> None:
        async with self._slots:
            try:
                await self.send_one(message_id)
            except Exception as error:
                logger.error("sms %s send failed: %s", message_id, type(error).__name__)

    async def send_one(self, message_id: int) -> None:
        send = await self._db.run(self._claim, message_id)
        if send is None:
            return
        if send.check_first:
            try:
                found = await self._twilio.find_sent(send.to, send.from_, send.body, send.since)
            except httpx.HTTPError as error:
                # Can't tell whether it went: try again later, never resend blind.
                failure = SendFailed(type(error).__name__, True, True)
                await self._db.run(self._retry, message_id, failure)
                return
            if found and not await self._db.run(self._sid_of_another, found.sid, message_id):
                logger.info("sms %s was already sent on an earlier attempt", message_id)
                await self._db.run(self._sent, message_id, found)
                return
        try:
            sent = await self._twilio.send(
                to=send.to,
                from_=send.from_,
                body=send.body,
                status_callback=self._status_callback(message_id),
            )
        except SendFailed as failure:
            if failure.retryable:
                await self._db.run(self._retry, message_id, failure)
            else:
                await self._db.run(self._fail, message_id, failure.code)
            return
        await self._db.run(self._sent, message_id, sent)

    def _claim(self, message_id: int) -> _Send | None:
        with transaction(self._sessions) as session:
            claimed = session.execute(
                update(Message)
                .where(Message.id == message_id, Message.status == "queued")
                .values(status="sending", attempts=Message.attempts + 1, updated_at=utcnow())
            ).rowcount
            if not claimed:
                return None  # another worker has it, or it is no longer queued
            message = session.get_one(Message, message_id)
            conversation: Conversation = message.conversation
            contact = conversation.contact
            if contact.opted_out and message.topic not in SENT_EVEN_IF_OPTED_OUT:
                message.status, message.error_code = "held", "opted_out"
                logger.info("sms %s held: the number opted out", message_id)
                return None
            if not contact.address or not message.council_number:
                message.status, message.error_code = "failed", "no_number"
                logger.error("sms %s has no recipient or sender number", message_id)
                return None
            return _Send(
                message_id=message_id,
                to=contact.address,
                from_=message.council_number,
                body=message.text,
                since=as_utc(message.created_at) - LOOKBACK,
                check_first=message.check_before_resend,
            )

    def _status_callback(self, message_id: int) -> str:
        # Our own id in the URL (as RapidPro's courier does): the callback finds the row even
        # if it arrives before Twilio's answer to the send has been stored.
        return f"{self._settings.public_base_url.rstrip('/')}/twilio/status?message={message_id}"

    def _sid_of_another(self, sid: str, message_id: int) -> bool:
        """True if the Twilio message found is one of our other texts (same words twice)."""
        with self._sessions() as session:
            owner = session.scalar(select(Message.id).where(Message.external_id == sid))
        return owner is not None and owner != message_id

    def _sent(self, message_id: int, sent: SentMessage) -> None:
        with transaction(self._sessions) as session:
            message = session.get_one(Message, message_id)
            message.external_id = sent.sid
            message.check_before_resend = False
            message.error_code = None
            advance_status(message, "sent")

    def _retry(self, message_id: int, failure: SendFailed) -> None:
        with transaction(self._sessions) as session:
            message = session.get_one(Message, message_id)
            if message.status != "sending":
                return  # a status callback already told us Twilio has it
            message.error_code = failure.code
            message.check_before_resend = message.check_before_resend or failure.maybe_sent
            if message.attempts >= self._settings.max_attempts:
                message.status = "failed"
                logger.warning("sms %s failed after %d attempts", message_id, message.attempts)
                return
            delay = min(
                dt.timedelta(
                    seconds=self._settings.retry_base_seconds * 2 ** (message.attempts - 1)
                ),
                MAX_BACKOFF,
            )
            message.status = "queued"
            message.next_attempt_at = utcnow() + delay
            logger.info(
                "sms %s attempt %d failed (%s); retry in %.0fs",
                message_id,
                message.attempts,
                failure.code,
                delay.total_seconds(),
            )

    def _fail(self, message_id: int, code: str) -> None:
        with transaction(self._sessions) as session:
            message = session.get_one(Message, message_id)
            message.status, message.error_code = "failed", code
            if code == OPTED_OUT:
                opt_out(message.conversation.contact, source="21610")
                logger.info("sms %s refused: number opted out at Twilio", message_id)
