"""SMS end to end: a Twilio-signed webhook in, the reply out through the (fake) Twilio API."""

from __future__ import annotations

import time

import httpx
import pytest

from knowledge.render import MORE_PROMPT
from sms_gateway.routes.twilio_webhook import EMPTY_TWIML
from tests.integration.conftest import LANCASHIRE_NUMBER, NORTHBRIDGE_NUMBER

pytestmark = pytest.mark.integration


def test_signed_text_is_acknowledged_at_once_and_answered_from_the_council_number(
    service, young_person
) -> None:
    response = service.text_in("can i stay with my foster carers after 18", young_person)
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("application/xml")

    [sent] = service.texts_sent_to(young_person)
    assert sent["from"] == LANCASHIRE_NUMBER
    assert "Staying Put" in sent["body"] and "21st birthday" in sent["body"]
    assert sent["body"].endswith(MORE_PROMPT)

    stored = [m for m in service.stored_messages() if m.council_number == LANCASHIRE_NUMBER]
    inbound = [m for m in stored if m.direction == "in" and m.status == "answered"]
    outbound = [m for m in stored if m.direction == "out" and m.external_id == sent["sid"]]
    assert inbound and outbound
    assert outbound[0].status == "sent" and outbound[0].topic == "staying-put"


def test_each_council_number_routes_to_its_council(service, young_person) -> None:
    assert service.text_in("staying put", young_person, to=NORTHBRIDGE_NUMBER).status_code == 200
    [sent] = service.texts_sent_to(young_person)
    assert sent["from"] == NORTHBRIDGE_NUMBER
    assert "Northbridge" in sent["body"]


def test_unknown_number_goes_to_the_default_council(service, young_person) -> None:
    assert service.text_in("staying put", young_person, to="+447700900999").status_code == 200
    [sent] = service.texts_sent_to(young_person)
    assert sent["from"] == "+447700900999"
    assert "In Lancashire:" in sent["body"]


def test_a_retried_webhook_is_stored_and_answered_once(service, young_person) -> None:
    sid = "SM" + "7" * 32
    first = service.text_in("what does a personal adviser do", young_person, sid=sid)
    retry = service.text_in("what does a personal adviser do", young_person, sid=sid)
    assert first.status_code == retry.status_code == 200
    assert len(service.texts_sent_to(young_person)) == 1
    time.sleep(1.5)  # give a wrongly scheduled second answer time to show up
    assert len(service.texts_sent_to(young_person, expect=2, timeout=0)) == 1
    assert len([m for m in service.stored_messages() if m.external_id == sid]) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["unsigned", "wrongly-signed"],
)
def test_forged_webhooks_are_refused_and_change_nothing(service, young_person, headers) -> None:
    before = len(service.stored_messages())
    params = {"MessageSid": "SM" + "1" * 32, "From": young_person, "To": LANCASHIRE_NUMBER,
              "Body": "hello"}  # fmt: skip
    response = httpx.post(f"{service.base_url}/twilio/sms", data=params, headers=headers)
    assert response.status_code == 403
    assert len(service.stored_messages()) == before
    assert service.texts_sent_to(young_person, expect=1, timeout=1.0) == []


def test_signature_for_another_url_is_refused(service, young_person) -> None:
    from devtools.send_sms import inbound_params, signed_webhook
    from tests.integration.conftest import SETTINGS

    params = inbound_params(young_person, LANCASHIRE_NUMBER, "hi", SETTINGS.twilio_account_sid)
    headers = signed_webhook("https://elsewhere.example/twilio/sms", params,
                             SETTINGS.twilio_auth_token)  # fmt: skip
    response = httpx.post(f"{service.base_url}/twilio/sms", data=params, headers=headers)
    assert response.status_code == 403


def test_signed_but_malformed_request_is_refused(service, young_person) -> None:
    from devtools.send_sms import signed_webhook
    from tests.integration.conftest import SETTINGS

    url = f"{service.base_url}/twilio/sms"
    params = {"Body": "no sender or sid"}
    headers = signed_webhook(url, params, SETTINGS.twilio_auth_token)
    assert httpx.post(url, data=params, headers=headers).status_code == 400


def test_more_gives_the_fuller_answer_to_the_last_question(service, young_person) -> None:
    from knowledge.loader import knowledge_base

    articles, _ = knowledge_base()
    assert service.text_in("how long do i have a personal adviser", young_person).status_code == 200
    [short] = service.texts_sent_to(young_person)
    assert short["body"].endswith(MORE_PROMPT)
    assert service.text_in("MORE", young_person).status_code == 200
    _, full = service.texts_sent_to(young_person, expect=2)
    assert full["body"].startswith(articles["personal-adviser"].web)
    assert MORE_PROMPT not in full["body"]
