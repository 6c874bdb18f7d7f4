"""Twilio's webhooks: inbound SMS and delivery status callbacks.

Both check Twilio's signature against PUBLIC_BASE_URL before anything is read or stored,
and answer at once: the assistant's reply is produced in the background and sent through
the outbox, so a slow assistant never makes Twilio time out and retry.

They are served by the service, and by the SMS intake process (sms_gateway.intake) where a
council runs one: `app.state.texts` stores each text (or spools it while the database is
down), and `app.state.inbound_sms` says what happens to it once stored.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from sms_gateway.db import transaction
from sms_gateway.models import Message, utcnow
from sms_gateway.outbox import advance_status, opt_out
from sms_gateway.routes.twilio_requests import signed_form
from sms_gateway.spool import ReceivedText
from sms_gateway.twilio_api import OPTED_OUT

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/twilio", tags=["sms"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY_CHARS = 1600  # Twilio's own limit for one message body
# Twilio's statuses -> ours. queued/accepted/sending at Twilio all mean Twilio has it.
TWILIO_STATUSES = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/sms")
async def inbound_sms(request: Request) -> Response:
    params = await signed_form(request)
    sid, sender, council_number = params.get("MessageSid"), params.get("From"), params.get("To")
    # PostgreSQL cannot hold a NUL character in text; nobody means one.
    body = params.get("Body", "").replace("\x00", "")
    if not (sid and sender and council_number):
        return Response("malformed Twilio request", status.HTTP_400_BAD_REQUEST)
    if len(body) > MAX_BODY_CHARS:
        return Response("message longer than Twilio allows", status.HTTP_400_BAD_REQUEST)

    # Stored, or kept in the spool while the database is down: either way it is taken.
    await request.app.state.texts.take(
        ReceivedText(sid, sender, council_number, body, params.get("OptOutType"), utcnow())
    )
    return _twiml()


@router.post("/status")
async def status_callback(
    request: Request, message: Annotated[int | None, Query()] = None
) -> Response:
    """Twilio's delivery report for one of our texts (`?message=` is our own id)."""
    params = await signed_form(request)
    twilio_status = params.get("MessageStatus") or params.get("SmsStatus")
    sid = params.get("MessageSid") or params.get("SmsSid")
    if message is None or not twilio_status or not sid:
        return Response("malformed status callback", status.HTTP_400_BAD_REQUEST)
    new_status = TWILIO_STATUSES.get(twilio_status)
    error_code = params.get("ErrorCode") or None
    await run_in_threadpool(
        _record_status, request.app.state, message, sid, twilio_status, new_status, error_code
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _record_status(
    state: State,
    message_id: int,
    sid: str,
    twilio_status: str,
    new_status: str | None,
    error_code: str | None,
) -> None:
    with transaction(state.sessions) as session:
        stored = session.get(Message, message_id, with_for_update=True)
        if stored is None or stored.direction != "out" or stored.external_id not in (None, sid):
            # Not ours (or no longer held): acknowledge so Twilio does not keep trying.
            logger.warning("status callback for an unknown message")
            return
        stored.external_id = sid
        if new_status and advance_status(stored, new_status):
            stored.error_code = error_code
        if error_code == OPTED_OUT:
            opt_out(stored.conversation.contact, source="21610")
        logger.info(
            "sms %s status %s%s",
            message_id,
            twilio_status,
            f" ({error_code})" if error_code else "",
        )
