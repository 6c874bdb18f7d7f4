"""A local stand-in for Twilio's Messages REST API, with Twilio's wire format.

Twilio cannot be reached from development and CI machines, so the service sends to this
instead (TWILIO_API_BASE_URL). It checks HTTP basic auth like Twilio, takes form-encoded
`To`/`From`/`Body`, answers 201 with a Message resource, and lists what it received at
GET /2010-04-01/Accounts/{AccountSid}/Messages.json (newest first), as Twilio does.

Run: python -m devtools.fake_twilio --port 8090
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import secrets
import threading
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Form, Header, Query
from fastapi.responses import JSONResponse

API_VERSION = "2010-04-01"


def _twilio_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


def create_fake_twilio(account_sid: str, auth_token: str) -> FastAPI:
    app = FastAPI(title="Fake Twilio Messages API")
    messages: list[dict[str, Any]] = []
    lock = threading.Lock()
    expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
    app.state.messages = messages
    # Tests set this to make the next sends fail, like Twilio on a bad day.
    app.state.fail_next: list[tuple[int, int]] = []

    def _authorised(sid: str, authorization: str | None) -> bool:
        return sid == account_sid and secrets.compare_digest(authorization or "", expected_auth)

    @app.post(f"/{API_VERSION}/Accounts/{{sid}}/Messages.json")
    def create_message(
        sid: str,
        To: Annotated[str | None, Form()] = None,
        From: Annotated[str | None, Form()] = None,
        Body: Annotated[str | None, Form()] = None,
        StatusCallback: Annotated[str | None, Form()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if not _authorised(sid, authorization):
            return _twilio_error(401, 20003, "Authenticate")
        if not To:
            return _twilio_error(400, 21604, "A 'To' phone number is required.")
        if not From:
            return _twilio_error(400, 21603, "A 'From' phone number is required.")
        if not Body:
            return _twilio_error(400, 21602, "Message body is required.")
        if app.state.fail_next:
            status, code = app.state.fail_next.pop(0)
            return _twilio_error(status, code, "Injected failure")
        now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message_sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": message_sid,
            "account_sid": sid,
            "to": To,
            "from": From,
            "body": Body,
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "api_version": API_VERSION,
            "status_callback": StatusCallback,
            "uri": f"/{API_VERSION}/Accounts/{sid}/Messages/{message_sid}.json",
        }
        with lock:
            messages.append(message)
        return JSONResponse(message, status_code=201)

    @app.get(f"/{API_VERSION}/Accounts/{{sid}}/Messages.json")
    def list_messages(
        sid: str,
        to: Annotated[str | None, Query(alias="To")] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if not _authorised(sid, authorization):
            return _twilio_error(401, 20003, "Authenticate")
        with lock:
            found = [m for m in reversed(messages) if to is None or m["to"] == to]
        return JSONResponse({"messages": found, "page": 0, "page_size": len(found)})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app = create_fake_twilio(
        os.environ.get("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
        os.environ.get("TWILIO_AUTH_TOKEN", "dev-auth-token"),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
