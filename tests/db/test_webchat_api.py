"""The web chat API beyond sending a message, on SQLite and PostgreSQL, with Rasa and Twilio
unreachable: the transcript, the live event stream, ending a chat, an adviser taking a
conversation over in the console (web and SMS), which websites may use a council's chat, and
the widget's files and demo page."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sms_gateway.accounts import create_account
from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.models import Conversation, Message, WebSession
from sms_gateway.store import (
    open_conversation,
    record_inbound_once,
    record_inbound_sms,
    sms_contact,
)
from tests.console_user import PASSWORD, ConsoleUser

DOWN = "http://127.0.0.1:9"  # nothing listens: Rasa and Twilio are both unreachable
TOKEN = "internal-test-token"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        rasa_url=DOWN,
        twilio_api_base_url=DOWN,
        internal_api_token=TOKEN,
        # Short streams and polls, so a test reads a whole stream and it ends by itself.
        web_chat_stream_seconds=1.5,
        web_chat_poll_seconds=0.2,
    )
    with TestClient(create_app(settings)) as client:
        yield client


class Chat:
    def __init__(self, client: TestClient, council: str = "lancashire") -> None:
        self.client = client
        created = client.post("/api/chat/sessions", json={"council": council})
        assert created.status_code == 201, created.text
        self.id = created.json()["session_id"]
        self.auth = {"Authorization": f"Bearer {created.json()['token']}"}

    def say(self, text: str) -> dict:
        response = self.client.post(
            f"/api/chat/sessions/{self.id}/messages", json={"text": text}, headers=self.auth
        )
        assert response.status_code == 200, response.text
        return response.json()

    def transcript(self, after: int = 0) -> dict:
        response = self.client.get(
            f"/api/chat/sessions/{self.id}/messages", params={"after": after}, headers=self.auth
        )
        assert response.status_code == 200, response.text
        return response.json()

    def events(self, **params: int) -> list[tuple[str, dict]]:
        """Every event of one stream (it closes by itself after web_chat_stream_seconds)."""
        found = []
        with self.client.stream(
            "GET", f"/api/chat/sessions/{self.id}/events", params=params, headers=self.auth
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            event, data = "message", ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data = line.removeprefix("data:").strip()
                elif line == "" and data:
                    found.append((event, json.loads(data)))
                    event, data = "message", ""
        return found


def adviser(client: TestClient, name: str) -> ConsoleUser:
    """A Lancashire adviser logged in to the console in their own browser."""
    email = f"{name.lower()}@lancashire.example"
    with transaction(client.app.state.sessions) as session:
        account = create_account(session, "lancashire", email, name, "adviser", PASSWORD)
    return ConsoleUser(TestClient(client.app), account.id).log_in(email)


def conversation_of(chat: Chat) -> str:
    with chat.client.app.state.sessions() as session:
        [message] = session.scalars(select(Message).where(Message.direction == "in").limit(1))
        return message.conversation_id


# Transcript


def test_the_transcript_shows_the_young_persons_messages_and_the_replies_in_order(
    client: TestClient,
) -> None:
    chat = Chat(client)
    sent = chat.say("what is staying put")
    transcript = chat.transcript()
    assert transcript["council"] == "lancashire" and transcript["with_adviser"] is False
    messages = transcript["messages"]
    assert [m["author"] for m in messages] == ["young_person", "bot"]
    assert messages[0]["text"] == "what is staying put"
    assert messages[0]["id"] == sent["message_id"]
    assert messages[1]["id"] == sent["replies"][0]["id"]  # the holding reply (Rasa is down)
    assert chat.transcript(after=messages[0]["id"])["messages"] == messages[1:]


def test_a_nul_character_is_dropped_and_a_message_of_nothing_else_refused(
    client: TestClient,
) -> None:
    chat = Chat(client)
    chat.say("what is\x00 staying put")
    assert chat.transcript()["messages"][0]["text"] == "what is staying put"
    only_nul = client.post(
        f"/api/chat/sessions/{chat.id}/messages", json={"text": "\x00"}, headers=chat.auth
    )
    assert only_nul.status_code == 422


def test_a_message_sent_again_with_its_id_is_stored_and_answered_once(client: TestClient):
    """The widget retries after a timeout or a 503 with the same client_message_id: the
    retry gets the first try's message and replies, and nothing is stored twice."""
    chat = Chat(client)
    url = f"/api/chat/sessions/{chat.id}/messages"
    body = {"text": "what is staying put", "client_message_id": "9b2f4c1e-0d7a-4d3e-9d55-1f0c"}
    first = client.post(url, json=body, headers=chat.auth)
    again = client.post(url, json=body, headers=chat.auth)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # same message id, same (holding) reply
    messages = chat.transcript()["messages"]
    assert [m["author"] for m in messages] == ["young_person", "bot"]

    other = Chat(client)
    elsewhere = client.post(
        f"/api/chat/sessions/{other.id}/messages", json=body, headers=other.auth
    )
    assert elsewhere.status_code == 409  # an id is one chat's, never a way into another
    bad = client.post(url, json={**body, "client_message_id": "x"}, headers=chat.auth)
    assert bad.status_code == 422


