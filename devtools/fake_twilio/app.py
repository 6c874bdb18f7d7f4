"""The fake Twilio application: Messages API, /fake/ controls, health and the phone page."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from devtools.fake_twilio.api import messages_router
from devtools.fake_twilio.config import DEFAULT_WEBHOOK_URL, FakeConfig
from devtools.fake_twilio.controls import controls_router
from devtools.fake_twilio.state import FakeState
from knowledge.loader import knowledge_base

PHONE_PAGE = Path(__file__).with_name("phone_page.html")
UNUSED_NUMBER = "+447700900999"  # no council has it: shows what the service does then


def create_fake_twilio(
    account_sid: str,
    auth_token: str,
    webhook_url: str = DEFAULT_WEBHOOK_URL,
    step_seconds: float = 0.2,
) -> FastAPI:
    config = FakeConfig(account_sid, auth_token, webhook_url, step_seconds)
    state = FakeState()
    app = FastAPI(title="Fake Twilio")
    app.state.fake = state  # for in-process tests
    app.include_router(messages_router(config, state))
    app.include_router(controls_router(config, state))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def phone_page() -> str:
        return PHONE_PAGE.read_text(encoding="utf-8").replace(
            "<!-- council options -->", council_options()
        )

    return app


def council_options() -> str:
    """<option>s for every council number, then one no council uses."""
    _, councils = knowledge_base()
    numbers = [
        (number, f"{council.name} ({number})")
        for council in councils.values()
        for number in council.sms_numbers
    ]
    numbers.append((UNUSED_NUMBER, f"A number no council uses ({UNUSED_NUMBER})"))
    return "\n".join(
        f'<option value="{html.escape(number)}">{html.escape(label)}</option>'
        for number, label in numbers
    )
