"""A real assistant for end-to-end tests: the trained Rasa model on a real Rasa server, the real
action server, the fake Twilio API, and the service, each a separate process on loopback,
started with the same commands as `make run` (devtools/processes.py)."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, select

from devtools.processes import BOT_DIR, MODEL_PATH, Ports, ProcessSpec, local_stack
from devtools.send_sms import inbound_params, signed_webhook
from devtools.supervisor import Supervisor
from knowledge.loader import knowledge_base
from sms_gateway import sms_notices
from sms_gateway.config import Settings
from sms_gateway.db import make_engine
from sms_gateway.models import Message
from tests.conftest import DATABASE_KINDS, empty_database

pytestmark = pytest.mark.integration

SETTINGS = Settings()  # defaults: the same Twilio credentials the fake Twilio expects
LANCASHIRE_NUMBER = "+447700900100"
FIRST_CONTACT_NOTICES = {sms_notices.first_contact(c) for c in knowledge_base()[1].values()}
NORTHBRIDGE_NUMBER = "+447700900200"
# The action server (started once) and each service started here must share the token of the
# service's internal API, so every local_stack call is given this one.
INTERNAL_TOKEN = secrets.token_urlsafe(32)
RATE_LIMIT_PER_MINUTE = 20
# Retries and re-asks in seconds, not minutes, so tests see them happen; a rate limit above
# the pace of the scripted conversations.
TEST_SETTINGS = {
    "SMS_RETRY_BASE_SECONDS": "0.3",
    "TWILIO_TIMEOUT_SECONDS": "2",
    "ASSISTANT_RETRY_SECONDS": "1",
    "SMS_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT_PER_MINUTE),
}


def by_name(specs: list[ProcessSpec]) -> dict[str, ProcessSpec]:
    return {spec.name: spec for spec in specs}


@pytest.fixture(scope="session")
def ports() -> Ports:
    return Ports.free()


@pytest.fixture(scope="session")
def assistant(ports: Ports, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    """Fake Twilio, action server and Rasa server, shared by every integration test."""
    if not (BOT_DIR / MODEL_PATH).exists():
        pytest.fail("No trained Rasa model: run the tests with `make test` (it trains first).")
    var_dir = tmp_path_factory.mktemp("assistant")
    specs = by_name(local_stack(ports, "unused", var_dir, internal_token=INTERNAL_TOKEN))
    supervisor = Supervisor(var_dir / "logs")
    try:
        supervisor.start_all([specs["fake-twilio"], specs["actions"], specs["rasa"]])
        yield supervisor
    finally:
        supervisor.stop_all()


@dataclass
class RunningService:
    base_url: str
    twilio_url: str
    engine: Engine
    council_messages_url: str
    # Where Twilio posts texts: the SMS intake process where one runs, else the service.
    sms_url: str | None = None

    @classmethod
    def on(cls, ports: Ports, database_url: str, sms_intake: bool = False) -> RunningService:
        """The service started on `ports` with `database_url`, and its fake Twilio."""
        return cls(
            sms_url=f"http://127.0.0.1:{ports.intake}" if sms_intake else None,
            base_url=f"http://127.0.0.1:{ports.service}",
            twilio_url=f"http://127.0.0.1:{ports.fake_twilio}",
            engine=make_engine(database_url),
            council_messages_url=(
                f"http://127.0.0.1:{ports.fake_twilio}/2010-04-01/Accounts/"
                f"{SETTINGS.twilio_account_sid}/Messages.json"
            ),
        )

    def start_chat(self, council: str = "lancashire") -> tuple[str, dict[str, str]]:
        response = httpx.post(f"{self.base_url}/api/chat/sessions", json={"council": council})
        assert response.status_code == 201, response.text
        body = response.json()
        return body["session_id"], {"Authorization": f"Bearer {body['token']}"}

    def chat(self, text: str, council: str = "lancashire") -> dict:
        session_id, headers = self.start_chat(council)
        response = httpx.post(
            f"{self.base_url}/api/chat/sessions/{session_id}/messages",
            json={"text": text},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def text_in(
        self,
        body: str,
        sender: str,
        to: str = LANCASHIRE_NUMBER,
        sid: str | None = None,
        timeout: float = 10.0,
    ) -> httpx.Response:
        """Post a correctly signed inbound SMS, exactly as Twilio would."""
        params = inbound_params(sender, to, body, SETTINGS.twilio_account_sid)
        if sid:
            params["MessageSid"] = sid
        url = f"{self.sms_url or self.base_url}/twilio/sms"
        headers = signed_webhook(url, params, SETTINGS.twilio_auth_token)
        return httpx.post(url, data=params, headers=headers, timeout=timeout)

    def texts_sent_to(self, number: str, expect: int = 1, timeout: float = 30.0) -> list[dict]:
        """What the service sent to this number through the (fake) Twilio API."""
        deadline = time.monotonic() + timeout
        while True:
            response = httpx.get(
                self.council_messages_url,
                params={"To": number},
                auth=(SETTINGS.twilio_account_sid, SETTINGS.twilio_auth_token),
            )
            found = response.json()["messages"]
            if len(found) >= expect or time.monotonic() > deadline:
                return list(reversed(found))
            time.sleep(0.2)

    def answers_sent_to(self, number: str, expect: int = 1, timeout: float = 30.0) -> list[dict]:
        """Texts sent to this number, without the first-contact notice, once at least
        `expect` have come and no more arrive for a second (a long answer comes in parts)."""
        deadline = time.monotonic() + timeout
        seen = -1
        while True:
            found = self.texts_sent_to(number, expect=0, timeout=0)
            answers = [m for m in found if m["body"] not in FIRST_CONTACT_NOTICES]
            settled = len(found) == seen
            if (len(answers) >= expect and settled) or time.monotonic() > deadline:
                return answers
            seen = len(found)
            time.sleep(1.0)

    def fake_twilio(self, method: str, path: str, body: object) -> None:
        """Use the fake Twilio's test controls (failures, carrier opt-outs)."""
        response = httpx.request(method, f"{self.twilio_url}/fake/{path}", json=body)
        assert response.status_code < 300, response.text

    def stored_messages(self) -> list[Message]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(Message).order_by(Message.id)))

    def conversation_of(self, message_id: int) -> str:
        with self.engine.connect() as connection:
            return connection.execute(
                select(Message.conversation_id).where(Message.id == message_id)
            ).scalar_one()


