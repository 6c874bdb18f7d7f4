"""The settings one fake Twilio runs with."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/twilio/sms"


@dataclass(frozen=True)
class FakeConfig:
    account_sid: str
    auth_token: str
    webhook_url: str = DEFAULT_WEBHOOK_URL  # where inbound SMS are posted (a number's webhook)
    step_seconds: float = 0.2  # between queued, sent and delivered
