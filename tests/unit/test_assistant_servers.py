"""Several Rasa servers behind the service: requests go round them, a server that refuses
the connection is skipped, and a request that reached a server is never sent to another."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from devtools.processes import free_port
from sms_gateway.assistant import AssistantClient, AssistantUnavailable
from tests.fake_rasa import FakeRasa
from tests.own_loop import in_own_loop


@pytest.fixture
def servers() -> Iterator[list[FakeRasa]]:
    started = [FakeRasa(), FakeRasa()]
    for server in started:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def ask_all(client: AssistantClient, texts: list[str]) -> list[str]:
    async def run() -> list[str]:
        try:
            return [(await client.ask("c1", t, {}))[0].text for t in texts]
        finally:
            await client.close()

    return in_own_loop(run())


def test_requests_go_round_the_servers(servers: list[FakeRasa]) -> None:
    client = AssistantClient(",".join(s.url for s in servers), timeout=5)
    ask_all(client, ["one", "two", "three", "four"])
    assert servers[0].asked == ["one", "three"] and servers[1].asked == ["two", "four"]


def test_a_server_that_is_down_is_skipped_and_nothing_is_lost(servers: list[FakeRasa]) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    client = AssistantClient([down, servers[0].url], timeout=5)
    answers = ask_all(client, ["one", "two", "three"])
    assert servers[0].asked == ["one", "two", "three"]
    assert all(servers[0].url in a for a in answers)


def test_a_server_that_failed_after_receiving_the_message_is_not_asked_again(
    servers: list[FakeRasa],
) -> None:
    servers[0].status = 500
    client = AssistantClient([servers[0].url, servers[1].url], timeout=5)
    with pytest.raises(AssistantUnavailable):
        ask_all(client, ["one"])
    assert servers[0].asked == ["one"] and servers[1].asked == []


def test_all_servers_down_means_the_assistant_is_unavailable() -> None:
    client = AssistantClient([f"http://127.0.0.1:{free_port()}"] * 2, timeout=5)
    with pytest.raises(AssistantUnavailable):
        ask_all(client, ["one"])


def test_readiness_names_each_server_that_is_down(servers: list[FakeRasa]) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    client = AssistantClient([servers[0].url, down, servers[1].url], timeout=5)

    async def readiness() -> tuple[list[bool], bool]:
        try:
            return await client.servers_ready(), await client.is_ready()
        finally:
            await client.close()

    assert in_own_loop(readiness()) == ([True, False, True], True)


def test_requests_beyond_the_limit_wait_in_the_service_and_all_are_answered() -> None:
    server = FakeRasa(seconds_per_answer=0.05)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = AssistantClient(server.url, timeout=10, requests_per_server=3)

    async def run() -> list[str]:
        try:
            answers = await asyncio.gather(
                *(client.ask(f"c{n}", f"question {n}", {}) for n in range(12))
            )
            return [replies[0].text for replies in answers]
        finally:
            await client.close()

    try:
        answers = in_own_loop(run())
    finally:
        server.shutdown()
        server.server_close()
    assert len(answers) == 12 and server.most_in_flight == 3
    assert sorted(server.asked) == sorted(f"question {n}" for n in range(12))
