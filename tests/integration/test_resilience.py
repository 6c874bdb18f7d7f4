"""A part being down loses nothing, and the logs hold no personal data."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from devtools.processes import free_port
from sms_gateway.flow import HOLDING_REPLY
from sms_gateway.models import Escalation
from tests.conftest import empty_database
from tests.integration.conftest import start_service
from tests.integration.conversations import Texting, joined

pytestmark = pytest.mark.integration


def test_with_rasa_down_the_message_is_kept_and_the_young_person_told(
    assistant, ports, tmp_path, young_person
) -> None:
    down = replace(ports, service=free_port(), rasa=free_port())  # nothing listens there
    with empty_database("sqlite", tmp_path) as database_url:
        service = start_service(assistant, down, database_url, name="service-rasa-down")
        try:
            body = service.chat("can I stay with my foster carers after 18")
            assert [r["text"] for r in body["replies"]] == [HOLDING_REPLY.text]

            assert service.text_in("what does a PA do", young_person).status_code == 200
            [sent] = service.answers_sent_to(young_person)
            assert sent["body"] == HOLDING_REPLY.text

            inbound = [m for m in service.stored_messages() if m.direction == "in"]
            assert [(m.text, m.status) for m in inbound] == [
                ("can I stay with my foster carers after 18", "waiting"),
                ("what does a PA do", "waiting"),
            ]

            # A risk message is still answered at once: the service's own screen.
            [crisis] = service.chat("been cuttin myself again tonight")["replies"]
            assert crisis["topic"] == "crisis" and "116 123" in crisis["text"]
            with service.engine.connect() as connection:
                [escalation] = connection.execute(select(Escalation)).all()
            assert escalation.urgent and escalation.category == "suicide_self_harm"
        finally:
            assistant.stop("service-rasa-down")
            service.engine.dispose()


def test_service_logs_hold_no_phone_numbers_or_message_text(service, assistant, young_person):
    service.text_in("my secret question about staying put", young_person)
    service.texts_sent_to(young_person)
    service.chat("another private question about my personal adviser")
    log = (assistant.log_dir / "service.log").read_text()
    assert "inbound sms" in log  # the log is there and in use
    for private in (young_person, young_person[1:], "secret question", "private question"):
        assert private not in log


def test_sms_is_acknowledged_without_waiting_for_a_hung_assistant(
    assistant, ports, tmp_path, young_person
) -> None:
    """A Rasa that accepts connections but never answers must not hold up Twilio's webhook
    (Twilio gives up after 15 seconds and retries)."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)  # accepts in the kernel, never replies
    down = replace(ports, service=free_port(), rasa=hung.getsockname()[1])
    with empty_database("sqlite", tmp_path) as database_url:
        service = start_service(
            assistant, down, database_url, name="service-rasa-hung", RASA_TIMEOUT_SECONDS="8"
        )
        try:
            # If the webhook waited for the assistant it would hang for 8 s; httpx gives up
            # after 5 s and the test fails.
            response = service.text_in("what does a PA do", young_person, timeout=5.0)
            assert response.status_code == 200
            [inbound] = [m for m in service.stored_messages() if m.direction == "in"]
            assert inbound.status == "received"  # stored, being answered in the background
        finally:
            assistant.stop("service-rasa-hung")
            service.engine.dispose()
            hung.close()


def test_rasa_killed_mid_conversation_is_answered_in_order_when_back(
    service, assistant, young_person
) -> None:
    """The real Rasa server is killed while a young person is booking a callback. Their
    texts are kept, they are told at once (once), and when Rasa is back both texts are
    answered, in order, and the booking carries on where it was."""
    texting = Texting(service, young_person)
    assert "talk about" in joined(texting.say("can my PA call me"))
    before = len(service.texts_sent_to(young_person, expect=2))

    assistant.kill("rasa")
    try:
        killed_at = time.monotonic()
        assert service.text_in("sorting out my rent", young_person).status_code == 200
        holding = service.texts_sent_to(young_person, expect=before + 1, timeout=15)[before:]
        assert [t["body"] for t in holding] == [HOLDING_REPLY.text]
        assert time.monotonic() - killed_at < 10  # "within seconds"

        assert service.text_in("what is staying put", young_person).status_code == 200
        time.sleep(2)
        waiting = [m for m in service.stored_messages() if m.direction == "in"
                   and m.text in ("sorting out my rent", "what is staying put")]  # fmt: skip
        assert [m.status for m in waiting] == ["waiting", "waiting"]
        assert len(service.texts_sent_to(young_person, expect=before + 2, timeout=0)) == before + 1
        # Still ready (texts are taken and kept), but monitoring sees the assistant down.
        ready = httpx.get(f"{service.base_url}/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["assistant"] is False
        assert ready.json()["backlog"]["waiting_for_assistant"] >= 2
    finally:
        assistant.restart("rasa")

    deadline = time.monotonic() + 60
    while True:
        inbound = [m for m in service.stored_messages() if m.id in {w.id for w in waiting}]
        if all(m.status == "answered" for m in inbound):
            break
        assert time.monotonic() < deadline, [m.status for m in inbound]
        time.sleep(0.5)
    texts = [t["body"] for t in service.texts_sent_to(young_person, expect=before + 4)]
    after = "\n".join(texts[before + 1 :])
    # The callback form asked "when?" (the answer to the first text) before the Staying Put
    # answer (the second), then asked again.
    assert "Mon-Fri 9am-5pm" in after and "Staying Put" in after
    assert after.index("Mon-Fri 9am-5pm") < after.index("Staying Put")
    assert HOLDING_REPLY.text not in after  # told once, not once per text