def test_a_retry_of_a_message_stored_but_never_answered_is_answered_then(client: TestClient):
    """The first try was stored, then the database went away before it was answered."""
    chat = Chat(client)
    with transaction(client.app.state.sessions) as session:
        web = session.scalars(select(WebSession).where(WebSession.id == chat.id)).one()
        stored, _ = record_inbound_once(session, web.conversation, "hello", "a1b2c3d4e5f6")
        stored_id = stored.id
    body = {"text": "hello", "client_message_id": "a1b2c3d4e5f6"}
    retry = client.post(f"/api/chat/sessions/{chat.id}/messages", json=body, headers=chat.auth)
    assert retry.status_code == 200 and retry.json()["message_id"] == stored_id
    assert retry.json()["replies"][0]["topic"] == "holding"  # asked now (Rasa is down here)


def test_a_chat_started_before_a_restart_is_answered_as_before(
    client: TestClient, database_url: str
) -> None:
    """The service remembers which conversation each chat it started is; a chat started
    before a restart (or by another service process) is looked up the first time, and its
    messages, retries and replies behave the same."""
    chat = Chat(client)
    chat.say("before the restart")
    settings = Settings(database_url=database_url, rasa_url=DOWN, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as restarted:
        chat.client = restarted
        url = f"/api/chat/sessions/{chat.id}/messages"
        body = {"text": "and after it", "client_message_id": "f00dfeed-0001"}
        first = restarted.post(url, json=body, headers=chat.auth)
        again = restarted.post(url, json=body, headers=chat.auth)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert [r["topic"] for r in first.json()["replies"]] == ["holding"]  # Rasa is down
        assert chat.say("once more")["replies"][0]["topic"] == "holding"
        texts = [(m["author"], m["text"]) for m in chat.transcript()["messages"]]
    said = [text for author, text in texts if author == "young_person"]
    assert said == ["before the restart", "and after it", "once more"]
    assert [author for author, _ in texts] == ["young_person", "bot"] * 3


def test_another_chats_token_or_no_token_gets_nothing(client: TestClient) -> None:
    mine, theirs = Chat(client), Chat(client)
    mine.say("hello")
    url = f"/api/chat/sessions/{mine.id}/messages"
    assert client.get(url, headers=theirs.auth).status_code == 404
    assert client.get(url).status_code == 401
    sent = client.post(url, json={"text": "not mine"}, headers=theirs.auth)
    assert sent.status_code == 404
    assert [m["text"] for m in mine.transcript()["messages"] if m["author"] == "young_person"] == [
        "hello"
    ]
    assert (
        client.get(f"/api/chat/sessions/{mine.id}/events", headers=theirs.auth).status_code == 404
    )


# Ending a chat


def test_end_chat_stops_the_token_at_once(client: TestClient) -> None:
    chat = Chat(client)
    chat.say("hello")
    assert client.delete(f"/api/chat/sessions/{chat.id}", headers=chat.auth).status_code == 204
    for method, path in (
        ("GET", "messages"),
        ("POST", "messages"),
        ("GET", "events"),
    ):
        response = client.request(
            method, f"/api/chat/sessions/{chat.id}/{path}", json={"text": "hi"}, headers=chat.auth
        )
        assert response.status_code == 404, (method, path)
    assert client.delete(f"/api/chat/sessions/{chat.id}", headers=chat.auth).status_code == 404


# An adviser takes over


def test_an_adviser_takes_over_a_web_chat_and_the_assistant_is_paused(client: TestClient) -> None:
    chat = Chat(client)
    chat.say("can i talk to someone")
    conversation = conversation_of(chat)
    sam, alex = adviser(client, "Sam"), adviser(client, "Alex")

    assert sam.post(f"/console/conversations/{conversation}/take-over").status_code == 303
    assert chat.transcript()["with_adviser"] is True
    # The assistant (down here) is not asked: no holding reply, the message waits for Sam.
    assert chat.say("hello is anyone there")["replies"] == []
    replied = sam.post(f"/console/conversations/{conversation}/reply", {"text": "Hi, it's Sam"})
    assert replied.status_code == 303

    messages = chat.transcript()["messages"]
    joined = next(m for m in messages if m["topic"] == "adviser_joined")
    assert joined["author"] == "system" and "Sam" in joined["text"]
    last = messages[-1]
    assert (last["author"], last["author_name"], last["text"]) == ("adviser", "Sam", "Hi, it's Sam")
    with client.app.state.sessions() as session:
        waiting = session.scalars(
            select(Message).where(Message.text == "hello is anyone there")
        ).one()
        assert waiting.status == "for_adviser"

    # A second adviser cannot take over or answer the same young person.
    assert alex.post(f"/console/conversations/{conversation}/take-over").status_code == 409
    assert (
        alex.post(f"/console/conversations/{conversation}/reply", {"text": "Hi"}).status_code == 409
    )
    assert sam.post(f"/console/conversations/{conversation}/hand-back").status_code == 303
    assert chat.transcript()["with_adviser"] is False
    assert chat.transcript()["messages"][-1]["topic"] == "adviser_left"
    # Back with the assistant (still down): the holding reply again.
    assert [r["topic"] for r in chat.say("thanks")["replies"]] == ["holding"]


def test_the_event_stream_brings_the_advisers_message_and_only_what_is_new(
    client: TestClient,
) -> None:
    chat = Chat(client)
    first = chat.say("hello")["replies"][0]["id"]
    conversation = conversation_of(chat)
    adviser(client, "Sam").post(
        f"/console/conversations/{conversation}/reply", {"text": "Hi, it's Sam"}
    )

    events = chat.events(after=first)
    assert [e for e, _ in events] == ["message", "message"]
    assert [m["author"] for _, m in events] == ["system", "adviser"]
    assert events[1][1]["author_name"] == "Sam"
    assert all(m["id"] > first for _, m in events)
    # The young person's own messages are not echoed back on the stream.
    assert all(m["author"] != "young_person" for _, m in chat.events())


def test_an_adviser_reply_to_an_sms_conversation_is_queued_as_a_text_from_the_council_number(
    client: TestClient,
) -> None:
    with transaction(client.app.state.sessions) as session:
        conversation = open_conversation(
            session, sms_contact(session, "+447700900555"), "lancashire"
        )
        inbound = record_inbound_sms(
            session, conversation, "what is staying put", "SM" + "1" * 32, "+447700900100"
        )
        # Already answered: otherwise the service's look for stored texts takes it up
        # (within SMS_INTAKE_POLL_SECONDS), and its answer races the adviser's reply.
        inbound.status = "answered"
        conversation_id = conversation.id
    sam = adviser(client, "Sam")
    sam.post(f"/console/conversations/{conversation_id}/reply", {"text": "Hi, it's Sam"})
    with client.app.state.sessions() as session:
        texts = session.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id)
        ).all()
        assert [(t.author, t.council_number) for t in texts] == [
            ("system", "+447700900100"),
            ("adviser", "+447700900100"),
        ]
        assert texts[1].status in ("queued", "sending")  # Twilio is down: it waits in the outbox
        assert session.get_one(Conversation, conversation_id).held_by == sam.account_id


