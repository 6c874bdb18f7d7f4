"""Wakes a web chat's live stream when its conversation has something new to show.

This only makes delivery immediate within one service process. Streams also look in the
database every few seconds, so a message stored by another process (several service
replicas, an admin command) still arrives, a little later. Nothing is lost if a wake-up is
missed: the database is the source of truth.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from sms_gateway.signals import Signal


class LiveUpdates:
    def __init__(self) -> None:
        self._listeners: defaultdict[str, set[Signal]] = defaultdict(set)
        # Set when the service is shutting down: streams end cleanly so it is not held up.
        self.closing = False

    def close_all(self) -> None:
        self.closing = True
        for listeners in list(self._listeners.values()):
            for event in tuple(listeners):
                event.set()

    def notify(self, conversation_id: str) -> None:
        """Safe from any thread (replies are stored by worker threads)."""
        for event in tuple(self._listeners.get(conversation_id, ())):
            event.set()

    @contextmanager
    def listen(self, conversation_id: str) -> Iterator[Signal]:
        """An event set whenever the conversation changes, for as long as the block runs."""
        event = Signal()
        self._listeners[conversation_id].add(event)
        try:
            yield event
        finally:
            listeners = self._listeners[conversation_id]
            listeners.discard(event)
            if not listeners:
                del self._listeners[conversation_id]
