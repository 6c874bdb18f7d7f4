"""Sending SMS through Twilio's Messages REST API (or a local fake with the same wire format)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

logger = logging.getLogger(__name__)


class SendFailed(Exception):
    def __init__(self, code: str, retryable: bool) -> None:
        super().__init__(code)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str


class TwilioMessagesAPI:
    def __init__(self, base_url: str, account_sid: str, auth_token: str) -> None:
        self._account_sid = account_sid
        self._http = httpx.AsyncClient(
            base_url=base_url, auth=(account_sid, auth_token), timeout=15.0
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, to: str, from_: str, body: str) -> SentMessage:
        """POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded, as Twilio expects."""
        try:
            response = await self._http.post(
                f"/2010-04-01/Accounts/{self._account_sid}/Messages.json",
                data={"To": to, "From": from_, "Body": body},
            )
        except httpx.HTTPError as error:
            raise SendFailed(type(error).__name__, retryable=True) from error
        if response.status_code in (200, 201):
            data = response.json()
            return SentMessage(sid=data["sid"], status=data.get("status", "queued"))
        code = _error_code(response)
        retryable = response.status_code == 429 or response.status_code >= 500
        logger.warning("twilio send refused: status=%s code=%s", response.status_code, code)
        raise SendFailed(code, retryable=retryable)


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code") or response.status_code)
    except ValueError:
        return str(response.status_code)
