"""Answering while the assistant is down, on SQLite and PostgreSQL: one holding reply per
outage, re-asks that fail again add nothing, and what waited is answered in order.

The assistant here is a stand-in for a Rasa that answers "up" while its action server is down
(Rasa then replies with nothing); the real Rasa is killed in tests/integration."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from sms_gateway.assistant import AssistantUnavailable, BotReply
from sms_gateway.councils import CouncilDirectory
from sms_gateway.db import transaction
from sms_gateway.flow import HOLDING_REPLY, MessageFlow
from sms_gateway.models import Message
from sms_gateway.outbox import Outbox, OutboxSettings
from sms_gateway.safeguarding.check import Safeguard
from sms_gateway.safeguarding.screen import default_screen
from sms_gateway.store import create_web_session, record_inbound
from sms_gateway.twilio_api import TwilioMessagesAPI


class ActionServerDown:
    """Rasa is up (so re-asks are tried) but cannot answer until `back` is set."""

    def __init__(self) -> None:
        self.back = False
        self.asked: list[str] = []

    async def ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        self.asked.append(text)
        if not self.back:
            raise AssistantUnavailable("empty reply")
        return [BotReply(text=f"answer to {text}", topic="t")]

    async def is_ready(self) -> bool:
        return True


def test_web_messages_wait_and_are_answered_in_order(sessions) -> None:
    assistant = ActionServerDown()
    twilio = TwilioMessagesAPI("http://127.0.0.1:9", "AC" + "0" * 32, "token")
    outbox = Outbox(sessions, twilio, OutboxSettings("https://example.org"))
    flow = MessageFlow(
        sessions,
        assistant,  # type: ignore[arg-type]
        outbox,
        CouncilDirectory.load("lancashire"),
        Safeguard(default_screen()),
    )
    with transaction(sessions) as session:
        web, _ = create_web_session(session, "lancashire")
        ids = [record_inbound(session, web.conversation, t).id for t in ("one", "two")]

    async def run() -> None:
        first = await flow.answer_web(ids[0])
        second = await flow.answer_web(ids[1])
        # Each web request gets the holding reply as its answer; the second is not sent to
        # the assistant at all, because the first is still waiting.
        assert [r.text for r in first + second] == [HOLDING_REPLY.text] * 2
        assert assistant.asked == ["one"]

        assert await flow.answer_waiting() == (0, True)  # still down: nothing added
        assistant.back = True
        assert await flow.answer_waiting() == (2, False)

    asyncio.run(run())
    with sessions() as session:
        rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.direction, m.text) for m in rows] == [
        ("in", "one"),
        ("in", "two"),
        ("out", HOLDING_REPLY.text),
        ("out", HOLDING_REPLY.text),
        ("out", "answer to one"),
        ("out", "answer to two"),
    ]
    assert [m.status for m in rows[:2]] == ["answered", "answered"]
