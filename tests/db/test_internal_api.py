"""The internal API the action server uses, on SQLite and PostgreSQL: auth, escalations,
callbacks, and that phone numbers never come back or reach the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.models import Callback
from sms_gateway.store import create_web_session, open_conversation, sms_contact

TOKEN = "internal-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SMS_NUMBER = "+447700900555"
START, END = "2030-03-04T10:00:00+00:00", "2030-03-04T12:00:00+00:00"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, internal_api_token=TOKEN))
    with TestClient(app, headers=AUTH) as client:  # the lifespan migrates the database
        yield client


def sms_conversation(client: TestClient, phone: str = SMS_NUMBER) -> str:
    with transaction(client.app.state.sessions) as session:
        return open_conversation(session, sms_contact(session, phone), "lancashire").id


def web_conversation(client: TestClient) -> str:
    with transaction(client.app.state.sessions) as session:
        web_session, _ = create_web_session(session, "northbridge")
        return web_session.conversation_id


def book(client: TestClient, conversation_id: str, **fields: object) -> httpx.Response:
    body = {"about": "money for college", "window_start": START, "window_end": END, **fields}
    return client.post(f"/internal/conversations/{conversation_id}/callbacks", json=body)


def stored_callback(client: TestClient, reference: str) -> Callback:
    with client.app.state.sessions() as session:
        return session.query(Callback).filter_by(reference=reference).one()


# Auth


def test_every_route_needs_the_token(client: TestClient) -> None:
    conversation = sms_conversation(client)
    # Latin-1 bytes: a header may carry any of them, and the comparison must not fail on them.
    wrong = ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer ünïcode"]
    for authorization in wrong:
        response = client.get(
            f"/internal/conversations/{conversation}/callbacks/open",
            headers={"Authorization": authorization.encode("latin-1")},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    response = client.post(
        f"/internal/conversations/{conversation}/escalations",
        json={"reason": "risk", "urgent": True},
        headers={"Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("token", [None, ""])
def test_without_a_configured_token_the_api_is_disabled(
    database_url: str, token: str | None
) -> None:
    app = create_app(Settings(database_url=database_url, internal_api_token=token))
    with TestClient(app) as client:
        response = client.get("/internal/conversations/x/callbacks/open", headers=AUTH)
    assert response.status_code == 503
    assert response.json()["detail"] == "internal API disabled: set INTERNAL_API_TOKEN"


def test_unknown_conversation_is_404(client: TestClient) -> None:
    assert book(client, "nope").status_code == 404
    escalation = {"reason": "risk", "urgent": True}
    response = client.post("/internal/conversations/nope/escalations", json=escalation)
    assert response.status_code == 404
    assert client.get("/internal/conversations/nope/callbacks/open").status_code == 404


# Escalations


def test_an_escalation_is_raised_once_and_an_urgent_request_upgrades_it(
    client: TestClient,
) -> None:
    conversation = sms_conversation(client)
    url = f"/internal/conversations/{conversation}/escalations"
    first = client.post(url, json={"reason": "not_understood", "urgent": False})
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"id", "reason", "urgent", "status", "created_at", "council"}
    assert body | {"id": "", "created_at": ""} == {
        "id": "",
        "created_at": "",
        "reason": "not_understood",
        "urgent": False,
        "status": "open",
        "council": "lancashire",
    }

    again = client.post(url, json={"reason": "asked_for_person", "urgent": False})
    assert again.status_code == 200
    # Not urgent: the open one is returned unchanged.
    assert again.json() == body

    urgent = client.post(url, json={"reason": "risk", "urgent": True})
    assert urgent.status_code == 200
    assert urgent.json()["id"] == body["id"]
    assert (urgent.json()["reason"], urgent.json()["urgent"]) == ("risk", True)

    # Risk is never replaced by a later, lesser reason.
    later = client.post(url, json={"reason": "callback_urgent", "urgent": True})
    assert (later.json()["reason"], later.json()["urgent"]) == ("risk", True)


@pytest.mark.parametrize(
    "body",
    [{"reason": "bored", "urgent": True}, {"urgent": True}, {"reason": "risk", "extra": 1}],
)
def test_escalation_bodies_are_checked(client: TestClient, body: dict) -> None:
    conversation = sms_conversation(client)
    response = client.post(f"/internal/conversations/{conversation}/escalations", json=body)
    assert response.status_code == 422


# Callbacks


def test_a_callback_is_booked_once_found_changed_and_cancelled(client: TestClient) -> None:
    conversation = sms_conversation(client)
    booked = book(client, conversation)
    assert booked.status_code == 201, booked.text
    body = booked.json()
    reference = body["reference"]
    # No 0/O or 1/I/L: it is read out and typed.
    assert re.fullmatch(r"CB-[2-9A-HJKMNP-Z]{6}", reference)
    assert body == {
        "reference": reference,
        "status": "booked",
        "about": "money for college",
        "window_start": "2030-03-04T10:00:00Z",
        "window_end": "2030-03-04T12:00:00Z",
        "phone_given": False,
    }

    duplicate = book(client, conversation, about="something else")
    assert duplicate.status_code == 409
    assert duplicate.json()["reference"] == reference

    base = f"/internal/conversations/{conversation}/callbacks"
    assert client.get(f"{base}/open").json() == body

    moved = client.patch(
        f"{base}/{reference}",
        json={"window_start": "2030-03-04T10:30:00+01:00", "about": "  housing  "},
    )
    assert moved.status_code == 200, moved.text
    # Stored in UTC; the window end is unchanged; text trimmed.
    assert moved.json()["window_start"] == "2030-03-04T09:30:00Z"
    assert moved.json()["about"] == "housing"
    assert client.get(f"{base}/open").json() == moved.json()

    # The reference is accepted as the young person might type it.
    cancelled = client.post(f"{base}/{reference.lower()}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = client.post(f"{base}/{reference}/cancel")
    assert again.status_code == 200 and again.json() == cancelled.json()
    assert stored_callback(client, reference).cancelled_at is not None

    assert client.get(f"{base}/open").status_code == 404
    assert client.patch(f"{base}/{reference}", json={"about": "x"}).status_code == 409
    # Cancelled, a new one can be booked.
    assert book(client, conversation).status_code == 201


def test_another_conversations_callback_is_not_found(client: TestClient) -> None:
    mine = sms_conversation(client)
    theirs = sms_conversation(client, "+447700900556")
    reference = book(client, theirs).json()["reference"]
    base = f"/internal/conversations/{mine}/callbacks/{reference}"
    assert client.patch(base, json={"about": "x"}).status_code == 404
    assert client.post(f"{base}/cancel").status_code == 404
    unknown = f"/internal/conversations/{mine}/callbacks/CB-NOPE22/cancel"
    assert client.post(unknown).status_code == 404
    assert stored_callback(client, reference).status == "booked"


@pytest.mark.parametrize("typed", ["07700 900123", "+44 7700 900123"])
def test_a_uk_number_is_stored_as_e164_and_never_returned(client: TestClient, typed: str) -> None:
    conversation = web_conversation(client)
    response = book(client, conversation, phone=typed)
    assert response.status_code == 201, response.text
    assert response.json()["phone_given"] is True
    assert "900123" not in response.text
    assert stored_callback(client, response.json()["reference"]).phone == "+447700900123"
    opened = client.get(f"/internal/conversations/{conversation}/callbacks/open")
    assert "900123" not in opened.text


@pytest.mark.parametrize("phone", ["12345", "0800 123 4567", "not a number"])
def test_a_number_that_is_not_uk_is_422_and_not_repeated(client: TestClient, phone: str) -> None:
    response = book(client, web_conversation(client), phone=phone)
    assert response.status_code == 422
    assert phone not in response.text


def test_a_422_never_repeats_the_body(client: TestClient) -> None:
    """FastAPI's own 422 repeats the input (the whole body for a missing field)."""
    conversation = web_conversation(client)
    body = {"window_start": START, "window_end": END, "phone": "07700 900123"}
    response = client.post(f"/internal/conversations/{conversation}/callbacks", json=body)
    assert response.status_code == 422
    assert "900123" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "about"]


