"""Text the running service as a young person would, through a signed Twilio webhook.

    uv run python -m devtools.send_sms "can I stay with my foster carers after 18"
    uv run python -m devtools.send_sms --from +447700900555 --to +447700900200 "hello"

Defaults match `make run` (service on :8000, fake Twilio on :8090). Then read the replies
the service sent, on the fake Twilio:
    uv run python -m devtools.send_sms --show-replies
"""

from __future__ import annotations

import argparse
import secrets
import sys

import httpx
from twilio.request_validator import RequestValidator

from devtools.processes import Ports
from sms_gateway.config import get_settings


def signed_webhook(url: str, params: dict[str, str], auth_token: str) -> dict[str, str]:
    """The headers Twilio would send with these form parameters."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    return {"X-Twilio-Signature": signature}


def inbound_params(sender: str, council_number: str, body: str, account_sid: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (the ones the service reads, and more)."""
    return {
        "MessageSid": "SM" + secrets.token_hex(16),
        "SmsSid": "",
        "AccountSid": account_sid,
        "From": sender,
        "To": council_number,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "GB",
        "ToCountry": "GB",
        "ApiVersion": "2010-04-01",
    }


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description="Send a signed inbound SMS to the service.")
    parser.add_argument("text", nargs="?")
    parser.add_argument("--from", dest="sender", default="+447700900555")
    parser.add_argument("--to", default="+447700900100", help="the council's number")
    parser.add_argument("--show-replies", action="store_true")
    parser.add_argument("--service", default=f"http://127.0.0.1:{Ports().service}")
    parser.add_argument("--twilio", default=f"http://127.0.0.1:{Ports().fake_twilio}")
    args = parser.parse_args(argv)
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)

    if args.show_replies:
        url = f"{args.twilio}/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
        for message in reversed(httpx.get(url, auth=auth).json()["messages"]):
            print(f"{message['from']} -> {message['to']}: {message['body']}\n")
        return 0
    if not args.text:
        parser.error("give the text to send, or --show-replies")
    params = inbound_params(args.sender, args.to, args.text, settings.twilio_account_sid)
    url = args.service.rstrip("/") + "/twilio/sms"
    response = httpx.post(
        url, data=params, headers=signed_webhook(url, params, settings.twilio_auth_token)
    )
    print(f"{response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
