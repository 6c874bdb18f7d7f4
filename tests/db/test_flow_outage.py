"""Answering while the assistant is down, on SQLite and PostgreSQL: one holding reply per
outage, re-asks that fail again add nothing, and what waited is answered in order.

The assistant here is a stand-in for a Rasa that answers "up" while its action server is down
(Rasa then replies with nothing); the real Rasa is killed in tests/integration."""

from __future__ import annotations

import asyncio
import datetime as dt
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
from sms_gateway.store import (
    create_web_session,
    open_conversation,
    record_inbound,
    record_inbound_sms,
    sms_contact,
)
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


def flow_for(sessions, assistant: ActionServerDown) -> MessageFlow:
    twilio = TwilioMessagesAPI("http://127.0.0.1:9", "AC" + "0" * 32, "token")
    outbox = Outbox(sessions, twilio, OutboxSettings("https://example.org"))
    return MessageFlow(
        sessions,
        assistant,  # type: ignore[arg-type]
        outbox,
        CouncilDirectory.load("lancashire"),
        Safeguard(default_screen()),
        stale_after=dt.timedelta(seconds=30),
    )


def test_web_messages_wait_and_are_answered_in_order(sessions) -> None:
    assistant = ActionServerDown()
    flow = flow_for(sessions, assistant)
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


def test_messages_whose_job_died_are_taken_up_and_recent_ones_left_to_their_job(sessions):
    """A job that failed part-way (the database restarted under it) leaves its message
    "received": the recovery loop answers it once it is old enough to be abandoned."""
    assistant = ActionServerDown()
    assistant.back = True
    flow = flow_for(sessions, assistant)
    with transaction(sessions) as session:
        sms = open_conversation(session, sms_contact(session, "+447700900555"), "lancashire")
        web, _ = create_web_session(session, "lancashire")
        old_sms = record_inbound_sms(session, sms, "old text", "SM" + "1" * 32, "+447700900100")
        old_web = record_inbound(session, web.conversation, "old chat")
        recent = record_inbound_sms(session, sms, "new text", "SM" + "2" * 32, "+447700900100")
        assert old_sms and recent
        for message in (old_sms, old_web):
            message.created_at -= dt.timedelta(minutes=2)
        ids = old_sms.id, old_web.id, recent.id

    assert asyncio.run(flow.answer_abandoned()) == 2
    assert asyncio.run(flow.answer_abandoned()) == 0  # answered: nothing left to take up
    assert assistant.asked == ["old text", "old chat"]
    with sessions() as session:
        statuses = [session.get_one(Message, i).status for i in ids]
        answers = session.scalars(
            select(Message.text).where(Message.direction == "out", Message.author == "bot")
        ).all()
    assert statuses == ["answered", "answered", "received"]
    assert sorted(answers) == ["answer to old chat", "answer to old text"]


def test_a_text_after_an_abandoned_one_waits_so_answers_keep_their_order(sessions) -> None:
    assistant = ActionServerDown()
    assistant.back = True
    flow = flow_for(sessions, assistant)
    with transaction(sessions) as session:
        sms = open_conversation(session, sms_contact(session, "+447700900556"), "lancashire")
        first = record_inbound_sms(session, sms, "first", "SM" + "3" * 32, "+447700900100")
        assert first is not None
        first.created_at -= dt.timedelta(minutes=2)  # its job died in a database restart
        second = record_inbound_sms(session, sms, "second", "SM" + "4" * 32, "+447700900100")
        assert second is not None
        ids = first.id, second.id

    async def run() -> None:
        await flow.answer_sms(ids[1])  # the new text's own job
        assert assistant.asked == []  # not before the first
        await flow.answer_abandoned()
        await flow.answer_waiting()

    asyncio.run(run())
    assert assistant.asked == ["first", "second"]
    with sessions() as session:
        assert [session.get_one(Message, i).status for i in ids] == ["answered", "answered"]
