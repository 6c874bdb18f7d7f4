"""python -m devtools.fake_twilio --port 8090 --webhook-url http://127.0.0.1:8000/twilio/sms"""

from __future__ import annotations

import argparse
import os

import uvicorn

from devtools.fake_twilio import DEFAULT_WEBHOOK_URL, create_fake_twilio

DEV_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEV_AUTH_TOKEN = "dev-auth-token"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for Twilio.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--webhook-url", default=DEFAULT_WEBHOOK_URL, help="where inbound SMS are posted"
    )
    args = parser.parse_args(argv)
    app = create_fake_twilio(
        os.environ.get("TWILIO_ACCOUNT_SID", DEV_ACCOUNT_SID),
        os.environ.get("TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN),
        webhook_url=args.webhook_url,
    )
    # Warning level: access logs would carry phone numbers (the page polls /fake/thread).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
