"""The SMS intake process's app, in process, on SQLite and PostgreSQL: it stores each text
once and acknowledges, handles keywords itself, and leaves the rest for the service, which
takes each stored text up from the database and answers it exactly once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from devtools.send_sms import inbound_params, signed_webhook
from sms_gateway import migrate
from sms_gateway.assistant import BotReply
from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory, transaction
from sms_gateway.intake import create_intake_app
from sms_gateway.models import Contact, Message
from sms_gateway.store import create_web_session, record_inbound_once
from tests.db.test_database_down import UNREACHABLE
from tests.db.test_flow_outage import flow_for

PUBLIC = "https://assistant.example.gov.uk"
COUNCIL_NUMBER = "+447700900100"


class Answers:
    """A stand-in for Rasa (the real one is in tests/integration): answers every question
    and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        self.asked.append(text)
        await asyncio.sleep(0.05)  # long enough for a poll to come round meanwhile
        return [BotReply(text=f"answer to {text}", topic="t")]

    async def is_ready(self) -> bool:
        return True


@pytest.fixture
def intake(database_url: str, sessions) -> Iterator[TestClient]:  # sessions: migrated
    settings = Settings(database_url=database_url, public_base_url=PUBLIC)
    with TestClient(create_intake_app(settings), base_url="http://10.0.0.5:8001") as client:
        yield client


def send(client: TestClient, phone: str, body: str, sid: str | None = None):  # type: ignore[no-untyped-def]
    params = inbound_params(phone, COUNCIL_NUMBER, body, Settings().twilio_account_sid)
    if sid:
        params["MessageSid"] = sid
    url = f"{PUBLIC}/twilio/sms"
    return client.post(
        "/twilio/sms",
        data=params,
        headers=signed_webhook(url, params, Settings().twilio_auth_token),
    )


def inbound(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(Message.text, Message.status)
            .where(Message.direction == "in")
            .order_by(Message.id)
        ).all()
    return [(text, status) for text, status in rows]


def test_the_intake_stores_each_text_once_and_refuses_forgeries(intake, sessions) -> None:
    first = send(intake, "+447700900601", "what is staying put", sid="SM" + "a" * 32)
    retry = send(intake, "+447700900601", "what is staying put", sid="SM" + "a" * 32)
    assert first.status_code == retry.status_code == 200
    assert "<Response></Response>" in first.text
    forged = intake.post("/twilio/sms", data={"From": "+447700900601", "Body": "hi"})
    assert forged.status_code == 403
    assert inbound(sessions) == [("what is staying put", "received")]
    assert intake.get("/ready").json() == {
        "status": "ok",
        "checks": {"database": True, "spool": True},
        "sms_spooled": 0,
    }


