"""Moving an accepted message through Twilio's statuses, and signed posts to the service.

Each accepted message gets a short-lived thread: `sent` after a step, then `delivered` (or
`undelivered` with an error code) after another, posting a signed status callback at each
step when the create call gave a StatusCallback URL. The API answer never waits for this.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx

from devtools.fake_twilio.state import FakeState
from devtools.fake_twilio.wire import signature_headers, status_callback_params

logger = logging.getLogger(__name__)

CALLBACK_ATTEMPTS = 3  # Twilio retries status callbacks little; then they are lost
RETRY_PAUSE_SECONDS = 0.5
TIMEOUT_SECONDS = 15.0  # Twilio gives up on a webhook after 15 s
# One client (and connection pool) for every delivery thread: a client per post builds a new
# TLS context each time, which made the fake busier than the service it stands in front of.
_callbacks = httpx.Client(timeout=TIMEOUT_SECONDS)


def start_delivery(
    state: FakeState,
    sid: str,
    auth_token: str,
    step_seconds: float,
    undelivered_code: int | None = None,
) -> None:
    """Deliver the message in the background (undelivered when given an error code)."""
    thread = threading.Thread(
        target=_deliver,
        args=(state, sid, auth_token, step_seconds, undelivered_code),
        name=f"fake-twilio-delivery-{sid}",
        daemon=True,
    )
    thread.start()


def _deliver(
    state: FakeState, sid: str, auth_token: str, step_seconds: float, undelivered_code: int | None
) -> None:
    final = ("undelivered", undelivered_code) if undelivered_code else ("delivered", None)
    for status, error_code in (("sent", None), final):
        time.sleep(step_seconds)
        resource, callback_url = state.set_status(sid, status, error_code)
        if callback_url:
            post_status_callback(callback_url, status_callback_params(resource), auth_token)


def post_status_callback(url: str, params: dict[str, str], auth_token: str) -> bool:
    """Post one signed callback, retrying a failed post a couple of times; True if taken."""
    headers = signature_headers(auth_token, url, params)
    what = f"status callback {params['MessageStatus']} for {params['MessageSid']}"
    for attempt in range(1, CALLBACK_ATTEMPTS + 1):
        try:
            response = _callbacks.post(url, data=params, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("%s: %s (attempt %d)", what, type(error).__name__, attempt)
        else:
            if response.status_code < 500:
                if response.status_code >= 300:  # not retried, but worth seeing (a 403?)
                    logger.warning("%s answered HTTP %d", what, response.status_code)
                return response.status_code < 300
            logger.warning("%s answered HTTP %d (attempt %d)", what, response.status_code, attempt)
        if attempt < CALLBACK_ATTEMPTS:
            time.sleep(RETRY_PAUSE_SECONDS)
    logger.warning("%s dropped after %d attempts", what, CALLBACK_ATTEMPTS)
    return False


async def post_webhook(url: str, params: dict[str, str], auth_token: str) -> int | None:
    """Post a signed inbound-SMS webhook; the HTTP status it answered, None if unreachable."""
    headers = signature_headers(auth_token, url, params)
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.post(url, data=params, headers=headers)
    except httpx.HTTPError as error:
        logger.warning("inbound webhook %s unreachable: %s", url, type(error).__name__)
        return None
    if response.status_code != 200:
        logger.warning("inbound webhook %s answered HTTP %d", url, response.status_code)
    return response.status_code
