"""SMS end to end, as Twilio would send it: signed webhooks in, replies out through the (fake)
Twilio Messages API with status callbacks, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from devtools.send_sms import inbound_params, signed_webhook
from knowledge.loader import knowledge_base
from knowledge.render import MORE_PROMPT
from sms_gateway import sms_notices
from sms_gateway.models import Contact, Message
from sms_gateway.routes.twilio_webhook import EMPTY_TWIML
from tests.integration.conftest import (
    LANCASHIRE_NUMBER,
    NORTHBRIDGE_NUMBER,
    RATE_LIMIT_PER_MINUTE,
    SETTINGS,
    RunningService,
)
from tests.integration.conversations import Texting

pytestmark = pytest.mark.integration

LANCASHIRE = knowledge_base()[1]["lancashire"]


def wait_for(check, timeout: float = 20.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def stored_out(service: RunningService, sent: dict) -> Message:
    [message] = [m for m in service.stored_messages() if m.external_id == sent["sid"]]
    return message


def message_in(service: RunningService, message_id: int, *statuses: str) -> Message | None:
    """The stored message, once it has reached one of these statuses."""
    found = [m for m in service.stored_messages() if m.id == message_id]
    return found[0] if found and found[0].status in statuses else None


def all_sent(service: RunningService, replies: list[Message]) -> bool:
    ids = {r.id for r in replies}
    stored = [m for m in service.stored_messages() if m.id in ids]
    return all(m.status in ("sent", "delivered") for m in stored)


def settle_first_exchange(service: RunningService, texting: Texting) -> None:
    """A first question, with the notice and every part of its answer sent, so a failure
    injected next hits the next text."""
    replies = texting.say("what does a personal adviser do")
    wait_for(lambda: all_sent(service, replies), what="the first answer to be sent")
    service.answers_sent_to(texting.phone, expect=len(replies))


def assert_sent_once(sent: list[dict], replies: list[Message]) -> None:
    """Each stored reply went to Twilio exactly once, in order."""
    bodies = [t["body"] for t in sent]
    assert bodies[-len(replies) :] == [r.text for r in replies]
    for reply in replies:
        assert bodies.count(reply.text) == 1


def contact(service: RunningService, phone: str) -> Contact:
    with service.engine.connect() as connection:
        return connection.execute(select(Contact).where(Contact.address == phone)).one()


# Inbound ---------------------------------------------------------------------------------


def test_a_new_number_gets_the_notice_then_the_answer_from_the_council_number(
    service, young_person
) -> None:
    response = service.text_in("can i stay with my foster carers after 18", young_person)
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("application/xml")

    texts = wait_for(
        lambda: (
            (t := service.texts_sent_to(young_person, expect=2))[-1]["body"].endswith(MORE_PROMPT)
            and t
        ),
        what="the whole answer",
    )
    notice, answer = texts[0], texts[1]
    assert notice["body"] == sms_notices.first_contact(LANCASHIRE)
    assert "STOP" in notice["body"] and "read" in notice["body"]
    # The answer with Lancashire's local offer is longer than two segments, so it comes as
    # texts of at most two segments each, split between sentences.
    assert answer["body"].startswith("Staying Put")
    assert {t["from"] for t in texts} == {LANCASHIRE_NUMBER}
    assert all(int(t["num_segments"]) <= 2 for t in texts)

    # Delivery reports come back through the signed status callback and are kept per text.
    stored = wait_for(
        lambda: (m := stored_out(service, answer)).status == "delivered" and m,
        what="the delivery report",
    )
    assert stored.topic == "staying-put"
    assert stored.segments == int(answer["num_segments"]) and stored.encoding == "gsm7"

    # The notice is sent once per number and council, not with every answer.
    before = len(texts)
    service.text_in("what does a personal adviser do", young_person)
    later = service.texts_sent_to(young_person, expect=before + 1)[before:]
    assert later and notice["body"] not in [t["body"] for t in later]


def test_each_council_number_routes_to_its_council(service, young_person) -> None:
    assert service.text_in("staying put", young_person, to=NORTHBRIDGE_NUMBER).status_code == 200
    sent = service.answers_sent_to(young_person)
    assert {t["from"] for t in sent} == {NORTHBRIDGE_NUMBER}
    assert "Northbridge" in " ".join(t["body"] for t in sent)


def test_unknown_number_goes_to_the_default_council(service, young_person) -> None:
    assert service.text_in("staying put", young_person, to="+447700900999").status_code == 200
    sent = service.answers_sent_to(young_person)
    assert {t["from"] for t in sent} == {"+447700900999"}
    assert "In Lancashire:" in " ".join(t["body"] for t in sent)


def test_a_retried_webhook_is_stored_and_answered_once(service, young_person) -> None:
    sid = "SM" + "7" * 32
    first = service.text_in("what does a personal adviser do", young_person, sid=sid)
    retry = service.text_in("what does a personal adviser do", young_person, sid=sid)
    assert first.status_code == retry.status_code == 200
    answer = service.answers_sent_to(young_person)
    time.sleep(1.5)  # give a wrongly scheduled second answer time to show up
    again = service.answers_sent_to(young_person, timeout=0)
    assert again == answer and len({t["body"] for t in again}) == len(again)
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


def test_a_replayed_signature_with_a_changed_body_is_refused(service, young_person) -> None:
    url = f"{service.base_url}/twilio/sms"
    params = inbound_params(young_person, LANCASHIRE_NUMBER, "hi", SETTINGS.twilio_account_sid)
    headers = signed_webhook(url, params, SETTINGS.twilio_auth_token)
    tampered = {**params, "Body": "send my details to someone else"}
    assert httpx.post(url, data=tampered, headers=headers).status_code == 403
    assert not [m for m in service.stored_messages() if m.external_id == params["MessageSid"]]


def test_signature_for_another_url_is_refused(service, young_person) -> None:
    params = inbound_params(young_person, LANCASHIRE_NUMBER, "hi", SETTINGS.twilio_account_sid)
    headers = signed_webhook("https://elsewhere.example/twilio/sms", params,
                             SETTINGS.twilio_auth_token)  # fmt: skip
    response = httpx.post(f"{service.base_url}/twilio/sms", data=params, headers=headers)
    assert response.status_code == 403


def test_signed_but_malformed_or_oversized_requests_are_refused(service, young_person) -> None:
    url = f"{service.base_url}/twilio/sms"
    params = {"Body": "no sender or sid"}
    headers = signed_webhook(url, params, SETTINGS.twilio_auth_token)
    assert httpx.post(url, data=params, headers=headers).status_code == 400

    too_long = inbound_params(young_person, LANCASHIRE_NUMBER, "x" * 1601,
                              SETTINGS.twilio_account_sid)  # fmt: skip
    headers = signed_webhook(url, too_long, SETTINGS.twilio_auth_token)
    assert httpx.post(url, data=too_long, headers=headers).status_code == 400

    huge = {**too_long, "Body": "x" * 40_000}
    assert httpx.post(url, data=huge, headers={"X-Twilio-Signature": "x"}).status_code == 413
    assert not [m for m in service.stored_messages() if m.text.startswith("xxxx")]


def test_status_callbacks_must_be_signed(service, young_person) -> None:
    url = f"{service.base_url}/twilio/status?message=1"
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    assert httpx.post(url, data=params).status_code == 403


# Keywords -----------------------------------------------------------------------------


def test_stop_opts_out_start_opts_back_in(service, young_person) -> None:
    texting = Texting(service, young_person)
    texting.say("what does a personal adviser do")
    before = len(service.texts_sent_to(young_person, expect=2))

    assert service.text_in("STOP", young_person).status_code == 200
    wait_for(lambda: contact(service, young_person).opted_out_at, what="the opt-out")
    # Twilio sends its own confirmation (TWILIO_MANAGES_OPT_OUT): nothing from us.
    service.text_in("can i stay with my foster carers after 18", young_person)
    wait_for(
        lambda: [m for m in service.stored_messages() if m.status == "opted_out"],
        what="the text from an opted-out number to be stored",
    )
    time.sleep(1.0)
    assert len(service.texts_sent_to(young_person, expect=before + 1, timeout=0)) == before

    assert service.text_in("start", young_person).status_code == 200
    wait_for(lambda: contact(service, young_person).opted_out_at is None, what="the opt-in")
    replies = texting.say("staying put")
    assert replies and replies[0].topic == "staying-put"
    assert len(service.texts_sent_to(young_person, expect=before + 1)) == before + 1


def test_yes_from_a_number_that_did_not_opt_out_is_an_answer(service, young_person) -> None:
    texting = Texting(service, young_person)
    texting.say("what does a personal adviser do")
    replies = texting.say("yes")
    inbound = [m for m in service.stored_messages() if m.text == "yes" and m.direction == "in"]
    assert inbound[-1].status == "answered" and replies


def test_help_gets_the_council_contacts_and_999(service, young_person) -> None:
    assert service.text_in("HELP", young_person, to=NORTHBRIDGE_NUMBER).status_code == 200
    [sent] = service.answers_sent_to(young_person)
    northbridge = knowledge_base()[1]["northbridge"]
    assert sent["body"] == sms_notices.help_text(northbridge)
    assert northbridge.out_of_hours_phone in sent["body"] and "999" in sent["body"]


def test_twilio_error_21610_marks_the_number_opted_out(service, young_person) -> None:
    # The carrier has the number blocked (e.g. STOP sent before this service existed).
    service.fake_twilio("POST", "optouts", {"phone": young_person,
                                            "council_number": LANCASHIRE_NUMBER})  # fmt: skip
    try:
        service.text_in("what does a personal adviser do", young_person)
        wait_for(lambda: contact(service, young_person).opted_out_at, what="21610 opt-out")
        assert contact(service, young_person).opt_out_source == "21610"
        failed = [m for m in service.stored_messages() if m.error_code == "21610"]
        assert failed and failed[0].status == "failed"
        assert service.texts_sent_to(young_person, expect=1, timeout=0.5) == []
    finally:
        service.fake_twilio("DELETE", "optouts", {"phone": young_person,
                                                  "council_number": LANCASHIRE_NUMBER})  # fmt: skip


# Formatting ---------------------------------------------------------------------------


def test_a_long_answer_is_split_between_sentences_into_two_segment_texts(
    service, young_person
) -> None:
    articles, _ = knowledge_base()
    texting = Texting(service, young_person)
    texting.say("how long do i have a personal adviser")
    parts = texting.say("MORE")
    assert len(parts) > 1
    assert all(p.segments <= 2 and p.encoding == "gsm7" for p in parts)
    assert parts[0].text.startswith(articles["personal-adviser"].web.split(".")[0])
    sent = service.answers_sent_to(young_person, expect=1 + len(parts))
    assert_sent_once(sent, parts)
    assert all(int(t["num_segments"]) <= 2 for t in sent)
    # Every word of the full answer arrives, in order.
    words = " ".join(p.text for p in parts).split()
    assert words[: len(articles["personal-adviser"].web.split())] == (
        articles["personal-adviser"].web.split()
    )


# Outbound failures ----------------------------------------------------------------------


def test_twilio_busy_is_retried_with_backoff_and_sent_once(service, young_person) -> None:
    texting = Texting(service, young_person)
    settle_first_exchange(service, texting)
    # Too many requests, then a Twilio outage: both are retried.
    busy = {"mode": "http", "status": 429, "code": 20429}
    outage = {"mode": "http", "status": 503, "code": 20503}
    service.fake_twilio("POST", "failures", [busy, outage])
    replies = texting.say("staying put")
    wait_for(lambda: all_sent(service, replies), what="the retried texts")
    sent = service.answers_sent_to(young_person, expect=len(replies))
    assert_sent_once(sent, replies)
    assert stored_out(service, sent[-len(replies)]).attempts == 3  # 429, 503, then sent


def test_a_send_that_timed_out_after_twilio_took_it_is_not_sent_again(
    service, young_person
) -> None:
    texting = Texting(service, young_person)
    settle_first_exchange(service, texting)
    # Twilio accepts the text but answers after the service's 2 s timeout.
    service.fake_twilio("POST", "failures", {"mode": "timeout", "delay_seconds": 4, "count": 1})
    replies = texting.say("staying put")
    wait_for(lambda: all_sent(service, replies), what="the texts to be sent")
    time.sleep(1.0)  # a wrong resend would show up by now
    sent = service.answers_sent_to(young_person, expect=len(replies))
    assert_sent_once(sent, replies)
    first = next(m for m in service.stored_messages() if m.id == replies[0].id)
    assert first.attempts == 2 and first.external_id == sent[-len(replies)]["sid"]


def test_an_undelivered_text_keeps_its_error_code(service, young_person) -> None:
    texting = Texting(service, young_person)
    settle_first_exchange(service, texting)
    service.fake_twilio("POST", "failures", {"mode": "undelivered", "code": 30003, "count": 1})
    replies = texting.say("staying put")
    stored = wait_for(
        lambda: message_in(service, replies[0].id, "undelivered"), what="the undelivered report"
    )
    assert stored.error_code == "30003"


# Abuse ------------------------------------------------------------------------------------


def test_a_burst_from_one_number_is_stored_but_answered_only_up_to_the_limit(
    service, young_person
) -> None:
    burst = [f"question number {n} about staying put" for n in range(RATE_LIMIT_PER_MINUTE + 6)]
    for body in burst:
        assert service.text_in(body, young_person).status_code == 200

    def settled() -> list[Message]:
        inbound = [m for m in service.stored_messages()
                   if m.direction == "in" and m.text in burst]  # fmt: skip
        return inbound if all(m.status != "received" for m in inbound) else []

    inbound = wait_for(settled, timeout=60, what="the burst to be handled")
    assert len(inbound) == len(burst)  # nothing lost
    statuses = [m.status for m in inbound]
    assert statuses.count("answered") == RATE_LIMIT_PER_MINUTE
    assert statuses.count("rate_limited") == len(burst) - RATE_LIMIT_PER_MINUTE
    slow_down = [m for m in service.stored_messages() if m.topic == "rate_limited"
                 and m.conversation_id == inbound[0].conversation_id]  # fmt: skip
    assert len(slow_down) == 1
