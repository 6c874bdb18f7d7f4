"""The web chat widget in a real browser (Debian's Chromium, driven by Playwright), on the
demo council page, against the whole running assistant: as a young person would use it by
keyboard, mouse and small screen, with axe-core checking WCAG 2.2 AA. A screenshot of the
widget is saved in build/test-artifacts/."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, Route, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.accounts import create_account
from sms_gateway.models import Escalation, Message, WebSession
from tests.console_user import PASSWORD, ConsoleUser
from tests.integration.conftest import RunningService

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STORE_KEY = "care-leavers-chat:lancashire"
EXIT_URL = "https://www.bbc.co.uk/weather"
NEUTRAL_PAGE = "<title>Weather</title><h1>Weather</h1>"
REPORT_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(
    {file: e.sourceFile, blocked: e.blockedURI, directive: e.violatedDirective}));
"""
QUESTION = "can I stay with my foster carers after 18"

# One browser on one database is enough: the service's storage is tested on both elsewhere.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("service", ["sqlite"], indirect=True),
]


@pytest.fixture
def page(browser: Browser, service: RunningService) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # No internet here: the quick-exit site is answered locally, as a neutral page.
    page.route(
        re.compile(r"https://www\.bbc\.co\.uk/.*"),
        lambda route: route.fulfill(
            body="<title>Weather</title><h1>Weather</h1>", content_type="text/html"
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.goto(f"{service.base_url}/demo/lancashire")
    yield page
    # A script error, or anything of the page or widget the page's policy blocked. (axe-core,
    # injected by the tests themselves, trips the policy too; its reports have no file.)
    violations = [v for v in page.evaluate("window.cspViolations || []") if v["file"]]
    assert not errors and not violations, (errors, violations)
    context.close()


def widget(page: Page) -> Locator:
    return page.locator("#care-leavers-chat")


def focused_in_widget(page: Page) -> str:
    """The class of the element focused inside the widget's shadow root ("" if none)."""
    return page.evaluate(
        """() => {
            const host = document.getElementById("care-leavers-chat");
            if (document.activeElement !== host) return "";
            const inner = host.shadowRoot.activeElement;
            return inner ? (inner.className || inner.id || inner.tagName) : "";
        }"""
    )


def open_by_keyboard(page: Page) -> None:
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused_in_widget(page) == "launcher":
            break
    assert focused_in_widget(page) == "launcher", "the launcher is not reachable by Tab"
    page.keyboard.press("Enter")
    expect(widget(page).get_by_role("dialog", name="Leaving care help")).to_be_visible()
    assert focused_in_widget(page) == "message"  # focus moved into the chat


def ask(page: Page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def last_answer(page: Page) -> Locator:
    answers = widget(page).locator(".message.from-bot")
    expect(answers.first).to_be_visible(timeout=30_000)
    return answers.last


def no_violations(page: Page, where: str) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def conversation_of_page(page: Page, service: RunningService) -> str:
    stored = json.loads(page.evaluate(f"sessionStorage.getItem({STORE_KEY!r})"))
    with service.engine.connect() as connection:
        return connection.execute(
            select(WebSession.conversation_id).where(WebSession.id == stored["id"])
        ).scalar_one()


def adviser(service: RunningService, name: str) -> ConsoleUser:
    """A Lancashire adviser logged in to the console (over real HTTP)."""
    email = f"{name.lower()}-{secrets.token_hex(4)}@lancashire.example"
    with Session(service.engine) as session, session.begin():
        account = create_account(session, "lancashire", email, name, "adviser", PASSWORD)
        account_id = account.id
    return ConsoleUser(httpx.Client(base_url=service.base_url), account_id).log_in(email)


def test_by_keyboard_a_question_gets_an_answer_with_its_sources_as_links(page: Page) -> None:
    no_violations(page, "closed")
    open_by_keyboard(page)
    no_violations(page, "open, empty")
    ask(page, QUESTION)
    answer = last_answer(page)
    expect(answer).to_contain_text("Staying Put", ignore_case=True)
    # A long answer is shown from its start, not scrolled to its end.
    expect(answer.locator(".who")).to_be_in_viewport()
    source = answer.locator(".sources a").first
    expect(source).to_have_attribute("href", re.compile(r"^https://"))
    # The young person's message and the answer are in the live log screen readers follow.
    log = widget(page).get_by_role("log", name="Conversation")
    expect(log).to_contain_text(QUESTION)
    no_violations(page, "open, with an answer")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "widget.png")
    # Escape closes the chat and gives focus back to the launcher.
    page.keyboard.press("Escape")
    expect(widget(page).get_by_role("dialog")).to_be_hidden()
    assert focused_in_widget(page) == "launcher"


def test_a_message_whose_answer_was_lost_is_sent_again_and_answered_once(
    page: Page, service: RunningService
) -> None:
    """The first try reaches the service (stored, answered) but its answer is lost on the way
    back (a 503 from a proxy, a dropped connection): the widget sends it again with the same
    id, and the young person sees one message and one answer; the service stored one."""
    lost: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # it reaches the service ...
            lost.append(route.request.post_data_json["client_message_id"])
            route.fulfill(status=503, body="")  # ... and the answer never comes back
        else:
            route.continue_()

    page.route(re.compile(r".*/api/chat/sessions/[^/]+/messages$"), lose_the_first_answer)
    open_by_keyboard(page)
    ask(page, QUESTION)
    expect(last_answer(page)).to_contain_text("Staying Put", ignore_case=True)
    assert lost, "the first try was not intercepted"
    expect(widget(page).locator(".message.from-bot", has_text="Staying Put")).to_have_count(1)
    expect(widget(page).locator(".message.from-young_person")).to_have_count(1)
    with service.engine.connect() as connection:
        inbound = connection.execute(
            select(Message.text).where(
                Message.conversation_id == conversation_of_page(page, service),
                Message.direction == "in",
            )
        ).all()
    assert [text for (text,) in inbound] == [QUESTION]


def test_tab_and_shift_tab_reach_every_control_of_the_chat_in_reading_order(page: Page) -> None:
    open_by_keyboard(page)  # focus is in the message box

    def walk(key: str, steps: int) -> list[str]:
        seen = []
        for _ in range(steps):
            page.keyboard.press(key)
            seen.append(focused_in_widget(page))
        return seen

    assert walk("Tab", 3) == ["send", "person", "end"]
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert focused_in_widget(page) == "message"
    assert walk("Shift+Tab", 3) == ["log", "close", "exit"]
    # Enter on a focused button works as a click: Close returns focus to the launcher.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(widget(page).get_by_role("dialog")).to_be_hidden()
    assert focused_in_widget(page) == "launcher"


def test_talk_to_a_person_is_always_one_button_away(page: Page, service: RunningService) -> None:
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    widget(page).get_by_role("button", name="Talk to a person").click()
    expect(last_answer(page)).to_contain_text("team", ignore_case=True)
    conversation = conversation_of_page(page, service)
    with service.engine.connect() as connection:
        reasons = (
            connection.execute(
                select(Escalation.reason).where(Escalation.conversation_id == conversation)
            )
            .scalars()
            .all()
        )
    assert reasons == ["asked_for_person"]


def test_when_the_assistant_is_unsure_its_options_are_buttons(page: Page) -> None:
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    # Two messages the assistant cannot place bring options (ask for a callback, or a
    # person). Which made-up words the model calls "not understood" changes with each
    # training, so the test names the intent in Rasa's own "/intent" syntax.
    ask(page, "/nlu_fallback")
    expect(widget(page).locator(".message.from-bot")).to_have_count(1, timeout=30_000)
    ask(page, "/nlu_fallback")
    expect(widget(page).locator(".message.from-bot")).to_have_count(2, timeout=30_000)
    options = widget(page).get_by_role("group", name="Choose one").last
    buttons = options.get_by_role("button")
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 2
    chosen = buttons.first.inner_text()
    buttons.first.click()
    # The choice shows as the young person's message and the assistant answers it.
    expect(widget(page).locator(".message.from-young_person").last).to_contain_text(chosen)
    expect(widget(page).locator(".message.from-bot")).to_have_count(3, timeout=30_000)


def test_an_advisers_message_arrives_live_marked_as_from_a_person(
    page: Page, service: RunningService
) -> None:
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    ask(page, QUESTION)
    last_answer(page)
    conversation = conversation_of_page(page, service)
    greeting = "Hi, it's Sam. How are you?"

    sam = adviser(service, "Sam")
    sent = sam.post(f"/console/conversations/{conversation}/reply", {"text": greeting})
    assert sent.status_code == 303, sent.text

    person = widget(page).locator(".message.from-adviser")
    expect(person).to_contain_text(greeting, timeout=10_000)
    expect(person).to_contain_text("Sam, leaving care team (a person)")
    expect(widget(page).get_by_role("status")).to_have_text("New message from Sam")
    page.screenshot(path=ARTIFACTS / "widget-adviser.png")


def test_the_chat_follows_the_young_person_to_another_page_and_end_chat_clears_it(
    page: Page, service: RunningService
) -> None:
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    ask(page, QUESTION)
    last_answer(page)
    page.get_by_role("link", name="Housing help").first.click()
    expect(page).to_have_url(re.compile(r"/demo/lancashire/housing$"))
    # Open where it was, with the conversation fetched again from the service...
    expect(widget(page).get_by_role("log")).to_contain_text(QUESTION)
    expect(widget(page).locator(".message.from-bot").first).to_be_visible()
    # ...while the browser keeps only the session (no transcript, nothing in localStorage).
    stored = page.evaluate(f"sessionStorage.getItem({STORE_KEY!r})")
    assert "foster" not in stored and set(json.loads(stored)) == {"id", "token", "open"}
    assert page.evaluate("localStorage.length") == 0

    session_id = json.loads(stored)["id"]
    token = json.loads(stored)["token"]
    widget(page).get_by_role("button", name="End chat").click()
    expect(widget(page).get_by_role("log")).not_to_contain_text(QUESTION)
    assert page.evaluate(f"sessionStorage.getItem({STORE_KEY!r})") is None
    gone = httpx.get(
        f"{service.base_url}/api/chat/sessions/{session_id}/messages",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert gone.status_code == 404


def test_quick_exit_leaves_at_once_and_the_back_button_does_not_return(page: Page) -> None:
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    widget(page).get_by_role("button", name="Quick exit").click()
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    assert "/demo/" not in page.url


@pytest.mark.parametrize(
    "height",
    [
        pytest.param(640, id="phone"),
        # A 1280 by 1024 screen at 400% zoom is 320 by 256 CSS pixels (WCAG 1.4.10).
        pytest.param(256, id="400%-zoom"),
    ],
)
def test_at_320px_wide_it_fills_the_screen_and_works_without_sideways_scrolling(
    browser: Browser, service: RunningService, height: int
) -> None:
    context = browser.new_context(
        viewport={"width": 320, "height": height}, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(f"{service.base_url}/demo/lancashire")
    widget(page).get_by_role("button", name="Chat: ask about leaving care").click()
    dialog = widget(page).get_by_role("dialog")
    box = dialog.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Everything can still be reached and used: ask a question and get the answer.
    ask(page, QUESTION)
    expect(last_answer(page)).to_contain_text("Staying Put", ignore_case=True)
    for name in ("Send", "Talk to a person", "End chat", "Quick exit"):
        control = widget(page).get_by_role("button", name=name)
        control.scroll_into_view_if_needed()
        expect(control).to_be_in_viewport()
    # Every control is at least 24 by 24 CSS pixels (WCAG 2.5.8).
    for button in widget(page).get_by_role("button").all():
        if button.is_visible():
            size = button.bounding_box()
            assert size and size["width"] >= 24 and size["height"] >= 24, button.inner_text()
    # Reduced motion: the typing dots do not move.
    animation = page.evaluate(
        """() => getComputedStyle(document.getElementById("care-leavers-chat")
              .shadowRoot.querySelector(".typing .dot")).animationName"""
    )
    assert animation == "none"
    no_violations(page, "320px")
    context.close()


def test_the_pages_own_styles_do_not_reach_into_the_widget(page: Page) -> None:
    # demo.css sets letter-spacing on every button and a 10px root font size.
    spacing, size = page.evaluate(
        """() => {
            const launcher = document.getElementById("care-leavers-chat")
                .shadowRoot.querySelector(".launcher");
            const style = getComputedStyle(launcher);
            return [style.letterSpacing, parseFloat(style.fontSize)];
        }"""
    )
    assert spacing == "normal"
    assert size >= 16
