"""Reading a request from Twilio: size limit, form parsing and the signature check."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, status
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

# Twilio's webhooks are a few hundred bytes; a 1600-character body form-encoded is under 10 KB.
MAX_REQUEST_BYTES = 32 * 1024


def public_url(request: Request, base: str) -> str:
    """The URL Twilio signed: our public base URL (with any path prefix a reverse proxy
    adds), not the internal one the request arrived on."""
    url = base.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def signed_form(request: Request) -> dict[str, str]:
    """The form Twilio posted, or an HTTPException: 413 too big, 403 bad or missing
    signature, 400 not a form Twilio would send. Nothing is stored before this passes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request too large")
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_REQUEST_BYTES:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request too large")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        pairs = None
    params = dict(pairs) if pairs is not None else {}
    settings = request.app.state.settings
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.twilio_auth_token)
    if (
        pairs is None
        or len(params) != len(pairs)  # a repeated field: not something Twilio sends
        or not signature
        or not validator.validate(public_url(request, settings.public_base_url), params, signature)
    ):
        logger.warning("refused twilio request to %s: bad or missing signature", request.url.path)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid Twilio signature")
    return params
