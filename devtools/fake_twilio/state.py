"""What the fake Twilio holds in memory: Message resources, the conversation between each
phone and council number, opt-out blocks and failures queued by tests.

Used from request handlers and delivery threads at once, so every access takes the lock and
callers get copies, never the stored dicts.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import deque
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from devtools.fake_twilio.wire import ERROR_MESSAGES, now_rfc2822


@dataclass(frozen=True)
class Failure:
    """One way for a create call to go wrong (see the /fake/failures control)."""

    mode: str  # "http" | "timeout" | "undelivered"
    status: int | None = None  # http: the HTTP status answered
    code: int | None = None  # http: Twilio's error code; undelivered: the ErrorCode
    delay_seconds: float | None = None  # timeout: how late the answer comes


class FakeState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, dict[str, Any]] = {}  # by sid, oldest first
        self._callback_urls: dict[str, str] = {}
        # Everything said between a phone and a council number, oldest first, as
        # ((phone, council number), sid of a Message resource, or an inbound/Twilio entry).
        self._timeline: list[tuple[tuple[str, str], str | dict[str, Any]]] = []
        self._blocked: set[tuple[str, str]] = set()  # (phone, council number)
        self._failures: deque[list[Any]] = deque()  # [Failure, times left]

    # Outbound messages (the Messages API)

    def add_message(self, resource: dict[str, Any], callback_url: str | None) -> None:
        with self._lock:
            self._messages[resource["sid"]] = copy.deepcopy(resource)
            if callback_url:
                self._callback_urls[resource["sid"]] = callback_url
            self._timeline.append(((resource["to"], resource["from"]), resource["sid"]))

    def message(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._messages.get(sid)
            return copy.deepcopy(found) if found else None

    def messages(
        self, to: str | None = None, from_: str | None = None, date_sent: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Newest first, filtered like Twilio's To, From and DateSent."""
        with self._lock:
            found = [
                copy.deepcopy(m)
                for m in reversed(self._messages.values())
                if (to is None or m["to"] == to)
                and (from_ is None or m["from"] == from_)
                and (date_sent is None or _sent_on(m, date_sent))
            ]
        return found

    def set_status(
        self, sid: str, status: str, error_code: int | None = None
    ) -> tuple[dict[str, Any], str | None]:
        """Move a message on (sent, delivered, ...); returns it and its status callback URL."""
        with self._lock:
            message = self._messages[sid]
            now = now_rfc2822()
            message["status"] = status
            message["date_updated"] = now
            if status == "sent":
                message["date_sent"] = now
            if error_code is not None:
                message["error_code"] = error_code
                message["error_message"] = ERROR_MESSAGES.get(error_code)
            return copy.deepcopy(message), self._callback_urls.get(sid)

    # Inbound messages and Twilio's own texts

    def add_entry(self, phone: str, council_number: str, entry: dict[str, Any]) -> None:
        """An inbound message or one of Twilio's opt-out confirmations."""
        with self._lock:
            self._timeline.append(((phone, council_number), copy.deepcopy(entry)))

    def set_webhook_status(self, sid: str, status: int | None) -> None:
        with self._lock:
            for _, item in self._timeline:
                if isinstance(item, dict) and item["sid"] == sid:
                    item["webhook_status"] = status
                    item["webhook_pending"] = False

    def thread(self, phone: str, council_number: str) -> list[dict[str, Any]]:
        """Everything between the pair, oldest first."""
        with self._lock:
            return [
                _outbound_entry(self._messages[item])
                if isinstance(item, str)
                else copy.deepcopy(item)
                for pair, item in self._timeline
                if pair == (phone, council_number)
            ]

    # Opt-outs

    def block(self, phone: str, council_number: str) -> None:
        with self._lock:
            self._blocked.add((phone, council_number))

    def unblock(self, phone: str, council_number: str) -> None:
        with self._lock:
            self._blocked.discard((phone, council_number))

    def is_blocked(self, phone: str, council_number: str) -> bool:
        with self._lock:
            return (phone, council_number) in self._blocked

    # Failures queued by tests

    def queue_failure(self, failure: Failure, count: int) -> None:
        with self._lock:
            self._failures.append([failure, count])

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def take_failure(self, *modes: str) -> Failure | None:
        """The next queued failure, used up, if it is of one of these modes."""
        with self._lock:
            if not self._failures or self._failures[0][0].mode not in modes:
                return None
            head = self._failures[0]
            head[1] -= 1
            if head[1] == 0:
                self._failures.popleft()
            return head[0]

    def pending_failures(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**_without_none(asdict(f)), "count": n} for f, n in self._failures]


def _sent_on(message: dict[str, Any], day: dt.date) -> bool:
    sent = message["date_sent"]
    return sent is not None and parsedate_to_datetime(sent).date() == day


def _outbound_entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "direction": "outbound",
        "sid": resource["sid"],
        "from": resource["from"],
        "to": resource["to"],
        "body": resource["body"],
        "num_segments": int(resource["num_segments"]),
        "status": resource["status"],
        "error_code": resource["error_code"],
        "date_created": resource["date_created"],
        "date_sent": resource["date_sent"],
    }


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
