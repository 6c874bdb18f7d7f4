"""The SMS intake process's app, in process, on SQLite and PostgreSQL: it spools each text
and acknowledges, stores it once, handles keywords itself, and leaves the rest for the
service, which takes each stored text up from the database and answers it exactly once."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy import text as sql_text

from devtools.send_sms import inbound_params, signed_webhook
from sms_gateway import migrate
from sms_gateway.assistant import BotReply
from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory, transaction
from sms_gateway.inbound_texts import store_text
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


def stored(sessions, count: int, within: float = 15) -> list[tuple[str, str]]:
    """The inbound texts once `count` are in the database: the intake answers Twilio when a
    text is in its spool, and its drainer stores it a moment later."""
    deadline = time.monotonic() + within
    while len(texts := inbound(sessions)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return texts


def test_the_intake_stores_each_text_once_and_refuses_forgeries(intake, sessions) -> None:
    first = send(intake, "+447700900601", "what is staying put", sid="SM" + "a" * 32)
    retry = send(intake, "+447700900601", "what is staying put", sid="SM" + "a" * 32)
    assert first.status_code == retry.status_code == 200
    assert "<Response></Response>" in first.text
    forged = intake.post("/twilio/sms", data={"From": "+447700900601", "Body": "hi"})
    assert forged.status_code == 403
    assert stored(sessions, 1) == [("what is staying put", "received")]
    time.sleep(0.3)  # the retry had every chance to be stored as well
    assert inbound(sessions) == [("what is staying put", "received")]
    assert intake.get("/ready").json() == {
        "status": "ok",
        "checks": {"database": True, "spool": True},
        "sms_spooled": 0,
        "sms_set_aside": 0,
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
        "sms_set_aside": 0,
    }
    down.dispose()

    intake.app.state.sessions = working
    expected = [("what is staying put", "received"), ("STOP", "keyword")]
    assert stored(sessions, 2) == expected
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
    assert stored(sessions, 2) == [("HELP", "keyword"), ("stop", "keyword")]
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
    assert len(stored(sessions, 4)) == 4
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
    assert len(stored(sessions, 1)) == 1
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
    assert len(stored(sessions, 2)) == 2
    flow = flow_for(sessions, Answers())  # type: ignore[arg-type]
    try:
        pending = flow.pending_sms()
    finally:
        flow.close()
    with sessions() as session:
        texts = [session.get_one(Message, message_id).text for message_id, _ in pending]
    assert texts == ["what is staying put"]


@contextmanager
def writes_blocked(database_url: str, sessions) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Another transaction holds the database (a long migration, a lock pile-up): nothing
    can be stored until it ends."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with sessions() as session:
        session.execute(sql_text("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"))
        yield
        session.rollback()


def test_twilio_is_answered_while_the_database_is_held_up_and_the_text_stored_after(
    database_url: str, intake, sessions
) -> None:
    """The acknowledgement waits for the intake's own spool file, never for the database."""
    answered: list[int] = []
    with writes_blocked(database_url, sessions):
        sending = threading.Thread(
            target=lambda: answered.append(
                send(intake, "+447700900608", "what is staying put").status_code
            )
        )
        sending.start()
        sending.join(timeout=10)
        assert answered == [200]
        assert intake.get("/ready").json()["sms_spooled"] == 1
    assert stored(sessions, 1) == [("what is staying put", "received")]
    assert intake.get("/ready").json()["sms_spooled"] == 0


def test_a_text_the_database_keeps_refusing_is_set_aside_not_in_the_way(
    database_url: str, sessions, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A text that cannot be stored for a reason other than the database being down (a
    bug) must not hold up every text behind it: it is tried a few times, then set aside in
    the spool (reported by /ready) until the intake next starts."""

    def store_unless_broken(state, text):  # type: ignore[no-untyped-def]
        if text.body == "a text that hits a bug":
            raise ValueError("a bug")
        return store_text(state, text)

    monkeypatch.setattr("sms_gateway.inbound_texts.store_text", store_unless_broken)
    settings = Settings(
        database_url=database_url, public_base_url=PUBLIC, sms_spool_retry_seconds=0.1
    )
    with (
        caplog.at_level(logging.INFO),
        TestClient(create_intake_app(settings), base_url="http://10.0.0.5:8001") as intake,
    ):
        assert send(intake, "+447700900609", "a text that hits a bug").status_code == 200
        assert send(intake, "+447700900610", "what is staying put").status_code == 200
        assert stored(sessions, 1) == [("what is staying put", "received")]
        ready = intake.get("/ready").json()
    assert ready["status"] == "degraded"
    assert (ready["sms_spooled"], ready["sms_set_aside"]) == (0, 1)
    assert "set aside until the next start (1 set aside)" in caplog.text
    assert "+447700900609" not in caplog.text and "hits a bug" not in caplog.text

    # Restarted with the bug fixed, the intake stores the text it had set aside.
    monkeypatch.setattr("sms_gateway.inbound_texts.store_text", store_text)
    with TestClient(create_intake_app(settings), base_url="http://10.0.0.5:8001") as intake:
        texts = stored(sessions, 2)
        assert intake.get("/ready").json()["sms_set_aside"] == 0
    assert texts == [("what is staying put", "received"), ("a text that hits a bug", "received")]
