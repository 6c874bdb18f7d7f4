"""The benchmark's arithmetic: quantiles by nearest rank, throughput, and memory read from
/proc for a whole process group, and its CPU time."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

import httpx

from devtools.bench import Run, cpu_seconds, load, rss_mb
from tests.own_loop import in_own_loop


def test_quantiles_and_throughput() -> None:
    run = Run("x", 10, latencies=[i / 1000 for i in range(1, 101)], seconds=2.0)
    assert run.quantile(0.5) == 51.0 and run.quantile(0.99) == 100.0
    assert run.throughput == 50.0
    assert "nan" in Run("empty", 1).row()


def test_memory_of_this_process_group_is_read() -> None:
    assert rss_mb(os.getpgrp()) > 10


def test_cpu_time_of_this_process_group_grows_with_work() -> None:
    before = cpu_seconds(os.getpgrp())
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds(os.getpgrp()) > before


def test_a_request_is_timed_when_it_succeeds_and_counted_as_an_error_when_not() -> None:
    run = Run("x", 1)

    async def send(turn: int) -> bool:
        await asyncio.sleep(0.01)
        if turn == 2:
            raise httpx.ReadError("closed with no answer")
        return turn == 0

    for turn in (0, 1, 2):
        in_own_loop(run.timed(send, turn))
    assert len(run.latencies) == 1 and run.latencies[0] >= 0.01
    assert run.errors == 2


def test_each_sender_starts_a_new_conversation_every_few_turns() -> None:
    conversations: list[tuple[int, list[int]]] = []

    async def worker(_client: object, sender: int) -> Callable[[int], Awaitable[bool]]:
        turns: list[int] = []
        conversations.append((sender, turns))

        async def send(turn: int) -> bool:
            turns.append(turn)
            return True

        return send

    run = in_own_loop(load("x", 2, 25, worker, turns=10))
    assert len(run.latencies) == 50
    assert sorted(len(turns) for _, turns in conversations) == [5, 5, 10, 10, 10, 10]
    assert sorted(sender for sender, _ in conversations) == [0, 0, 0, 1, 1, 1]
