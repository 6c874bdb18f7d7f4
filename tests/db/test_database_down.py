"""While the database is unreachable (a restart, a fail-over) requests are refused with 503
and Retry-After, never a bare 500, and nothing personal is logged; Twilio's retry of the same
text once it is back is stored once. (A real PostgreSQL restart under load:
tests/integration/test_database_restart.py.)"""

from __future__ import annotations

import logging
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
    )
    with TestClient(create_app(settings), base_url="http://10.0.0.5:8000") as client:
        yield client


def test_while_the_database_is_down_texts_are_refused_for_retry_and_kept_when_it_is_back(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    working = client.app.state.sessions
    down = make_engine(UNREACHABLE)
    client.app.state.sessions = make_session_factory(down)
    params = text("i need help with my rent")
    with caplog.at_level(logging.INFO):
        refused = post_signed(client, "/twilio/sms", params, f"{PUBLIC}/twilio/sms")
        chat = client.post("/api/chat/sessions", json={"council": "lancashire"})
        ready = client.get("/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert chat.status_code == 503
    logged = caplog.text
    assert "database unavailable: OperationalError" in logged
    assert PHONE not in logged and COUNCIL_NUMBER not in logged and "rent" not in logged
    down.dispose()

    client.app.state.sessions = working
    # Twilio's retry (a connection override) carries the same MessageSid.
    for _ in range(2):
        assert post_signed(client, "/twilio/sms", params, f"{PUBLIC}/twilio/sms").status_code == 200
    with working() as session:
        stored = session.scalars(select(Message.external_id).where(Message.direction == "in"))
        assert list(stored) == [params["MessageSid"]]


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
