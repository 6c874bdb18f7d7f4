"""The benchmark's arithmetic: quantiles by nearest rank, throughput, and memory read from
/proc for a whole process group, and its CPU time; the watch on the intake's spool."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import psycopg
import pytest
from aiohttp import web

from devtools.bench import (
    CoresUsed,
    Run,
    Scaling,
    SpoolWatch,
    Usage,
    combined,
    cores_used,
    cpu_seconds,
    load,
    machine_ticks,
    pooled,
    restored_from_cache,
    rss_mb,
    service_on_one_server,
    shared_server_cpu_seconds,
    side_by_side,
    watched_spool,
)
from devtools.processes import Ports, local_stack
from devtools.supervisor import Supervisor
from tests.conftest import POSTGRES_URL
from tests.own_loop import in_own_loop


def test_quantiles_and_throughput() -> None:
    run = Run("x", 10, latencies=[i / 1000 for i in range(1, 101)], seconds=2.0)
    assert run.quantile(0.5) == 51.0 and run.quantile(0.99) == 100.0
    assert run.throughput == 50.0
    assert "nan" in Run("empty", 1).row()


def test_two_halves_of_a_run_are_combined_weighted_by_replies_and_time() -> None:
    first = (Run("a", 1, [0.01] * 30, 1.0), Usage({"rasa": 40.0}, CoresUsed(1.0, 0.0)))
    second = (Run("a", 1, [0.02] * 10, 3.0), Usage({"rasa": 60.0}, CoresUsed(2.0, 0.4)))
    run, usage = combined(first, second)
    assert len(run.latencies) == 40 and run.seconds == 4.0
    assert usage.per_reply == {"rasa": 45.0}  # (40 x 30 + 60 x 10) / 40
    assert usage.cores.busy == 1.75 and usage.cores.stolen == pytest.approx(0.3)


def test_side_by_side_runs_each_kind_in_two_halves_first_second_second_first(
    tmp_path: Path,
) -> None:
    order: list[str] = []

    def kind(name: str) -> Callable[[], Awaitable[Run]]:
        async def run() -> Run:
            order.append(name)
            return Run(name, 1, [0.01], 0.5)

        return run

    (a, _), (b, _) = in_own_loop(side_by_side(Supervisor(tmp_path), kind("bare"), kind("service")))
    assert order == ["bare", "service", "service", "bare"]
    assert (a.label, len(a.latencies), b.label, len(b.latencies)) == ("bare", 2, "service", 2)


def test_rounds_of_one_kind_are_pooled_into_one_throughput() -> None:
    first = Run("two", 50, latencies=[0.1] * 30, seconds=1.0, errors=1)
    second = Run("two", 50, latencies=[0.2] * 10, seconds=1.0)
    both = pooled([first, second])
    assert both.throughput == 20.0 and both.errors == 1 and both.quantile(0.5) == 100.0


def test_the_one_server_service_runs_beside_the_first_with_its_own_port_and_database(
    tmp_path: Path,
) -> None:
    ports = Ports.free()
    [service] = [s for s in local_stack(ports, "sqlite:///a.db", tmp_path) if s.name == "service"]
    service.env["LOG_LEVEL"] = "WARNING"
    rasa = "http://127.0.0.1:5005"
    one = service_on_one_server(service, 9123, "postgresql://x/one", rasa, tmp_path)
    assert one.name == "service-one" and one.health_url == "http://127.0.0.1:9123/health"
    assert one.env["SERVICE_PORT"] == "9123" and one.env["DATABASE_URL"] == "postgresql://x/one"
    assert one.env["RASA_URL"] == rasa
    assert one.env["SMS_SPOOL_PATH"] != service.env["SMS_SPOOL_PATH"]
    assert one.env["LOG_LEVEL"] == "WARNING" and one.argv == service.argv
    assert service.env["SERVICE_PORT"] == str(ports.service)  # the first is left as it was


def test_memory_of_this_process_group_is_read() -> None:
    assert rss_mb(os.getpgrp()) > 10


def test_cpu_time_of_this_process_group_grows_with_work() -> None:
    before = cpu_seconds(os.getpgrp())
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds(os.getpgrp()) > before


def test_how_busy_the_machine_was_is_read_from_its_clock_ticks() -> None:
    tick = os.sysconf("SC_CLK_TCK")
    # Over 2 s: 3 core-seconds busy, a quarter of a core-second stolen.
    cores = cores_used((0, 0), (3 * tick, tick // 4), seconds=2.0)
    assert (cores.busy, cores.stolen) == (1.5, 0.125)
    assert cores.row() == f"cores busy 1.50 of {os.cpu_count()}, stolen by the host 0.12"
    busy, _ = machine_ticks()
    sum(i * i for i in range(3_000_000))
    assert machine_ticks()[0] > busy


def test_scaling_through_the_service_below_the_target_is_named_for_what_held_it_back() -> None:
    cores = os.cpu_count() or 1
    full, idle = CoresUsed(0.95 * cores, 0.0), CoresUsed(0.5 * cores, 0.0)
    assert Scaling(1.7, 1.8, idle).verdict().endswith("through the service, met")
    bound = Scaling(1.45, 1.8, full).verdict()
    assert "1.800x Rasa alone, met" in bound and "bound by this machine's cores" in bound
    assert "MISSED (the cores were not full" in Scaling(1.45, 1.8, idle).verdict()
    assert "Rasa alone, MISSED" in Scaling(1.45, 1.5, full).verdict()


def test_a_request_is_timed_when_it_succeeds_and_counted_as_an_error_when_not() -> None:
    run = Run("x", 1)

    async def send(turn: int) -> bool:
        await asyncio.sleep(0.01)
        if turn == 2:
            raise aiohttp.ServerDisconnectedError()
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


def test_cpu_time_of_the_database_server_grows_with_its_work() -> None:
    # PostgreSQL runs on every machine of this project's kind (DESIGN.md).
    before = shared_server_cpu_seconds()
    assert set(before) == {"postgres", "redis"}
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute("select count(*) from generate_series(1, 5000000)")
        after = shared_server_cpu_seconds()  # while its backend process is still there
    assert after["postgres"] > before["postgres"]


def test_a_training_that_took_models_from_rasas_cache_is_named_as_such(tmp_path: Path) -> None:
    log = tmp_path / "rasa-training.log"
    log.write_text(
        "Restored component 'CountVectorsFeaturizer' from cache.\n"
        "INFO rasa.engine.training.hooks - Restored component 'DIETClassifier' from cache.\n"
        "INFO rasa.engine.training.hooks - Starting to train component 'TEDPolicy'.\n"
    )
    assert restored_from_cache(log) == ["DIETClassifier"]
    log.write_text(
        "INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.\n"
    )
    assert restored_from_cache(log) == []
    assert restored_from_cache(tmp_path / "missing.log") == []


def test_the_spool_watch_reports_the_most_waiting_and_when_the_spool_emptied() -> None:
    """Against a stand-in intake whose /ready reports 3 texts waiting during the run and for
    0.3 s after it."""
    waiting = {"now": 0}

    async def ready(_: web.Request) -> web.Response:
        return web.json_response({"sms_spooled": waiting["now"]})

    async def measured() -> Run:
        waiting["now"] = 3
        await asyncio.sleep(0.5)  # long enough for the watch to sample it
        asyncio.get_running_loop().call_later(0.3, waiting.update, {"now": 0})
        return Run("texts", 1)

    async def scenario() -> SpoolWatch:
        app = web.Application()
        app.router.add_get("/ready", ready)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            _, watch = await watched_spool(f"http://127.0.0.1:{port}", measured())
        finally:
            await runner.cleanup()
        return watch

    watch = in_own_loop(scenario())
    assert watch.most_waiting == 3
    assert watch.emptied_after is not None and 0.25 <= watch.emptied_after < 2
    assert "at most 3 waiting" in watch.row()
