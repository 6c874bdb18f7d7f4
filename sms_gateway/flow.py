"""How a young person's message is answered: stored first, then the assistant, then replies.

Each step commits before the next starts, so a crash or an assistant outage never loses the
message: it stays in the database with its status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sms_gateway.assistant import AssistantClient, AssistantUnavailable, BotReply
from sms_gateway.db import transaction
from sms_gateway.models import Message
from sms_gateway.store import record_replies
from sms_gateway.twilio_api import SendFailed, TwilioMessagesAPI

logger = logging.getLogger(__name__)

HOLDING_REPLY = BotReply(
    text=(
        "Thanks, we've got your message. The assistant can't answer right now, so we'll reply "
        "here as soon as it's back. If you're in danger now, call 999."
    ),
    topic="holding",
)


class MessageFlow:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        assistant: AssistantClient,
        twilio: TwilioMessagesAPI,
    ) -> None:
        self._sessions = sessions
        self._assistant = assistant
        self._twilio = twilio
        self._tasks: set[asyncio.Task[Any]] = set()

    def in_background(self, job: Coroutine[Any, Any, Any]) -> None:
        """Run a job after the HTTP answer has gone; keep a reference so it is not collected."""
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def wait_for_background(self, timeout: float = 30.0) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    async def answer(self, message_id: int, outbound_status: str) -> list[Message]:
        """Ask the assistant about one stored inbound message and store its replies."""
        with transaction(self._sessions) as session:
            inbound = session.get_one(Message, message_id)
            conversation = inbound.conversation
            request = (
                conversation.id,
                inbound.text,
                {"channel": conversation.channel, "council": conversation.council_id},
            )
        try:
            replies = await self._assistant.ask(*request)
            new_status = "answered"
        except AssistantUnavailable:
            replies, new_status = [HOLDING_REPLY], "waiting"
        with transaction(self._sessions) as session:
            inbound = session.get_one(Message, message_id)
            inbound.status = new_status
            logger.info("message %s %s with %d reply(s)", message_id, new_status, len(replies))
            return record_replies(
                session,
                inbound.conversation,
                replies,
                status=outbound_status,
                council_number=inbound.council_number,
            )

    async def answer_sms(self, message_id: int) -> None:
        replies = await self.answer(message_id, outbound_status="queued")
        for reply in replies:
            await self.send_sms(reply.id)

    async def send_sms(self, message_id: int) -> None:
        """Send one queued outbound SMS from the council number the young person texted."""
        with transaction(self._sessions) as session:
            message = session.get_one(Message, message_id)
            if message.status != "queued":
                return  # already sent: never send the same reply twice
            to = message.conversation.contact.address
            from_, body = message.council_number, message.text
        if not to or not from_:
            logger.error("sms %s has no recipient or sender number", message_id)
            return
        try:
            sent = await self._twilio.send(to=to, from_=from_, body=body)
        except SendFailed as failure:
            with transaction(self._sessions) as session:
                message = session.get_one(Message, message_id)
                message.error_code = failure.code
                if not failure.retryable:
                    message.status = "failed"
            return
        with transaction(self._sessions) as session:
            message = session.get_one(Message, message_id)
            message.status = "sent"
            message.external_id = sent.sid

    def pending_sms(self) -> list[int]:
        """Inbound SMS that were stored but not yet answered (e.g. the service restarted)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Message.id).where(
                        Message.direction == "in",
                        Message.status == "received",
                        Message.external_id.is_not(None),
                    )
                )
            )


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        logger.error("background job failed: %s", type(error).__name__)
