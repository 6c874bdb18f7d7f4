"""The fake Twilio's phone page (`make run` prints its address) in Chromium: a developer or a
council tester texts the assistant as a young person would and sees the reply arrive with
its delivery status."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.integration.conftest import RunningService

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("service", ["sqlite"], indirect=True),
]


def test_a_text_from_the_phone_page_gets_the_assistants_answer_delivered(
    browser: Browser, service: RunningService, young_person: str
) -> None:
    page = browser.new_page()
    page.goto(service.twilio_url + "/")
    page.get_by_label("Your number").fill(young_person)
    page.get_by_role("textbox", name="Message", exact=True).fill(
        "can I stay with my foster carers after 18"
    )
    page.get_by_role("button", name="Send").click()

    thread = page.get_by_role("log")
    expect(thread.locator(".msg.inbound")).to_contain_text("foster carers")
    answer = thread.locator(".msg.outbound").filter(has_text="Staying Put").first
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer.locator(".meta")).to_contain_text("delivered", timeout=15_000)
    page.close()
