"""Twilio's webhooks in process, on SQLite and PostgreSQL: signatures behind a reverse proxy,
keywords taking effect at once, and status callbacks that only move forward."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from devtools.send_sms import inbound_params, signed_webhook
from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.models import Contact, Message, utcnow
from sms_gateway.store import open_conversation, sms_contact

PUBLIC = "https://assistant.example.gov.uk/care-leavers"  # the proxy adds /care-leavers
PHONE, COUNCIL_NUMBER = "+447700900555", "+447700900100"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        public_base_url=PUBLIC,
        # Nothing listens here: replies stay in the outbox, which is what these tests read.
        twilio_api_base_url="http://127.0.0.1:9",
        rasa_url="http://127.0.0.1:9",
    )
    with TestClient(create_app(settings), base_url="http://10.0.0.5:8000") as client:
        yield client


def post_signed(client: TestClient, path: str, params: dict[str, str], signed_for: str):  # type: ignore[no-untyped-def]
    headers = signed_webhook(signed_for, params, Settings().twilio_auth_token)
    return client.post(path, data=params, headers=headers)


def text(body: str) -> dict[str, str]:
    return inbound_params(PHONE, COUNCIL_NUMBER, body, Settings().twilio_account_sid)


def messages(client: TestClient) -> list[Message]:
    with client.app.state.sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_behind_a_proxy_the_public_url_is_what_is_checked(client: TestClient) -> None:
    params = text("hello")
    internal = post_signed(client, "/twilio/sms", params, "http://10.0.0.5:8000/twilio/sms")
    assert internal.status_code == 403  # signed for the internal address: not from Twilio
    public = post_signed(client, "/twilio/sms", params, f"{PUBLIC}/twilio/sms")
    assert public.status_code == 200
    inbound = [m.external_id for m in messages(client) if m.direction == "in"]
    assert inbound == [params["MessageSid"]]


def test_a_text_with_a_nul_character_is_stored_without_it(client: TestClient) -> None:
    # PostgreSQL refuses NUL in text: kept, the text would fail to store at every retry.
    params = text("what is\x00 staying put")
    answered = post_signed(client, "/twilio/sms", params, f"{PUBLIC}/twilio/sms")
    assert answered.status_code == 200
    assert [m.text for m in messages(client) if m.direction == "in"] == ["what is staying put"]


def test_stop_holds_replies_already_in_the_outbox_and_help_is_queued(client: TestClient) -> None:
    with transaction(client.app.state.sessions) as session:
        conversation = open_conversation(session, sms_contact(session, PHONE), "lancashire")
        session.add(
            Message(
                conversation=conversation,
                direction="out",
                author="bot",
                text="an answer",
                status="queued",
                council_number=COUNCIL_NUMBER,
                # Due just after the STOP below, whenever the outbox's own rounds fall.
                next_attempt_at=utcnow() + dt.timedelta(seconds=2),
            )
        )
    assert (
        post_signed(client, "/twilio/sms", text("Stop"), f"{PUBLIC}/twilio/sms").status_code == 200
    )
    with client.app.state.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.opted_out and contact.opt_out_source == "keyword"
    # The outbox worker runs in the background: the queued answer must end up held, not sent.
    deadline = time.monotonic() + 10
    while (held := messages(client)[0]).status == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (held.status, held.error_code) == ("held", "opted_out")

    assert (
        post_signed(client, "/twilio/sms", text("START"), f"{PUBLIC}/twilio/sms").status_code == 200
    )
    assert (
        post_signed(client, "/twilio/sms", text("help"), f"{PUBLIC}/twilio/sms").status_code == 200
    )
    help_reply = [m for m in messages(client) if m.topic == "help"]
    assert help_reply and "999" in help_reply[0].text and help_reply[0].segments <= 2


def test_status_callbacks_move_forward_only_and_record_errors(client: TestClient) -> None:
    with transaction(client.app.state.sessions) as session:
        conversation = open_conversation(session, sms_contact(session, PHONE), "lancashire")
        out = Message(conversation=conversation, direction="out", author="bot", text="hi",
                      status="sent", external_id="SM" + "a" * 32,
                      council_number=COUNCIL_NUMBER)  # fmt: skip
        session.add(out)
        session.flush()
        message_id = out.id
    url = f"/twilio/status?message={message_id}"
    signed_for = f"{PUBLIC}{url}"

    def report(status: str, **extra: str) -> int:
        params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": status, **extra}
        return post_signed(client, url, params, signed_for).status_code

    assert report("delivered") == 204
    assert report("sent") == 204  # late, out of order: ignored
    assert messages(client)[0].status == "delivered"

    # Another message's sid for this id is not ours to change.
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    assert post_signed(client, url, params, signed_for).status_code == 204
    assert messages(client)[0].status == "delivered"

    assert post_signed(client, url, {"MessageStatus": "sent"}, signed_for).status_code == 400


def test_error_21610_in_a_status_callback_opts_the_number_out(client: TestClient) -> None:
    with transaction(client.app.state.sessions) as session:
        conversation = open_conversation(session, sms_contact(session, PHONE), "lancashire")
        out = Message(conversation=conversation, direction="out", author="bot", text="hi",
                      status="sending", council_number=COUNCIL_NUMBER)  # fmt: skip
        session.add(out)
        session.flush()
        message_id = out.id
    url = f"/twilio/status?message={message_id}"
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "failed", "ErrorCode": "21610"}
    assert post_signed(client, url, params, f"{PUBLIC}{url}").status_code == 204
    stored = messages(client)[0]
    assert (stored.status, stored.error_code, stored.external_id) == (
        "failed",
        "21610",
        params["MessageSid"],
    )
    with client.app.state.sessions() as session:
        assert session.scalars(select(Contact)).one().opt_out_source == "21610"