def test_web_chat_needs_a_number_and_sms_uses_the_contacts(client: TestClient) -> None:
    web = web_conversation(client)
    assert book(client, web).status_code == 422
    reference = book(client, web, phone="07700900123").json()["reference"]
    base = f"/internal/conversations/{web}/callbacks/{reference}"
    assert client.patch(base, json={"phone": None}).status_code == 422
    assert stored_callback(client, reference).phone == "+447700900123"
    # On SMS, a number of their own is optional; clearing it means the SMS number.
    sms = sms_conversation(client)
    reference = book(client, sms, phone="020 7946 0018").json()["reference"]
    base = f"/internal/conversations/{sms}/callbacks/{reference}"
    cleared = client.patch(base, json={"phone": None})
    assert cleared.status_code == 200 and cleared.json()["phone_given"] is False
    assert stored_callback(client, reference).phone is None


@pytest.mark.parametrize(
    "body",
    [
        {"window_start": END, "window_end": START},
        {"window_start": START, "window_end": START},
        {"window_start": "2030-03-04T10:00:00", "window_end": END},  # no time zone
        {"about": ""},
        {"about": "   "},
        {"about": "x" * 501},
        {"colour": "blue"},
    ],
)
def test_callback_bodies_are_checked(client: TestClient, body: dict) -> None:
    assert book(client, sms_conversation(client), **body).status_code == 422


def test_a_change_keeps_the_window_in_order(client: TestClient) -> None:
    conversation = sms_conversation(client)
    reference = book(client, conversation).json()["reference"]
    base = f"/internal/conversations/{conversation}/callbacks/{reference}"
    assert client.patch(base, json={"window_end": "2030-03-04T09:00:00+00:00"}).status_code == 422
    assert client.patch(base, json={"window_start": None}).status_code == 422
    assert client.patch(base, json={"phone": "12345"}).status_code == 422
    still = client.get(f"/internal/conversations/{conversation}/callbacks/open").json()
    assert still["window_end"] == "2030-03-04T12:00:00Z"


def test_logs_carry_ids_never_phone_numbers(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sms = sms_conversation(client)
    web = web_conversation(client)
    client.post(
        f"/internal/conversations/{sms}/escalations", json={"reason": "risk", "urgent": True}
    )
    reference = book(client, web, phone="07700 900123").json()["reference"]
    change = {"phone": "+44 7700 900124"}
    client.patch(f"/internal/conversations/{web}/callbacks/{reference}", json=change)
    book(client, web, phone="12345")
    client.post(f"/internal/conversations/{web}/callbacks/{reference}/cancel")
    book(client, sms)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert reference in logged and "risk" in logged  # the API does log, by id
    for digits in ("900555", "900123", "900124", "7700 900"):
        assert digits not in logged
