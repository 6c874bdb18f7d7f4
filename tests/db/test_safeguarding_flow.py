"""The safeguarding screen in the service, with Rasa down, on SQLite and PostgreSQL: a risk
message gets crisis contacts at once, an urgent escalation with its category, and a flag,
whatever else is true of the number (opted out, over the rate limit)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from devtools.send_sms import inbound_params, signed_webhook
from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.models import Contact, Conversation, Escalation, Message, utcnow
from sms_gateway.store import open_conversation, sms_contact
from tests.fake_rasa import FakeRasa

PHONE, COUNCIL_NUMBER = "+447700900555", "+447700900100"
DOWN = "http://127.0.0.1:9"  # nothing listens: Rasa and Twilio are both unreachable
CONTACTS = ("999", "116 123", "85258")


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_url=DOWN, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as client:
        yield client


def escalations(client: TestClient) -> list[Escalation]:
    with client.app.state.sessions() as session:
        return list(session.scalars(select(Escalation)))


def text_in(client: TestClient, body: str) -> None:
    params = inbound_params(PHONE, COUNCIL_NUMBER, body, Settings().twilio_account_sid)
    headers = signed_webhook(
        "http://127.0.0.1:8000/twilio/sms", params, Settings().twilio_auth_token
    )
    assert client.post("/twilio/sms", data=params, headers=headers).status_code == 200


def wait_for_status(client: TestClient, body: str) -> Message:
    deadline = time.monotonic() + 10
    while True:
        with client.app.state.sessions() as session:
            message = session.scalars(select(Message).where(Message.text == body)).first()
        if message is not None and message.status != "received":
            return message
        assert time.monotonic() < deadline, "not handled"
        time.sleep(0.05)


def test_web_risk_message_gets_crisis_contacts_and_an_urgent_flagged_escalation(client) -> None:
    session = client.post("/api/chat/sessions", json={"council": "northbridge"}).json()
    response = client.post(
        f"/api/chat/sessions/{session['session_id']}/messages",
        json={"text": "been cuttin myself again and i cant stop"},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    [reply] = response.json()["replies"]
    assert reply["topic"] == "crisis" and all(c in reply["text"] for c in CONTACTS)
    assert "Northbridge" in reply["text"]  # the team has been told
    [escalation] = escalations(client)
    assert escalation.urgent and escalation.reason == "risk"
    assert escalation.category == "suicide_self_harm"
    with client.app.state.sessions() as db:
        conversation = db.get_one(
            Conversation, session["session_id"] and escalation.conversation_id
        )
        assert (
            conversation.flagged_at is not None and conversation.flag_reason == "suicide_self_harm"
        )
        # How it was found is kept on the message, for the adviser console to show.
        [flagged] = [m for m in conversation.messages if m.direction == "in"]
        assert flagged.risk_found_by == "phrase" and flagged.risk_evidence


def test_sms_risk_message_is_answered_by_the_screen_with_rasa_down(client) -> None:
    text_in(client, "my mate took a load of pills and wont wake up")
    inbound = wait_for_status(client, "my mate took a load of pills and wont wake up")
    assert inbound.status == "risk"
    with client.app.state.sessions() as session:
        replies = session.scalars(
            select(Message).where(Message.direction == "out", Message.topic == "crisis")
        ).all()
    assert replies and all(c in " ".join(r.text for r in replies) for c in CONTACTS)
    assert all(r.segments <= 2 for r in replies)
    [escalation] = escalations(client)
    assert escalation.category == "medical_emergency" and escalation.urgent


def test_a_number_that_opted_out_is_still_escalated(client) -> None:
    with transaction(client.app.state.sessions) as session:
        open_conversation(session, sms_contact(session, PHONE), "lancashire")
        session.scalars(select(Contact)).one().opted_out_at = utcnow()
    text_in(client, "he hits me when hes drunk")
    assert wait_for_status(client, "he hits me when hes drunk").status == "risk"
    [escalation] = escalations(client)
    assert escalation.category == "abuse_domestic_violence"


def test_an_ordinary_message_is_not_escalated(client) -> None:
    text_in(client, "can i kill time at the library before my appointment")
    assert (
        wait_for_status(client, "can i kill time at the library before my appointment").status
        == "waiting"
    )
    assert escalations(client) == []


def web_message(client: TestClient, council: str, text: str) -> dict:
    session = client.post("/api/chat/sessions", json={"council": council}).json()
    response = client.post(
        f"/api/chat/sessions/{session['session_id']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    return response.json()


def test_a_councils_own_phrase_and_numbers_are_used_for_its_young_people(client) -> None:
    """Northbridge's file adds "the viaduct" to the screen and its duty team and 24/7 line to
    the crisis reply; Lancashire's young people are screened on the national phrases only."""
    [reply] = web_message(client, "northbridge", "been sat up the viaduct for an hour")["replies"]
    assert reply["topic"] == "crisis"
    assert "Duty team: 01632 960 150" in reply["text"]
    assert "01632 960 800" in reply["text"] and "Out of hours: 01632 960 999" in reply["text"]
    [escalation] = escalations(client)
    assert escalation.category == "suicide_self_harm"
    lancashire = web_message(client, "lancashire", "been sat up the viaduct for an hour")
    assert all(r["topic"] != "crisis" for r in lancashire["replies"])
    assert len(escalations(client)) == 1


def test_risk_only_the_classifier_sees_gets_a_check_in_and_the_message_still_goes_on(
    client,
) -> None:
    """No phrase matches, the classifier thinks it is risk: a gentle check-in with the
    contacts, the same urgent escalation, and the message still goes to the assistant
    (down here, so the holding reply follows)."""
    text = "my mate is grey and cold and we cant get him to open his eyes"
    assert client.app.state.flow._safeguard.check(text).found_by == "classifier"
    replies = web_message(client, "lancashire", text)["replies"]
    assert [r["topic"] for r in replies] == ["crisis_check", "holding"]
    assert replies[0]["text"].startswith("Just checking you're OK")
    assert all(c in replies[0]["text"] for c in CONTACTS)
    [escalation] = escalations(client)
    assert escalation.urgent and escalation.category == "medical_emergency"


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    server = FakeRasa()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_assistant_is_told_how_likely_the_classifier_thinks_risk_is(
    database_url: str, rasa: FakeRasa
) -> None:
    """Rasa's own risk intent stands down when the classifier is sure a message is ordinary
    (bot/components/risk_recall.py), so each message goes with that probability: very low
    for an everyday question, high for a message it checked in about, and none for an
    option button's payload, which is not words."""
    settings = Settings(database_url=database_url, rasa_url=rasa.url, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as client:
        for text in (
            "can i bring my boyfriend to my pathway plan meeting",
            "my mate is grey and cold and we cant get him to open his eyes",
            "/kb_staying_put",
        ):
            web_message(client, "lancashire", text)
    sent = {body["message"]: body["metadata"] for body in rasa.bodies}
    assert sent["can i bring my boyfriend to my pathway plan meeting"]["risk_probability"] < 0.03
    assert (
        sent["my mate is grey and cold and we cant get him to open his eyes"]["risk_probability"]
        >= 0.45
    )
    assert "risk_probability" not in sent["/kb_staying_put"]
    assert {m["council"] for m in sent.values()} == {"lancashire"}
