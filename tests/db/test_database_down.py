"""While the database is unreachable (a restart, a fail-over) texts are taken into the spool
and stored in order once it is back; other requests are refused with 503 and Retry-After,
never a bare 500; nothing personal is logged. (A real PostgreSQL restart under load:
tests/integration/test_database_restart.py.)"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory
from sms_gateway.models import Message
from tests.db.test_twilio_webhooks import COUNCIL_NUMBER, PHONE, PUBLIC, post_signed, text

# Nothing listens on port 1: every connection is refused, as while PostgreSQL restarts.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/assistant?connect_timeout=2"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        public_base_url=PUBLIC,
        twilio_api_base_url="http://127.0.0.1:9",
        rasa_url="http://127.0.0.1:9",
        # Long enough that a text posted just after the database is back finds the first
        # two still in the spool.
        sms_spool_retry_seconds=3.0,
    )
    with TestClient(create_app(settings), base_url="http://10.0.0.5:8000") as client:
        yield client


def test_texts_that_come_while_the_database_is_down_are_kept_and_stored_in_order_after(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """However long the outage (Twilio's own retries give up after 15 seconds), each text is
    taken at once, kept in the spool and stored once the database is back, in the order the
    texts came; the web chat is refused with 503 meanwhile."""
    working = client.app.state.sessions
    down = make_engine(UNREACHABLE)
    client.app.state.sessions = make_session_factory(down)
    first, second = text("i need help with my rent"), text("and my council tax")
    with caplog.at_level(logging.INFO):
        taken = [post(client, first), post(client, second), post(client, first)]  # a retry
        chat = client.post("/api/chat/sessions", json={"council": "lancashire"})
        ready = client.get("/ready")
    assert [r.status_code for r in taken] == [200, 200, 200]
    assert all("<Response></Response>" in r.text for r in taken)
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    assert ready.json()["sms_spooled"] == 2
    assert chat.status_code == 503 and chat.headers["Retry-After"] == "5"
    logged = caplog.text
    assert "database unavailable (OperationalError): text kept in the spool" in logged
    assert PHONE not in logged and COUNCIL_NUMBER not in logged and "rent" not in logged
    down.dispose()

    client.app.state.sessions = working
    # Back, with texts still in the spool: a new one goes behind them.
    third = text("thanks")
    assert post(client, third).status_code == 200
    expected = [first["MessageSid"], second["MessageSid"], third["MessageSid"]]
    assert stored_sids(working, settle=len(expected)) == expected
    assert client.get("/ready").json()["sms_spooled"] == 0
    # Twilio's retry of a text stored from the spool is stored once.
    assert post(client, first).status_code == 200
    assert stored_sids(working) == expected


def post(client: TestClient, params: dict[str, str]):  # type: ignore[no-untyped-def]
    return post_signed(client, "/twilio/sms", params, f"{PUBLIC}/twilio/sms")


def stored_sids(sessions, settle: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    """The inbound texts' MessageSids in the order they were stored, once `settle` are
    (the spool is drained in the background)."""
    deadline = time.monotonic() + 15
    while True:
        with sessions() as session:
            sids = list(
                session.scalars(
                    select(Message.external_id)
                    .where(Message.direction == "in")
                    .order_by(Message.id)
                )
            )
        if len(sids) >= settle or time.monotonic() > deadline:
            return sids
        time.sleep(0.1)


def test_with_the_database_up_and_rasa_down_the_service_stays_ready_but_degraded(
    client: TestClient,
) -> None:
    """Messages are still taken and kept while the assistant is down, so a load balancer
    must keep routing to the service; monitoring sees "degraded"."""
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": True, "assistant": False}
    assert body["assistant_servers"] == [False]
