"""Tracker fixtures for the actions' unit tests: a message as Rasa would pass it to the action
server, and a stand-in for the service's internal API that records what was asked of it."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service_api import ServiceUnavailable


def tracker(
    text: str = "",
    intent: str | None = None,
    confidence: float = 0.95,
    *,
    slots: dict[str, Any] | None = None,
    channel: str = "sms",
    council: str = "lancashire",
    ranking: list[tuple[str, float]] | None = None,
    sender: str = "conversation-1",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or []],
        "metadata": {"channel": channel, "council": council},
    }
    return Tracker(sender, dict(slots or {}), latest, [], False, None, {}, "action_listen")


def run(action: Any, tracked: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action (sync or async); returns (replies sent, events returned)."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracked, {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return [m["custom"] for m in dispatcher.messages], list(result)


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def as_service_time(moment: dt.datetime) -> str:
    """How the service writes times: UTC with a "Z" (pydantic's JSON)."""
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class FakeService:
    """Records calls as the internal API would receive them; `down` makes every call fail."""

    def __init__(self, *, down: bool = False, booked: dict[str, Any] | None = None) -> None:
        self.down = down
        self.booked = booked
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.down:
            raise ServiceUnavailable("down")

    async def escalate(self, conversation_id: str, reason: str, *, urgent: bool) -> dict:
        self._record("escalate", conversation_id, reason, urgent)
        return {"id": "e1", "reason": reason, "urgent": urgent, "status": "open"}

    async def open_callback(self, conversation_id: str) -> dict[str, Any] | None:
        self._record("open_callback", conversation_id)
        return self.booked

    async def book_callback(
        self,
        conversation_id: str,
        about: str,
        window: tuple[dt.datetime, dt.datetime],
        phone: str | None,
    ) -> tuple[int, dict[str, Any]]:
        self._record("book_callback", conversation_id, about, window, phone)
        if self.booked:
            return 409, {"reference": self.booked["reference"]}
        self.booked = {
            "reference": "CB-TEST22",
            "about": about,
            "window_start": as_service_time(window[0]),
            "window_end": as_service_time(window[1]),
            "status": "booked",
        }
        return 201, self.booked

    async def change_callback(
        self, conversation_id: str, reference: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        self._record("change_callback", conversation_id, reference, changes)
        if not self.booked or self.booked["reference"] != reference:
            return None
        self.booked.update(changes)
        return self.booked

    async def cancel_callback(self, conversation_id: str, reference: str) -> dict | None:
        self._record("cancel_callback", conversation_id, reference)
        if not self.booked:
            return None
        cancelled, self.booked = {**self.booked, "status": "cancelled"}, None
        return cancelled
