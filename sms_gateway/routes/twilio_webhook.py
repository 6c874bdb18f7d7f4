"""Twilio's inbound SMS webhook: check the signature, store once, answer at once."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response, status
from twilio.request_validator import RequestValidator

from sms_gateway.db import transaction
from sms_gateway.store import open_conversation, record_inbound_sms, sms_contact

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/twilio", tags=["sms"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY_CHARS = 1600  # Twilio's own limit for one message body


def public_url(request: Request, base: str) -> str:
    """The URL Twilio signed: our public base URL, not the one a reverse proxy forwarded to."""
    url = base.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/sms")
async def inbound_sms(request: Request) -> Response:
    settings = request.app.state.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.twilio_auth_token)
    if not signature or not validator.validate(
        public_url(request, settings.public_base_url), params, signature
    ):
        logger.warning("refused inbound sms: bad or missing signature")
        return Response("invalid Twilio signature", status.HTTP_403_FORBIDDEN)

    sid, sender, council_number = params.get("MessageSid"), params.get("From"), params.get("To")
    body = params.get("Body", "")
    if not (sid and sender and council_number) or len(body) > MAX_BODY_CHARS:
        return Response("malformed Twilio request", status.HTTP_400_BAD_REQUEST)

    council = request.app.state.councils.for_sms_number(council_number)
    with transaction(request.app.state.sessions) as session:
        conversation = open_conversation(session, sms_contact(session, sender), council.id)
        message = record_inbound_sms(session, conversation, body.strip(), sid, council_number)
    if message is None:
        logger.info("duplicate inbound sms ignored (Twilio retry)")
        return _twiml()
    logger.info("inbound sms %s stored for council %s", message.id, council.id)
    request.app.state.flow.in_background(request.app.state.flow.answer_sms(message.id))
    return _twiml()
