"""PostgreSQL restarting under load loses no message: the service and Rasa's tracker store on
a PostgreSQL server of this test's own, which is stopped and started again while young people
are texting. Webhooks that come while it is down are refused with 503 and Twilio's retry is
taken once it is back; jobs cut off part-way are taken up by the recovery loop; every text is
answered once and in the order it was sent, without restarting anything but the database."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.databases import ensure_database, shared_stores
from devtools.processes import Ports, local_stack
from devtools.supervisor import Supervisor
from tests.integration.conftest import INTERNAL_TOKEN, TEST_SETTINGS, RunningService
from tests.integration.conversations import inbound_once_settled, sms_topics, text_until_taken
from tests.integration.private_postgres import PrivatePostgres

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUESTIONS = (
    ("what is staying put", "staying-put"),
    ("what is a pathway plan", "pathway-plan"),
    ("can i get help with uni costs", "higher-education"),
)
OUTAGE_SECONDS = 4


@pytest.fixture(scope="module")
def on_own_postgres(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningService, PrivatePostgres]]:
    postgres = PrivatePostgres()
    supervisor = Supervisor(tmp_path_factory.mktemp("db-restart") / "logs")
    try:
        postgres.start()
        database_url = ensure_database(postgres.url, "assistant")
        stores = shared_stores(postgres.url, "rasa", REDIS_URL)
        ports = Ports.free()
        specs = local_stack(ports, database_url, Path(os.devnull), INTERNAL_TOKEN, stores=stores)
        for spec in specs:
            if spec.name == "service":
                # A job that died is taken up after 2 x 10 + 5 s rather than 45 s.
                spec.env.update({**TEST_SETTINGS, "RASA_TIMEOUT_SECONDS": "10"})
        supervisor.start_all(specs)
        service = RunningService.on(ports, database_url)
        yield service, postgres
        service.engine.dispose()
    finally:
        supervisor.stop_all()
        postgres.remove()


def test_postgresql_restarting_under_load_loses_no_text_and_answers_each_once_in_order(
    on_own_postgres,
) -> None:
    service, postgres = on_own_postgres
    numbers = [f"+4477009007{i:02d}" for i in range(6)]
    plan = [
        (number, question, f"SM{secrets.token_hex(16)}")
        for number in numbers
        for question, _ in QUESTIONS
    ]
    refused: list[int] = []

    def young_person(number: str) -> None:
        for sender, question, sid in plan:
            if sender == number:
                refused.extend(text_until_taken(service, question, sender, sid))
                time.sleep(1.0)

    threads = [threading.Thread(target=young_person, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    postgres.stop()  # every connection cut, as in a restart or fail-over
    time.sleep(OUTAGE_SECONDS)
    postgres.start()
    for thread in threads:
        thread.join()
    # Texts that came while it was down were refused for Twilio to retry, not half-taken.
    assert refused and set(refused) == {503}, refused

    service.engine.dispose()  # the test's own connections died with the server too
    inbound = inbound_once_settled(service)
    stored = [sid for sid, _ in inbound]
    assert sorted(stored) == sorted(sid for _, _, sid in plan)  # each once
    assert {status for _, status in inbound} == {"answered"}
    expected = [topic for _, topic in QUESTIONS]
    for number in numbers:
        assert sms_topics(service, number) == expected, number
