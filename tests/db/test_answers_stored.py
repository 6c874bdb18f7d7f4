"""What the service keeps of an answered message, on SQLite and PostgreSQL, with a stand-in
Rasa that says what it understood: the young person's message with the assistant's intent
and confidence, the reply with its topic and sources, and the conversation's last message
time. Messages are written with Core statements and held by the session as loaded
(sms_gateway/store.py), so these check that nothing is lost on the way."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.models import Conversation, Message, WebSession, as_utc
from sms_gateway.store import find_web_session, record_inbound_once
from tests.fake_rasa import FakeRasa

DOWN = "http://127.0.0.1:9"
SOURCE = {"id": "staying-put", "title": "Staying Put", "url": "https://www.gov.uk/staying-put"}


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    server = FakeRasa(
        topic="staying_put",
        sources=[SOURCE],
        understood={"intent": "kb_staying_put", "confidence": 0.93},
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(database_url: str, rasa: FakeRasa) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_url=rasa.url, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as client:
        yield client


def start_chat(client: TestClient) -> tuple[str, dict[str, str]]:
    created = client.post("/api/chat/sessions", json={"council": "lancashire"}).json()
    return created["session_id"], {"Authorization": f"Bearer {created['token']}"}


def test_an_answered_message_keeps_what_the_assistant_understood_and_its_reply(
    client: TestClient,
) -> None:
    chat, auth = start_chat(client)
    sent = client.post(
        f"/api/chat/sessions/{chat}/messages",
        json={"text": "what is staying put", "client_message_id": uuid.uuid4().hex},
        headers=auth,
    )
    assert sent.status_code == 200
    [reply] = sent.json()["replies"]
    assert (reply["topic"], reply["sources"]) == ("staying_put", [SOURCE])

    with client.app.state.sessions() as session:
        inbound, outbound = session.scalars(select(Message).order_by(Message.id)).all()
        conversation = session.get_one(Conversation, inbound.conversation_id)
    assert (inbound.direction, inbound.status) == ("in", "answered")
    assert (inbound.intent, inbound.confidence) == ("kb_staying_put", 0.93)
    assert inbound.sources is None and inbound.options is None
    assert inbound.attempts == 0 and inbound.created_at is not None
    assert outbound.id == reply["id"]
    assert (outbound.direction, outbound.author, outbound.status) == ("out", "bot", "delivered")
    assert (outbound.topic, outbound.sources, outbound.options) == ("staying_put", [SOURCE], None)
    # Set by the young person's message (the retention purge reads it).
    assert as_utc(conversation.last_message_at) >= as_utc(inbound.created_at)


def test_the_transcript_after_a_restart_reads_what_was_stored(
    database_url: str, rasa: FakeRasa
) -> None:
    """Read by a new process, not from the objects that stored it."""
    settings = Settings(database_url=database_url, rasa_url=rasa.url, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as first:
        chat, auth = start_chat(first)
        first.post(f"/api/chat/sessions/{chat}/messages", json={"text": "hiya"}, headers=auth)
    with TestClient(create_app(settings)) as second:
        messages = second.get(f"/api/chat/sessions/{chat}/messages", headers=auth).json()
    assert [(m["author"], m["text"]) for m in messages["messages"]] == [
        ("young_person", "hiya"),
        ("bot", f"answer from {rasa.url}"),
    ]
    assert messages["messages"][1]["sources"] == [SOURCE]


def test_a_stored_message_changed_in_the_same_transaction_is_saved(
    client: TestClient,
) -> None:
    """The checks after storing change the message (a status, a risk finding): the object
    the session holds must write those changes."""
    chat, auth = start_chat(client)
    token = auth["Authorization"].removeprefix("Bearer ")
    sessions = client.app.state.sessions
    with transaction(sessions) as session:
        web_session = find_web_session(session, chat, token)
        assert web_session is not None
        message, new = record_inbound_once(
            session, web_session.conversation, "hello", "a1b2c3d4e5f6"
        )
        assert new
        message.status, message.risk_found_by = "risk", "phrase"
        web_session.conversation.flag_reason = "self_harm"
    with sessions() as session:
        stored = session.get_one(Message, message.id)
        assert (stored.status, stored.risk_found_by, stored.text) == ("risk", "phrase", "hello")
        assert session.get_one(Conversation, stored.conversation_id).flag_reason == "self_harm"
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_a_web_session_found_twice_in_one_transaction_is_one_object(
    client: TestClient,
) -> None:
    chat, auth = start_chat(client)
    token = auth["Authorization"].removeprefix("Bearer ")
    with transaction(client.app.state.sessions) as session:
        first = find_web_session(session, chat, token)
        again = find_web_session(session, chat, token)
        assert first is not None and first is again
        assert first.conversation is session.get(Conversation, first.conversation_id)
        assert session.get(WebSession, chat) is first
