"""The adviser console end to end in Chromium, against the real assistant: an adviser logs in,
sees a young person's request for a person appear without reloading, replies as a person, the
young person gets the reply by SMS through the (fake) Twilio API, their answer shows up live,
and resolving hands them back to the assistant. A second council's adviser sees none of it.
axe-core checks each page against WCAG 2.2 AA."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from sms_gateway.accounts import create_account
from tests.console_user import PASSWORD
from tests.integration.conftest import RunningService

pytestmark = pytest.mark.integration

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


def account(service: RunningService, council: str, name: str, role: str = "adviser") -> str:
    email = f"{name.lower()}-{secrets.token_hex(4)}@{council}.example"
    with Session(service.engine) as session, session.begin():
        create_account(session, council, email, name, role, PASSWORD)
    return email


def logged_in(browser: Browser, service: RunningService, email: str) -> Page:
    page = browser.new_context(base_url=service.base_url).new_page()
    page.goto("/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    return page


def no_violations(page: Page, where: str) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def texted(service: RunningService, number: str, words: str, timeout: float = 30.0) -> list[str]:
    """The texts sent to a number once one of them contains `words` (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        bodies = [t["body"] for t in service.texts_sent_to(number, expect=0, timeout=0)]
        if any(words in body for body in bodies) or time.monotonic() > deadline:
            return bodies
        time.sleep(0.3)


@pytest.fixture
def sam(browser: Browser, service: RunningService) -> Iterator[Page]:
    page = logged_in(browser, service, account(service, "lancashire", "Sam"))
    yield page
    page.context.close()


def test_an_adviser_sees_an_escalation_arrive_replies_by_sms_and_resolves_it(
    sam: Page, browser: Browser, service: RunningService, young_person: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    no_violations(sam, "inbox")
    alex = logged_in(browser, service, account(service, "northbridge", "Alex"))

    service.text_in("I want to talk to a real person", young_person)
    # The inbox updates by itself: no reload.
    row = sam.locator("table.inbox tr", has_text="Asked for a person")
    expect(row).to_be_visible(timeout=30_000)
    expect(sam.get_by_role("status")).to_have_text("Inbox updated")
    sam.screenshot(path=ARTIFACTS / "console-inbox.png")
    no_violations(sam, "inbox with an escalation")

    row.get_by_role("link", name=re.compile("^Open")).click()
    expect(sam.get_by_role("heading", name="Conversation by text message")).to_be_visible()
    conversation_url = sam.url
    transcript = sam.locator("#transcript")
    expect(transcript).to_contain_text("I want to talk to a real person")
    expect(transcript).to_contain_text("Understood as")
    no_violations(sam, "conversation")

    reply = "Hi, it's Sam from the leaving care team. How can I help?"
    sam.get_by_label(re.compile("^Take over and reply")).fill(reply)
    sam.get_by_role("button", name="Take over and send").click()
    expect(sam.get_by_role("button", name="Hand back to the assistant", exact=True)).to_be_visible()
    bodies = texted(service, young_person, reply)
    assert reply in bodies
    assert any("Sam from the leaving care team has joined" in b for b in bodies)

    # The young person answers; it appears in the transcript live and the assistant stays quiet.
    service.text_in("thanks, it's about my rent", young_person)
    expect(transcript).to_contain_text("thanks, it's about my rent", timeout=20_000)
    expect(transcript).to_contain_text("For the adviser")
    sam.screenshot(path=ARTIFACTS / "console-conversation.png", full_page=True)

    sam.get_by_role("button", name="Resolve and hand back to the assistant").click()
    expect(sam.get_by_role("button", name=re.compile("^Resolve"))).to_have_count(0)
    assert any("The assistant is back" in b for b in texted(service, young_person, "is back"))
    sam.get_by_role("link", name="Inbox", exact=True).click()
    sam.get_by_role("link", name=re.compile("^Resolved")).click()
    expect(sam.locator("table.inbox")).to_contain_text("Asked for a person")

    for name, heading in (("Callbacks", "Callbacks"), ("Reports", "Reports")):
        sam.get_by_role("link", name=name, exact=True).click()
        expect(sam.get_by_role("heading", name=heading, level=1)).to_be_visible()
        no_violations(sam, name)

    # Northbridge's adviser never saw it, and its address gives them "not found".
    alex.reload()
    expect(alex.locator("main")).not_to_contain_text("Asked for a person")
    assert alex.goto(conversation_url).status == 404
    alex.context.close()
