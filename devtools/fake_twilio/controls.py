"""Controls under /fake/ for tests and developers only: Twilio has nothing like them.

JSON in and out, no authentication: queue failures for the next create calls, block or
unblock a pair as a carrier would, text a council number as a young person, read a thread.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from devtools.fake_twilio.config import FakeConfig
from devtools.fake_twilio.delivery import post_webhook
from devtools.fake_twilio.optout import Action, confirmation, keyword_action
from devtools.fake_twilio.state import Failure, FakeState
from devtools.fake_twilio.wire import inbound_params, new_sid, now_rfc2822
from knowledge.sms_text import segments

DEFAULT_UNDELIVERED_CODE = 30003  # Unreachable destination handset


class FailureSpec(BaseModel):
    mode: Literal["http", "timeout", "undelivered"]
    status: int = Field(503, ge=400, le=599)  # http
    code: int | None = None  # http: Twilio's code (20000 + status by default); undelivered
    delay_seconds: float = Field(20.0, ge=0, le=300)  # timeout: beyond the service's 15 s
    count: int = Field(1, ge=1)

    def failure(self) -> Failure:
        if self.mode == "http":
            return Failure("http", status=self.status, code=self.code or 20000 + self.status)
        if self.mode == "timeout":
            return Failure("timeout", delay_seconds=self.delay_seconds)
        return Failure("undelivered", code=self.code or DEFAULT_UNDELIVERED_CODE)


class Pair(BaseModel):
    phone: str
    council_number: str


class Inbound(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    body: str = Field(min_length=1, max_length=1600)


def controls_router(config: FakeConfig, state: FakeState) -> APIRouter:
    router = APIRouter(prefix="/fake", tags=["test controls (not Twilio)"])

    @router.get("/failures")
    def pending_failures() -> dict[str, Any]:
        return {"queued": state.pending_failures()}

    @router.post("/failures")
    def queue_failures(specs: Annotated[FailureSpec | list[FailureSpec], Body()]) -> dict[str, Any]:
        for spec in specs if isinstance(specs, list) else [specs]:
            state.queue_failure(spec.failure(), spec.count)
        return {"queued": state.pending_failures()}

    @router.delete("/failures")
    def clear_failures() -> dict[str, Any]:
        state.clear_failures()
        return {"queued": []}

    @router.post("/optouts")
    def block(pair: Pair) -> dict[str, Any]:
        state.block(pair.phone, pair.council_number)
        return {**pair.model_dump(), "opted_out": True}

    @router.delete("/optouts")
    def unblock(pair: Pair) -> dict[str, Any]:
        state.unblock(pair.phone, pair.council_number)
        return {**pair.model_dump(), "opted_out": False}

    @router.post("/inbound")
    async def receive_sms(inbound: Inbound) -> dict[str, Any]:
        """Twilio receiving an SMS: opt-out keywords, then the signed webhook."""
        sid = new_sid()
        sender, council_number, body = inbound.from_, inbound.to, inbound.body
        entry = _entry("inbound", sid, sender, council_number, body)
        # Recorded before the webhook is posted: the phone page shows it while it waits.
        entry |= {"webhook_status": None, "webhook_pending": True}
        state.add_entry(sender, council_number, entry)
        if action := keyword_action(body):
            apply_keyword(state, action, sender, council_number)
        params = inbound_params(sid, config.account_sid, sender, council_number, body)
        status = await post_webhook(config.webhook_url, params, config.auth_token)
        state.set_webhook_status(sid, status)
        return {"sid": sid, "webhook_status": status}

    @router.get("/thread")
    def thread(
        phone: Annotated[str, Query()], council_number: Annotated[str, Query()]
    ) -> dict[str, Any]:
        return {
            "phone": phone,
            "council_number": council_number,
            "opted_out": state.is_blocked(phone, council_number),
            "messages": state.thread(phone, council_number),
        }

    return router


def apply_keyword(state: FakeState, action: Action, phone: str, council_number: str) -> None:
    """Block or unblock the pair, and record the confirmation Twilio texts back."""
    if action == "opt-out":
        state.block(phone, council_number)
    else:
        state.unblock(phone, council_number)
    reply = _entry("twilio", new_sid(), "Twilio", phone, confirmation(action))
    state.add_entry(phone, council_number, reply)


def _entry(direction: str, sid: str, from_: str, to: str, body: str) -> dict[str, Any]:
    return {
        "direction": direction,
        "sid": sid,
        "from": from_,
        "to": to,
        "body": body,
        "num_segments": segments(body),
        "date_created": now_rfc2822(),
    }
