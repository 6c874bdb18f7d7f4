"""Text the running service as a young person would, through the fake Twilio.

    uv run python -m devtools.send_sms "can I stay with my foster carers after 18"
    uv run python -m devtools.send_sms --from +447700900555 --to +447700900200 "hello"

Defaults match `make run` (service on :8000, fake Twilio on :8090). The text goes to the fake
Twilio's /fake/inbound, which applies STOP/START like Twilio and posts the signed webhook, so
the conversation is kept there. Read it (with segments and delivery status) with:
    uv run python -m devtools.send_sms --show-replies
`--direct` signs the webhook here and posts it straight to the service instead (no fake
Twilio needed, nothing recorded there). The fake's phone page, http://127.0.0.1:8090/, does
the same in a browser.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from devtools.fake_twilio import wire
from devtools.processes import Ports
from sms_gateway.config import get_settings


def signed_webhook(url: str, params: dict[str, str], auth_token: str) -> dict[str, str]:
    """The headers Twilio would send with these form parameters."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    return {"X-Twilio-Signature": signature}


def inbound_params(sender: str, council_number: str, body: str, account_sid: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (the same ones the fake Twilio posts)."""
    return wire.inbound_params(wire.new_sid(), account_sid, sender, council_number, body)


def send_direct(service: str, sender: str, to: str, text: str) -> int:
    """Sign and post the webhook straight to the service, as Twilio would."""
    settings = get_settings()
    params = inbound_params(sender, to, text, settings.twilio_account_sid)
    url = service.rstrip("/") + "/twilio/sms"
    headers = signed_webhook(url, params, settings.twilio_auth_token)
    response = httpx.post(url, data=params, headers=headers)
    print(f"{response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


def send_through_fake(twilio: str, sender: str, to: str, text: str) -> int:
    """Have the fake Twilio receive the text and post the webhook."""
    response = httpx.post(
        f"{twilio.rstrip('/')}/fake/inbound",
        json={"from": sender, "to": to, "body": text},
        timeout=20.0,  # the fake waits up to Twilio's 15 s for the webhook
    )
    response.raise_for_status()
    status = response.json()["webhook_status"]
    print(f"{response.json()['sid']}: the service answered {status or 'nothing (unreachable)'}")
    return 0 if status == 200 else 1


def describe(message: dict[str, Any]) -> str:
    """One line of the thread: who, segments and what happened to it."""
    parts = [f"{message['num_segments']} segment{'s' if message['num_segments'] != 1 else ''}"]
    if message["direction"] == "inbound":
        parts.append(f"webhook {message['webhook_status'] or 'unreachable'}")
    elif message["direction"] == "outbound":
        error = f" {message['error_code']}" if message["error_code"] else ""
        parts.append(f"{message['status']}{error}")
    who = {"inbound": "you ->", "outbound": "<- service", "twilio": "<- Twilio"}
    return f"{who[message['direction']]} ({', '.join(parts)}): {message['body']}"


def show_thread(twilio: str, sender: str, to: str) -> int:
    response = httpx.get(
        f"{twilio.rstrip('/')}/fake/thread", params={"phone": sender, "council_number": to}
    )
    response.raise_for_status()
    thread = response.json()
    for message in thread["messages"]:
        print(describe(message) + "\n")
    if thread["opted_out"]:
        print("(opted out: Twilio refuses texts from this council number to this phone)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Text the service as a young person.")
    parser.add_argument("text", nargs="?")
    parser.add_argument("--from", dest="sender", default="+447700900555")
    parser.add_argument("--to", default="+447700900100", help="the council's number")
    parser.add_argument("--show-replies", action="store_true", help="print the conversation")
    parser.add_argument(
        "--direct", action="store_true", help="post the signed webhook straight to the service"
    )
    parser.add_argument("--service", default=f"http://127.0.0.1:{Ports().service}")
    parser.add_argument("--twilio", default=f"http://127.0.0.1:{Ports().fake_twilio}")
    args = parser.parse_args(argv)

    try:
        if args.show_replies:
            return show_thread(args.twilio, args.sender, args.to)
        if not args.text:
            parser.error("give the text to send, or --show-replies")
        if args.direct:
            return send_direct(args.service, args.sender, args.to, args.text)
        return send_through_fake(args.twilio, args.sender, args.to, args.text)
    except httpx.HTTPError as error:
        print(f"failed: {type(error).__name__} {error} (is `make run` running?)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
