"""Logging in to the adviser console over HTTP, on SQLite and PostgreSQL: the session
cookie's flags, CSRF on the login and logout forms, one answer for a wrong email or password,
lock-out, and the inbox showing only the adviser's own council."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sms_gateway.accounts import MAX_FAILED_LOGINS, create_account
from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.store import create_web_session, open_conversation, sms_contact

DOWN = "http://127.0.0.1:9"
PASSWORD = "correct horse battery"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_url=DOWN, twilio_api_base_url=DOWN)
    with TestClient(create_app(settings)) as client:
        with transaction(client.app.state.sessions) as session:
            create_account(session, "lancashire", "sam@example.gov.uk", "Sam", "adviser", PASSWORD)
            create_account(session, "northbridge", "alex@example.org", "Alex", "adviser", PASSWORD)
        yield client


def login_csrf(client: TestClient) -> str:
    page = client.get("/console/login")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD):
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf": login_csrf(client)},
        follow_redirects=False,
    )


def test_a_good_login_sets_a_strict_http_only_cookie_and_opens_the_inbox(client) -> None:
    response = log_in(client, "sam@example.gov.uk")
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = response.headers["set-cookie"].lower()
    assert "console_session=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    inbox = client.get("/console/")
    assert inbox.status_code == 200 and "Inbox" in inbox.text
    assert inbox.headers["cache-control"] == "no-store"


def test_without_a_session_the_inbox_sends_you_to_log_in(client) -> None:
    response = client.get("/console/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_a_login_without_the_forms_csrf_token_is_refused(client) -> None:
    login_csrf(client)
    response = client.post(
        "/console/login",
        data={"email": "sam@example.gov.uk", "password": PASSWORD, "csrf": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "console_session" not in client.cookies


def test_a_wrong_password_and_an_unknown_email_read_the_same(client) -> None:
    wrong = log_in(client, "sam@example.gov.uk", "not the password")
    unknown = log_in(client, "nobody@example.gov.uk")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text


def test_repeated_wrong_passwords_lock_the_account(client) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert log_in(client, "sam@example.gov.uk", "not the password").status_code == 401
    assert log_in(client, "sam@example.gov.uk", "not the password").status_code == 429
    locked = log_in(client, "sam@example.gov.uk")
    assert locked.status_code == 429 and "Try again after" in locked.text


def test_logout_needs_the_sessions_csrf_token_and_then_ends_the_session(client) -> None:
    log_in(client, "sam@example.gov.uk")
    inbox = client.get("/console/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text).group(1)
    assert client.post("/console/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/console/").status_code == 200  # still logged in
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_the_inbox_shows_only_the_advisers_own_councils_escalations_urgent_first(
    client,
) -> None:
    with transaction(client.app.state.sessions) as session:
        web = create_web_session(session, "lancashire")[0].conversation
        raise_escalation(session, web, "asked_for_person", urgent=False)
        text = open_conversation(session, sms_contact(session, "+447700900555"), "lancashire")
        raise_escalation(session, text, "risk", urgent=True, category="homeless_tonight")
        other = create_web_session(session, "northbridge")[0].conversation
        raise_escalation(session, other, "not_understood", urgent=False)
    log_in(client, "sam@example.gov.uk")
    page = client.get("/console/").text
    rows = re.findall(r"<tr[^>]*>\s*<td>(.*?)</td>", page, re.S)
    assert len(rows) == 2
    assert "Urgent" in rows[0] and "homeless tonight" in rows[0]
    assert "Asked for a person" in rows[1]
    assert "Not understood" not in page  # Northbridge's
