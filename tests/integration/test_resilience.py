"""A part being down loses nothing, and the logs hold no personal data."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from devtools.processes import free_port
from sms_gateway.flow import HOLDING_REPLY
from tests.conftest import empty_database
from tests.integration.conftest import start_service

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
            [sent] = service.texts_sent_to(young_person)
            assert sent["body"] == HOLDING_REPLY.text

            inbound = [m for m in service.stored_messages() if m.direction == "in"]
            assert [(m.text, m.status) for m in inbound] == [
                ("can I stay with my foster carers after 18", "waiting"),
                ("what does a PA do", "waiting"),
            ]
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
