"""Twilio's Messages REST API (or the local fake, which has the same wire format)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import httpx

logger = logging.getLogger(__name__)

OPTED_OUT = "21610"  # "Attempt to send to unsubscribed recipient": the number texted STOP


class SendFailed(Exception):
    """Twilio did not take the message.

    `retryable`: worth trying again later (429, 5xx, network). `maybe_sent`: the request may
    have reached Twilio before it failed (a read timeout, a 5xx), so Twilio must be asked
    whether it has the message before it is sent again.
    """

    def __init__(self, code: str, retryable: bool, maybe_sent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.retryable = retryable
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str


class TwilioMessagesAPI:
    def __init__(
        self, base_url: str, account_sid: str, auth_token: str, timeout: float = 15.0
    ) -> None:
        self._account_sid = account_sid
        self._http = httpx.AsyncClient(
            base_url=base_url, auth=(account_sid, auth_token), timeout=timeout
        )
        self._messages = f"/2010-04-01/Accounts/{account_sid}/Messages.json"

    async def close(self) -> None:
        await self._http.aclose()

    async def send(
        self, to: str, from_: str, body: str, status_callback: str | None = None
    ) -> SentMessage:
        """POST .../Messages.json, form-encoded, as Twilio expects. Not idempotent."""
        data = {"To": to, "From": from_, "Body": body}
        if status_callback:
            data["StatusCallback"] = status_callback
        try:
            response = await self._http.post(self._messages, data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # Never reached Twilio: safe to send again.
            raise SendFailed(type(error).__name__, retryable=True) from error
        except httpx.HTTPError as error:
            # Sent, but no answer: Twilio may have the message.
            raise SendFailed(type(error).__name__, retryable=True, maybe_sent=True) from error
        if response.status_code in (200, 201):
            data = response.json()
            return SentMessage(sid=data["sid"], status=data.get("status", "queued"))
        code = _error_code(response)
        logger.warning("twilio send refused: status=%s code=%s", response.status_code, code)
        if response.status_code == 429:
            raise SendFailed(code, retryable=True)
        if response.status_code >= 500:
            raise SendFailed(code, retryable=True, maybe_sent=True)
        raise SendFailed(code, retryable=False)

    async def find_sent(
        self, to: str, from_: str, body: str, since: dt.datetime
    ) -> SentMessage | None:
        """A message Twilio already has with this body, created since `since`; raises
        httpx.HTTPError when Twilio cannot be asked (then nothing may be resent)."""
        response = await self._http.get(
            self._messages,
            params={"To": to, "From": from_, "PageSize": "50"},
        )
        response.raise_for_status()
        for message in response.json().get("messages", []):
            created = _twilio_date(message.get("date_created"))
            if message.get("body") == body and (created is None or created >= since):
                return SentMessage(sid=message["sid"], status=message.get("status", "queued"))
        return None


def _twilio_date(value: str | None) -> dt.datetime | None:
    """Twilio's RFC 2822 dates ('Sun, 22 Nov 2026 12:00:00 +0000')."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%a, %d %b %Y %H:%M:%S %z")
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code") or response.status_code)
    except ValueError:
        return str(response.status_code)
