"""Twilio's Messages REST API: create, list and fetch Message resources.

Create checks basic auth and the required fields like Twilio, refuses numbers that opted out
(21610), applies any failure a test queued, then answers 201 and delivers in the background.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Query
from fastapi.responses import JSONResponse

from devtools.fake_twilio.config import FakeConfig
from devtools.fake_twilio.delivery import start_delivery
from devtools.fake_twilio.state import FakeState
from devtools.fake_twilio.wire import API_VERSION, message_resource, twilio_error

MESSAGES = f"/{API_VERSION}/Accounts/{{sid}}/Messages"

Auth = Annotated[str | None, Header(alias="Authorization")]


def messages_router(config: FakeConfig, state: FakeState) -> APIRouter:
    router = APIRouter(tags=["Twilio Messages API"])
    credentials = f"{config.account_sid}:{config.auth_token}".encode()
    expected_auth = "Basic " + base64.b64encode(credentials).decode()

    def authorised(sid: str, authorization: str | None) -> bool:
        return sid == config.account_sid and secrets.compare_digest(
            authorization or "", expected_auth
        )

    @router.post(MESSAGES + ".json")
    async def create_message(
        sid: str,
        authorization: Auth = None,
        To: Annotated[str | None, Form()] = None,
        From: Annotated[str | None, Form()] = None,
        Body: Annotated[str | None, Form()] = None,
        StatusCallback: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        if not authorised(sid, authorization):
            return twilio_error(401, 20003, "Authenticate")
        if not To:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not From:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not Body:
            return twilio_error(400, 21602, "Message body is required.")
        # An outage comes before Twilio looks at the message at all.
        if failure := state.take_failure("http"):
            return twilio_error(failure.status or 500, failure.code or 20500)
        if state.is_blocked(To, From):
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")

        failure = state.take_failure("timeout", "undelivered")
        resource = message_resource(sid, To, From, Body)
        state.add_message(resource, StatusCallback)
        undelivered = failure.code if failure and failure.mode == "undelivered" else None
        if failure and failure.mode == "timeout":
            # Taken, but the client hears nothing in time (nor any status callback: Twilio
            # is slow all round): the ambiguous case, where only asking Twilio tells.
            await asyncio.sleep(failure.delay_seconds or 0)
        start_delivery(state, resource["sid"], config.auth_token, config.step_seconds, undelivered)
        return JSONResponse(resource, status_code=201)

    @router.get(MESSAGES + ".json")
    def list_messages(
        sid: str,
        authorization: Auth = None,
        to: Annotated[str | None, Query(alias="To")] = None,
        from_: Annotated[str | None, Query(alias="From")] = None,
        date_sent: Annotated[str | None, Query(alias="DateSent")] = None,
        page: Annotated[int, Query(alias="Page", ge=0)] = 0,
        page_size: Annotated[int, Query(alias="PageSize", ge=1, le=1000)] = 50,
    ) -> JSONResponse:
        if not authorised(sid, authorization):
            return twilio_error(401, 20003, "Authenticate")
        try:
            day = dt.date.fromisoformat(date_sent) if date_sent else None
        except ValueError:
            return twilio_error(400, 20001, "DateSent must be a date: YYYY-MM-DD")
        found = state.messages(to=to, from_=from_, date_sent=day)
        start = page * page_size
        shown = found[start : start + page_size]
        more = len(found) > start + page_size
        return JSONResponse({"messages": shown, **_page_links(sid, page, page_size, shown, more)})

    @router.get(MESSAGES + "/{message_sid}.json")
    def fetch_message(sid: str, message_sid: str, authorization: Auth = None) -> JSONResponse:
        if not authorised(sid, authorization):
            return twilio_error(401, 20003, "Authenticate")
        found = state.message(message_sid)
        if found is None or found["account_sid"] != sid:
            resource = f"/{API_VERSION}/Accounts/{sid}/Messages/{message_sid}.json"
            return twilio_error(404, 20404, f"The requested resource {resource} was not found")
        return JSONResponse(found)

    return router


def _page_links(
    sid: str, page: int, page_size: int, shown: list[dict[str, Any]], more: bool
) -> dict[str, Any]:
    """Twilio's paging fields (filters are left out of the links: nothing here follows them)."""
    uri = f"/{API_VERSION}/Accounts/{sid}/Messages.json?PageSize={page_size}"
    return {
        "page": page,
        "page_size": page_size,
        "start": page * page_size,
        "end": page * page_size + max(len(shown) - 1, 0),
        "uri": f"{uri}&Page={page}",
        "first_page_uri": f"{uri}&Page=0",
        "next_page_uri": f"{uri}&Page={page + 1}" if more else None,
        "previous_page_uri": f"{uri}&Page={page - 1}" if page else None,
    }
