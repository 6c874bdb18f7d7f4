"""The fake Twilio over real HTTP: the fake on one port, and on another a receiver standing in
for the service, which records the webhooks and status callbacks it gets and checks their
signatures the way the service does (RequestValidator.validate)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from devtools import send_sms
from devtools.fake_twilio import create_fake_twilio, delivery
from devtools.fake_twilio.optout import OPT_IN_REPLY, OPT_OUT_REPLY
from devtools.processes import Ports, free_port, local_stack
from knowledge.loader import knowledge_base

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-twilio-test-token"
COUNCIL = "+447700900100"
OTHER_COUNCIL = "+447700900200"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
INBOUND_FIELDS = {
    "MessageSid", "SmsMessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia",
    "NumSegments", "SmsStatus", "FromCountry", "ToCountry", "ApiVersion",
}  # fmt: skip
CALLBACK_FIELDS = {
    "MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "AccountSid", "From", "To", "ApiVersion",
}  # fmt: skip

T = TypeVar("T")


@dataclass
class Received:
    url: str
    params: dict[str, str]
    signed: bool


@dataclass
class Receiver:
    """The service's side of the wire."""

    url: str = ""
    answer: int = 200
    received: list[Received] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(request: Request) -> Response:
            form = await request.form()
            params = {key: str(value) for key, value in form.multi_items()}
            signature = request.headers.get("X-Twilio-Signature", "")
            signed = RequestValidator(AUTH_TOKEN).validate(str(request.url), params, signature)
            self.received.append(Received(str(request.url), params, signed))
            return Response(status_code=self.answer)

        return app

    def about(self, sid: str) -> list[Received]:
        return [r for r in self.received if r.params.get("MessageSid") == sid]

    def wait(self, sid: str, expect: int) -> list[Received]:
        """What arrived about the message once `expect` posts have (or after a timeout)."""
        wait_for(lambda: len(self.about(sid)) >= expect)
        return self.about(sid)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run the app with uvicorn on a free port in a thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started), "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def wait_for(probe: Callable[[], T], timeout: float = 3.0) -> T:
    """The probe's first truthy value, or its last value after the timeout."""
    deadline = time.monotonic() + timeout
    while not (value := probe()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with serve(receiver.app()) as url:
        receiver.url = url
        yield receiver


@pytest.fixture(scope="module")
def fake_url(receiver: Receiver) -> Iterator[str]:
    app = create_fake_twilio(ACCOUNT_SID, AUTH_TOKEN, webhook_url=f"{receiver.url}/twilio/sms")
    with serve(app) as url:
        yield url


@pytest.fixture
def fake(fake_url: str, receiver: Receiver) -> Iterator[httpx.Client]:
    """A client authenticated as the service; no failures queued, receiver answering 200."""
    receiver.answer = 200
    with httpx.Client(base_url=fake_url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5) as client:
        client.delete("/fake/failures").raise_for_status()
        yield client


_numbers = count(100)


@pytest.fixture
def phone() -> str:
    """A number no other test has used: the fake keeps its state for the whole module."""
    return f"+4477009{next(_numbers):05d}"


def create(client: httpx.Client, to: str, body: str = "hello", **fields: str) -> httpx.Response:
    return client.post(MESSAGES, data={"To": to, "From": COUNCIL, "Body": body, **fields})


def inbound(client: httpx.Client, sender: str, body: str, to: str = COUNCIL) -> dict[str, Any]:
    response = client.post("/fake/inbound", json={"from": sender, "to": to, "body": body})
    assert response.status_code == 200, response.text
    return response.json()


def thread(client: httpx.Client, phone: str, council_number: str = COUNCIL) -> dict[str, Any]:
    response = client.get("/fake/thread", params={"phone": phone, "council_number": council_number})
    return response.json()


def test_status_callbacks_arrive_signed_sent_then_delivered(fake, receiver, phone) -> None:
    callback = f"{receiver.url}/twilio/status?message=42&note=a%20b"
    response = create(fake, phone, "x" * 161, StatusCallback=callback)
    assert response.status_code == 201
    message = response.json()
    assert len(receiver.about(message["sid"])) < 2  # the answer did not wait for delivery
    assert message["status"] == "queued" and message["num_segments"] == "2"
    assert message["sid"].startswith("SM") and len(message["sid"]) == 34

    callbacks = receiver.wait(message["sid"], 2)
    assert [c.params["MessageStatus"] for c in callbacks] == ["sent", "delivered"]
    assert all(c.signed and c.url == callback for c in callbacks)
    assert set(callbacks[0].params) == CALLBACK_FIELDS
    assert callbacks[1].params["SmsStatus"] == "delivered"
    assert callbacks[1].params["To"] == phone and callbacks[1].params["From"] == COUNCIL

    stored = fake.get(f"{MESSAGES[:-5]}/{message['sid']}.json").json()
    assert stored["status"] == "delivered" and stored["date_sent"] and stored["error_code"] is None


def test_undelivered_callback_carries_the_error_code(fake, receiver, phone) -> None:
    fake.post("/fake/failures", json={"mode": "undelivered", "code": 30003}).raise_for_status()
    sid = create(fake, phone, StatusCallback=f"{receiver.url}/status").json()["sid"]
    callbacks = receiver.wait(sid, 2)
    assert [c.params["MessageStatus"] for c in callbacks] == ["sent", "undelivered"]
    assert "ErrorCode" not in callbacks[0].params
    assert callbacks[1].params["ErrorCode"] == "30003" and callbacks[1].signed
    [stored] = thread(fake, phone)["messages"]
    assert (stored["status"], stored["error_code"]) == ("undelivered", 30003)


def test_failed_callbacks_are_retried_twice_then_dropped(fake, receiver, phone, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_PAUSE_SECONDS", 0.01)
    receiver.answer = 500
    sid = create(fake, phone, StatusCallback=f"{receiver.url}/status").json()["sid"]
    callbacks = receiver.wait(sid, 6)
    assert [c.params["MessageStatus"] for c in callbacks] == ["sent"] * 3 + ["delivered"] * 3
    time.sleep(0.1)
    assert len(receiver.about(sid)) == 6
    assert thread(fake, phone)["messages"][0]["status"] == "delivered"


def test_http_failure_answers_twilios_error_and_stores_nothing(fake, phone) -> None:
    failure = {"mode": "http", "status": 503, "code": 20503}
    assert fake.post("/fake/failures", json=failure).json() == {"queued": [{**failure, "count": 1}]}
    response = create(fake, phone)
    assert response.status_code == 503
    assert response.json()["code"] == 20503 and response.json()["status"] == 503
    assert fake.get(MESSAGES, params={"To": phone}).json()["messages"] == []
    assert create(fake, phone).status_code == 201  # used up


def test_timeout_mode_stores_and_sends_but_answers_late(fake, phone) -> None:
    fake.post("/fake/failures", json={"mode": "timeout", "delay_seconds": 1}).raise_for_status()
    with pytest.raises(httpx.ReadTimeout):
        fake.post(MESSAGES, data={"To": phone, "From": COUNCIL, "Body": "hi"}, timeout=0.3)
    [stored] = fake.get(MESSAGES, params={"To": phone}).json()["messages"]
    assert stored["body"] == "hi"
    assert wait_for(lambda: thread(fake, phone)["messages"][0]["status"] == "delivered")


def test_stop_blocks_the_pair_and_start_unblocks_it(fake, receiver, phone) -> None:
    stop = inbound(fake, phone, " Stop! ")
    assert stop["webhook_status"] == 200
    [webhook] = receiver.about(stop["sid"])
    assert webhook.params["Body"] == " Stop! "  # Twilio still forwards it
    conversation = thread(fake, phone)
    assert conversation["opted_out"] is True
    assert [(m["direction"], m["body"]) for m in conversation["messages"]] == [
        ("inbound", " Stop! "),
        ("twilio", OPT_OUT_REPLY),
    ]
    refused = create(fake, phone)
    assert refused.status_code == 400 and refused.json()["code"] == 21610
    other = fake.post(MESSAGES, data={"To": phone, "From": OTHER_COUNCIL, "Body": "hi"})
    assert other.status_code == 201  # the block is per council number

    inbound(fake, phone, "start")
    conversation = thread(fake, phone)
    assert conversation["opted_out"] is False
    assert conversation["messages"][-1]["body"] == OPT_IN_REPLY
    assert create(fake, phone).status_code == 201


@pytest.mark.parametrize("body", ["stop please", "STOP NOW", "help", "non-stop"])
def test_other_texts_do_not_opt_out(fake, phone, body) -> None:
    inbound(fake, phone, body)
    conversation = thread(fake, phone)
    assert conversation["opted_out"] is False
    assert [m["direction"] for m in conversation["messages"]] == ["inbound"]
    assert create(fake, phone).status_code == 201


def test_optout_control_blocks_and_unblocks_without_a_text(fake, phone) -> None:
    pair = {"phone": phone, "council_number": COUNCIL}
    assert fake.post("/fake/optouts", json=pair).json() == {**pair, "opted_out": True}
    assert create(fake, phone).json()["code"] == 21610
    assert fake.request("DELETE", "/fake/optouts", json=pair).json()["opted_out"] is False
    assert create(fake, phone).status_code == 201


def test_inbound_posts_a_signed_webhook_with_twilios_fields(fake, receiver, phone) -> None:
    body = "can I stay with my foster carers after 18?"
    answer = inbound(fake, phone, body)
    [webhook] = receiver.about(answer["sid"])
    assert webhook.signed and webhook.url == f"{receiver.url}/twilio/sms"
    assert set(webhook.params) == INBOUND_FIELDS  # no MessagingServiceSid
    assert webhook.params["SmsSid"] == webhook.params["SmsMessageSid"] == answer["sid"]
    assert len(answer["sid"]) == 34 and answer["sid"].startswith("SM")
    assert {k: webhook.params[k] for k in ("From", "To", "Body", "AccountSid")} == {
        "From": phone, "To": COUNCIL, "Body": body, "AccountSid": ACCOUNT_SID,
    }  # fmt: skip
    assert (webhook.params["NumSegments"], webhook.params["NumMedia"]) == ("1", "0")
    assert webhook.params["SmsStatus"] == "received"
    assert (webhook.params["FromCountry"], webhook.params["ApiVersion"]) == ("GB", "2010-04-01")
    [entry] = thread(fake, phone)["messages"]
    assert entry["webhook_status"] == 200 and entry["num_segments"] == 1


def test_the_webhooks_answer_is_reported_or_null_when_unreachable(fake, receiver, phone) -> None:
    receiver.answer = 403
    assert inbound(fake, phone, "hello")["webhook_status"] == 403
    assert thread(fake, phone)["messages"][0]["webhook_status"] == 403

    unreachable = create_fake_twilio(ACCOUNT_SID, AUTH_TOKEN, f"http://127.0.0.1:{free_port()}/")
    with serve(unreachable) as url, httpx.Client(base_url=url) as client:
        assert inbound(client, phone, "hello")["webhook_status"] is None


def test_list_filters_and_fetch(fake, phone) -> None:
    other_phone = phone.replace("+44770090", "+44770091")
    first = create(fake, phone, "one").json()
    second = fake.post(MESSAGES, data={"To": phone, "From": OTHER_COUNCIL, "Body": "two"}).json()
    create(fake, other_phone, "three")

    def listed(**params: str) -> list[str]:
        return [m["body"] for m in fake.get(MESSAGES, params=params).json()["messages"]]

    assert listed(To=phone) == ["two", "one"]  # newest first
    assert listed(To=phone, From=OTHER_COUNCIL) == ["two"]
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert wait_for(lambda: listed(To=phone, DateSent=today) == ["two", "one"])
    assert listed(To=phone, DateSent="2000-01-01") == []
    assert fake.get(MESSAGES, params={"DateSent": "yesterday"}).status_code == 400

    assert fake.get(f"{MESSAGES[:-5]}/{second['sid']}.json").json()["body"] == "two"
    missing = fake.get(f"{MESSAGES[:-5]}/SM{'0' * 32}.json")
    assert missing.status_code == 404 and missing.json()["code"] == 20404
    assert first["uri"] == f"{MESSAGES[:-5]}/{first['sid']}.json"


@pytest.mark.parametrize("auth", [(ACCOUNT_SID, "wrong"), None], ids=["wrong-token", "none"])
def test_wrong_or_missing_credentials_get_401(fake_url, phone, auth) -> None:
    with httpx.Client(base_url=fake_url, auth=auth) as client:
        for response in (create(client, phone), client.get(MESSAGES)):
            assert response.status_code == 401
            assert response.json()["code"] == 20003
            assert response.json()["more_info"] == "https://www.twilio.com/docs/errors/20003"


@pytest.mark.parametrize(("missing", "code"), [("To", 21604), ("From", 21603), ("Body", 21602)])
def test_missing_fields_get_twilios_codes(fake, phone, missing, code) -> None:
    data = {"To": phone, "From": COUNCIL, "Body": "hi"}
    del data[missing]
    response = fake.post(MESSAGES, data=data)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_phone_page_offers_every_council_number(fake) -> None:
    page = fake.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    _, councils = knowledge_base()
    for council in councils.values():
        for number in council.sms_numbers:
            assert f'<option value="{number}">' in page.text
    assert '<option value="+447700900999">' in page.text
    assert 'role="log"' in page.text and 'aria-live="polite"' in page.text
    assert "src=" not in page.text and "<link" not in page.text  # no external assets


def test_send_sms_goes_through_the_fake_and_shows_the_thread(fake_url, receiver, phone, capsys):
    argv = ["--twilio", fake_url, "--from", phone, "--to", COUNCIL]
    assert send_sms.main([*argv, "hello there"]) == 0
    assert any(r.params.get("From") == phone for r in receiver.received)
    capsys.readouterr()
    assert send_sms.main([*argv, "--show-replies"]) == 0
    assert "you -> (1 segment, webhook 200): hello there" in capsys.readouterr().out


def test_the_run_command_points_the_fake_at_the_services_webhook() -> None:
    ports = Ports.free()
    [spec] = [s for s in local_stack(ports, "sqlite://", Path("var")) if s.name == "fake-twilio"]
    assert spec.argv[-2:] == ["--webhook-url", f"http://127.0.0.1:{ports.service}/twilio/sms"]
