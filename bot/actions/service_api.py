"""The service's internal API: where bookings and escalations are stored (see
docs/architecture.md). The action server never stores anything itself."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

ESCALATION_REASONS = ("asked_for_person", "callback_urgent", "risk", "not_understood")


class ServiceUnavailable(Exception):
    """The service could not be reached or refused the request."""


class ServiceAPI:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_environment(cls) -> ServiceAPI:
        return cls(
            os.environ.get("SERVICE_URL", "http://127.0.0.1:8000"),
            os.environ.get("INTERNAL_API_TOKEN", ""),
        )

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self._base_url}/internal{path}"
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.request(method, url, json=body, headers=self._headers) as resp,
            ):
                text = await resp.text()
                status = resp.status
            payload = json.loads(text) if text.strip() else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            # The route's kind only: ids and message text stay out of the logs.
            logger.error("service API %s failed: %s", method, type(error).__name__)
            raise ServiceUnavailable(type(error).__name__) from error
        if status >= 500 or status in (401, 403):
            logger.error("service API %s refused with %s", method, status)
            raise ServiceUnavailable(str(status))
        return status, payload if isinstance(payload, dict) else {}

    async def escalate(self, conversation_id: str, reason: str, *, urgent: bool) -> dict[str, Any]:
        status, body = await self._call(
            "POST",
            f"/conversations/{conversation_id}/escalations",
            {"reason": reason, "urgent": urgent},
        )
        if status not in (200, 201):
            raise ServiceUnavailable(str(status))
        return body

    async def open_callback(self, conversation_id: str) -> dict[str, Any] | None:
        status, body = await self._call("GET", f"/conversations/{conversation_id}/callbacks/open")
        if status == 404:
            return None
        if status != 200:
            raise ServiceUnavailable(str(status))
        return body

    async def book_callback(
        self,
        conversation_id: str,
        about: str,
        window: tuple[dt.datetime, dt.datetime],
        phone: str | None,
    ) -> tuple[int, dict[str, Any]]:
        """201 with the booking, or 409 with the `reference` of the one already booked."""
        status, body = await self._call(
            "POST",
            f"/conversations/{conversation_id}/callbacks",
            {
                "about": about[:500],
                "window_start": window[0].isoformat(),
                "window_end": window[1].isoformat(),
                "phone": phone,
            },
        )
        if status not in (201, 409):
            raise ServiceUnavailable(str(status))
        return status, body

    async def change_callback(
        self, conversation_id: str, reference: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        status, body = await self._call(
            "PATCH", f"/conversations/{conversation_id}/callbacks/{reference}", changes
        )
        if status in (404, 409):
            return None
        if status != 200:
            raise ServiceUnavailable(str(status))
        return body

    async def cancel_callback(self, conversation_id: str, reference: str) -> dict[str, Any] | None:
        status, body = await self._call(
            "POST", f"/conversations/{conversation_id}/callbacks/{reference}/cancel"
        )
        if status == 404:
            return None
        if status != 200:
            raise ServiceUnavailable(str(status))
        return body