def test_with_the_database_down_the_intake_keeps_texts_and_stays_ready(intake, sessions) -> None:
    """A load balancer keeps sending texts to an intake whose database is down: it keeps
    them in its spool (a keyword too) and stores them, in order, once the database is back."""
    working = intake.app.state.sessions
    down = make_engine(UNREACHABLE)
    intake.app.state.sessions = make_session_factory(down)
    assert send(intake, "+447700900607", "what is staying put").status_code == 200
    assert send(intake, "+447700900607", "STOP").status_code == 200
    ready = intake.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "checks": {"database": False, "spool": True},
        "sms_spooled": 2,
    }
    down.dispose()

    intake.app.state.sessions = working
    deadline = time.monotonic() + 15
    while len(inbound(sessions)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert inbound(sessions) == [("what is staying put", "received"), ("STOP", "keyword")]
    with sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out
    assert intake.get("/ready").json()["sms_spooled"] == 0


def test_the_intake_waits_for_the_services_migrations_before_it_takes_texts(
    database_url: str,
) -> None:
    migrated = threading.Timer(1.0, migrate.upgrade, args=(database_url,))
    migrated.start()
    settings = Settings(database_url=database_url, public_base_url=PUBLIC)
    started = time.monotonic()
    with TestClient(create_intake_app(settings), base_url="http://10.0.0.5:8001") as client:
        # The app serves nothing until the schema is there, so no text can fail to store.
        assert time.monotonic() - started >= 1.0
        assert send(client, "+447700900606", "hello").status_code == 200
    migrated.join()


def test_the_intake_handles_keywords_itself(intake, sessions) -> None:
    assert send(intake, "+447700900602", "HELP").status_code == 200
    assert send(intake, "+447700900602", "stop").status_code == 200
    assert inbound(sessions) == [("HELP", "keyword"), ("stop", "keyword")]
    with sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out
        queued = session.scalars(
            select(Message.topic).where(Message.direction == "out", Message.status == "queued")
        ).all()
    assert queued == ["help"]  # the service's outbox sends it


def test_the_service_answers_what_the_intake_stored_once_and_in_order(intake, sessions) -> None:
    for phone, body in [
        ("+447700900603", "one"),
        ("+447700900604", "first"),
        ("+447700900603", "two"),
        ("+447700900604", "second"),
    ]:
        assert send(intake, phone, body).status_code == 200
    assistant = Answers()
    flow = flow_for(sessions, assistant)  # type: ignore[arg-type]

    async def run() -> None:
        poll = asyncio.create_task(flow.take_up_stored_sms(0.01))
        try:
            # The same texts found again by the start-up sweep or a webhook meanwhile.
            for _ in range(3):
                for message_id, conversation_id in flow.pending_sms():
                    flow.take_up_sms(message_id, conversation_id)
                await asyncio.sleep(0.02)
            for _ in range(200):
                if all(status == "answered" for _, status in inbound(sessions)):
                    break
                await asyncio.sleep(0.05)
        finally:
            poll.cancel()
            await flow.wait_for_background()

    asyncio.run(run())
    flow.close()
    assert sorted(assistant.asked) == ["first", "one", "second", "two"]
    assert assistant.asked.index("one") < assistant.asked.index("two")
    assert assistant.asked.index("first") < assistant.asked.index("second")
    assert all(status == "answered" for _, status in inbound(sessions))


class Broken(Answers):
    """An assistant whose answer breaks the job with an unexpected error every time."""

    async def ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        self.asked.append(text)
        raise RuntimeError("a bug")


def test_a_text_whose_job_fails_is_not_retried_at_every_look(intake, sessions) -> None:
    assert send(intake, "+447700900605", "what is staying put").status_code == 200
    assistant = Broken()
    flow = flow_for(sessions, assistant)  # type: ignore[arg-type]

    async def run() -> None:
        poll = asyncio.create_task(flow.take_up_stored_sms(0.01))
        await asyncio.sleep(0.5)  # 50 looks
        poll.cancel()
        await flow.wait_for_background()

    asyncio.run(run())
    flow.close()
    # Asked once; the text stays for the recovery loop, which takes it up when it is old.
    assert assistant.asked == ["what is staying put"]
    assert inbound(sessions) == [("what is staying put", "received")]


def test_the_poll_for_stored_texts_leaves_web_chat_messages_to_their_request(
    intake, sessions
) -> None:
    # A web message sent with the widget's client id has an external id too; its own
    # request answers it, so the poll for stored texts must not take it up as well.
    with transaction(sessions) as session:
        web_session, _ = create_web_session(session, "lancashire")
        record_inbound_once(session, web_session.conversation, "hello", "c1d2e3f4a5b6")
    assert send(intake, "+447700900606", "what is staying put").status_code == 200
    flow = flow_for(sessions, Answers())  # type: ignore[arg-type]
    try:
        pending = flow.pending_sms()
    finally:
        flow.close()
    with sessions() as session:
        texts = [session.get_one(Message, message_id).text for message_id, _ in pending]
    assert texts == ["what is staying put"]