# Which websites may use a council's chat


def test_only_the_councils_own_websites_may_start_its_chat(client: TestClient) -> None:
    def start(origin: str) -> int:
        return client.post(
            "/api/chat/sessions", json={"council": "lancashire"}, headers={"Origin": origin}
        ).status_code

    assert start("https://www.lancashire.gov.uk") == 201
    assert start("http://testserver") == 201  # the service's own demo page
    assert start("https://northbridge.example.org") == 403  # another council's site
    assert start("https://evil.example") == 403


def test_browsers_on_a_council_website_may_call_the_api_and_others_may_not(
    client: TestClient,
) -> None:
    def preflight(origin: str) -> dict:
        return client.options(
            "/api/chat/sessions",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,authorization",
            },
        ).headers

    allowed = preflight("https://www.lancashire.gov.uk")
    assert allowed["access-control-allow-origin"] == "https://www.lancashire.gov.uk"
    assert "access-control-allow-origin" not in preflight("https://evil.example")


# The widget's files and the demo page


def test_the_widget_and_its_styles_are_served_for_any_site_to_load(client: TestClient) -> None:
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "attachShadow" in script.text
    assert client.get("/widget.css").headers["content-type"].startswith("text/css")


def test_the_demo_page_embeds_the_widget_under_a_strict_content_security_policy(
    client: TestClient,
) -> None:
    page = client.get("/demo/northbridge")
    assert page.status_code == 200
    assert '<script src="/widget.js" data-council="northbridge" async></script>' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert client.get("/demo/housing-council").status_code == 404
    assert client.get("/demo/lancashire/housing").status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == "/demo/lancashire"


