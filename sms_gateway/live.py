"""Wakes a web chat's live stream when its conversation has something new to show.

This only makes delivery immediate within one service process. Streams also look in the
database every few seconds, so a message stored by another process (several service
replicas, an admin command) still arrives, a little later. Nothing is lost if a wake-up is
missed: the database is the source of truth.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class LiveUpdates:
    def __init__(self) -> None:
        self._listeners: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        # Set when the service is shutting down: streams end cleanly so it is not held up.
        self.closing = False

    def close_all(self) -> None:
        self.closing = True
        for listeners in self._listeners.values():
            for event in listeners:
                event.set()

    def notify(self, conversation_id: str) -> None:
        for event in self._listeners.get(conversation_id, ()):
            event.set()

    @contextmanager
    def listen(self, conversation_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever the conversation changes, for as long as the block runs."""
        event = asyncio.Event()
        self._listeners[conversation_id].add(event)
        try:
            yield event
        finally:
            listeners = self._listeners[conversation_id]
            listeners.discard(event)
            if not listeners:
                del self._listeners[conversation_id]
