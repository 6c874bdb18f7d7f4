"""Run a coroutine on an event loop of its own, in a thread of its own.

The browser tests (Playwright's sync API) leave an event loop running in pytest's thread, so
asyncio.run there fails for every test that comes after them in the same session."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def in_own_loop(job: Coroutine[Any, Any, T]) -> T:
    outcome: list[T | BaseException] = []

    def in_thread() -> None:
        try:
            outcome.append(asyncio.run(job))
        except BaseException as error:  # handed back to the test's thread
            outcome.append(error)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