def test_open_event_streams_end_when_the_service_shuts_down(database_url: str) -> None:
    """Uvicorn waits for open connections before stopping: streams must end on the signal,
    or a restart would hang for as long as any young person has the chat open."""
    settings = Settings(database_url=database_url, rasa_url=DOWN, web_chat_stream_seconds=600)
    with TestClient(create_app(settings)) as client:
        chat = Chat(client)
        started = time.monotonic()
        timer = threading.Timer(0.5, lambda: client.portal.call(client.app.state.live.close_all))
        timer.start()
        with client.stream(
            "GET", f"/api/chat/sessions/{chat.id}/events", headers=chat.auth
        ) as response:
            lines = list(response.iter_lines())
        assert time.monotonic() - started < 10
        assert not any(line.startswith("event: end") for line in lines)  # the chat goes on


def test_a_chat_over_the_rate_limit_is_kept_and_told_once_but_risk_still_gets_contacts(
    database_url: str,
) -> None:
    settings = Settings(
        database_url=database_url,
        rasa_url=DOWN,
        twilio_api_base_url=DOWN,
        web_chat_rate_limit_per_minute=3,
    )
    with TestClient(create_app(settings)) as client:
        chat = Chat(client)
        answers = [chat.say(f"question {n}")["replies"] for n in range(1, 6)]
        topics = [[r["topic"] for r in replies] for replies in answers]
        # Within the limit: answered (here the holding reply, as Rasa is down). Over it: kept
        # unanswered, with one notice; then nothing more.
        assert topics[:3] == [["holding"]] * 3
        assert topics[3:] == [["rate_limited"], []]
        crisis = chat.say("i want to kill myself tonight")["replies"]
        assert crisis and crisis[0]["topic"] == "crisis" and "999" in crisis[0]["text"]
        with client.app.state.sessions() as session:
            statuses = session.scalars(
                select(Message.status).where(Message.direction == "in").order_by(Message.id)
            ).all()
    assert statuses[3:] == ["rate_limited", "rate_limited", "risk"]