def start_service(
    supervisor: Supervisor, ports: Ports, database_url: str, name: str = "service", **env: str
) -> RunningService:
    """Start the service as `name` (a test's own service needs its own name and ports).
    Its local files (the SMS spool) are kept per database, so a service started again on
    the same database finds what the last one left."""
    per_database = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    var_dir = Path(tempfile.gettempdir()) / "assistant-tests" / per_database
    specs = local_stack(ports, database_url, var_dir, internal_token=INTERNAL_TOKEN)
    spec = by_name(specs)["service"]
    spec = replace(spec, name=name, env={**spec.env, **TEST_SETTINGS, **env})
    supervisor.start(spec)
    supervisor.wait_healthy(spec, timeout=60)
    return RunningService.on(ports, database_url)


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def service(
    request: pytest.FixtureRequest,
    assistant: Supervisor,
    ports: Ports,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningService]:
    """The service on SQLite, then on PostgreSQL, talking to the shared assistant."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as database_url:
        running = start_service(assistant, ports, database_url)
        try:
            yield running
        finally:
            assistant.stop("service")
            running.engine.dispose()


_numbers = iter(range(300, 1000))


@pytest.fixture
def young_person() -> str:
    """A phone number no other test uses (Ofcom's drama range)."""
    return f"+447700900{next(_numbers):03d}"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("No Chromium: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()
