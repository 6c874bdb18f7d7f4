"""Twilio's wire formats: sids, dates, error bodies, Message resources, webhook parameters
and request signatures. Everything the fake sends or answers is built here, so it matches
what the real Twilio sends byte for byte where the service could notice."""

from __future__ import annotations

import datetime as dt
import secrets
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator

from knowledge.sms_text import segments

API_VERSION = "2010-04-01"
COUNTRY = "GB"  # every number the fake sees is a UK one

# What Twilio says about the delivery errors tests are likely to inject.
ERROR_MESSAGES = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}


def new_sid(prefix: str = "SM") -> str:
    """A Twilio sid: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def now_rfc2822() -> str:
    """Twilio's resource dates: 'Thu, 30 Jul 2015 20:12:31 +0000' (locale-independent)."""
    return format_datetime(dt.datetime.now(dt.timezone.utc))


def twilio_error(status: int, code: int, message: str | None = None) -> JSONResponse:
    """Twilio's error body for a refused API request."""
    return JSONResponse(
        {
            "code": code,
            "message": message or HTTPStatus(status).phrase,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def message_resource(account_sid: str, to: str, from_: str, body: str) -> dict[str, Any]:
    """A new outbound Message resource, as the create call answers it."""
    sid, now = new_sid(), now_rfc2822()
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": str(segments(body)),
        "price": None,
        "price_unit": "GBP",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"
        },
        "to": to,
        "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
    }


def inbound_params(sid: str, account_sid: str, sender: str, to: str, body: str) -> dict[str, str]:
    """The form fields Twilio posts to a number's webhook for an inbound SMS.

    No MessagingServiceSid: the council numbers are plain long codes, not in a service.
    """
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": str(segments(body)),
        "SmsStatus": "received",
        "FromCountry": COUNTRY,
        "ToCountry": COUNTRY,
        "ApiVersion": API_VERSION,
    }


def status_callback_params(resource: dict[str, Any]) -> dict[str, str]:
    """The form fields of a status callback for the resource's current status."""
    params = {
        "MessageSid": resource["sid"],
        "SmsSid": resource["sid"],
        "MessageStatus": resource["status"],
        "SmsStatus": resource["status"],
        "AccountSid": resource["account_sid"],
        "From": resource["from"],
        "To": resource["to"],
        "ApiVersion": API_VERSION,
    }
    if resource["status"] in ("failed", "undelivered") and resource["error_code"]:
        params["ErrorCode"] = str(resource["error_code"])
    return params


def signature_headers(auth_token: str, url: str, params: dict[str, str]) -> dict[str, str]:
    """X-Twilio-Signature over the exact URL (query string included) and the form fields."""
    return {"X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, params)}
