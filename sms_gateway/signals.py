"""Worker threads for the service's blocking work, and wake-ups that any thread may give.

The service keeps its database and CPU work off the event loop, in worker threads, so that
a webhook is never kept waiting behind another message's work. asyncio.Event is not
thread-safe: a worker thread that stores a reply wakes the outbox or a chat's live stream
through the event loop that waits on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


class Signal:
    """An asyncio.Event whose set() may be called from any thread."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None  # made outside the loop: bound at the first wait

    def set(self) -> None:
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._event.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._event.set)

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float | None = None) -> bool:
        """Until set, or for `timeout` seconds at most; True if it was set.

        asyncio.timeout, not wait_for: on Python 3.11, wait_for swallows a cancellation
        that arrives just as the event is set, and a worker cancelled at shutdown then
        never stops."""
        self._loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            return False
        return True


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class WorkerThreads:
    """A few threads of the service's own for database and CPU work, so that the event loop
    only waits for it. (Not the loop's default executor: test clients start and stop event
    loops of their own around the same app, and its work must not depend on theirs.)"""

    def __init__(self, name: str, count: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix=name)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(work, *args))

    def close(self) -> None:
        """Finish what was started; take nothing new."""
        self._pool.shutdown(wait=True, cancel_futures=True)
