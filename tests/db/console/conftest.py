"""Fixtures for the console tests: a service with Rasa and Twilio unreachable, accounts in two
councils, and logging in as a browser would (each person their own cookie jar)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sms_gateway.accounts import create_account
from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from tests.console_user import PASSWORD, ConsoleUser

DOWN = "http://127.0.0.1:9"
PEOPLE = {
    "sam": ("lancashire", "sam@lancashire.example", "Sam", "adviser"),
    "jo": ("lancashire", "jo@lancashire.example", "Jo", "adviser"),
    "mo": ("lancashire", "mo@lancashire.example", "Mo", "manager"),
    "alex": ("northbridge", "alex@northbridge.example", "Alex", "adviser"),
    "nat": ("northbridge", "nat@northbridge.example", "Nat", "manager"),
}


@pytest.fixture
def app_client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_url=DOWN, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def people(app_client: TestClient) -> dict[str, ConsoleUser]:
    browsers = {}
    with transaction(app_client.app.state.sessions) as session:
        for key, (council, email, name, role) in PEOPLE.items():
            account = create_account(session, council, email, name, role, PASSWORD)
            browsers[key] = (account.id, email)
    return {
        key: ConsoleUser(TestClient(app_client.app), account_id).log_in(email)
        for key, (account_id, email) in browsers.items()
    }
