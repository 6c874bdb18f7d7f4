"""PostgreSQL restarting under load loses no message: the service and Rasa's tracker store on
a PostgreSQL server of this test's own, which is stopped while young people are texting and
started again only after Twilio would have given up retrying. Texts go to the SMS intake
(production's topology) once each, as Twilio sends them: those that come while the database
is down are taken into the intake's spool and stored from it once it is back; jobs cut off
part-way are taken up by the recovery loop; every text is answered once and in the order it
was sent, without restarting anything but the database."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator

import pytest

from devtools.databases import ensure_database, shared_stores
from devtools.processes import Ports, local_stack
from devtools.supervisor import Supervisor
from tests.integration.conftest import INTERNAL_TOKEN, TEST_SETTINGS, RunningService
from tests.integration.conversations import inbound_once_settled, sms_topics
from tests.integration.private_postgres import PrivatePostgres

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
QUESTIONS = (
    ("what is staying put", "staying-put"),
    ("what is a pathway plan", "pathway-plan"),
    ("can i get help with uni costs", "higher-education"),
    ("what is staying put", "staying-put"),
    ("what is a pathway plan", "pathway-plan"),
)
# Longer than Twilio's retries of one webhook last (15 seconds in all).
OUTAGE_SECONDS = 16


@pytest.fixture(scope="module")
def on_own_postgres(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningService, PrivatePostgres]]:
    postgres = PrivatePostgres()
    var_dir = tmp_path_factory.mktemp("db-restart")
    supervisor = Supervisor(var_dir / "logs")
    try:
        postgres.start()
        database_url = ensure_database(postgres.url, "assistant")
        stores = shared_stores(postgres.url, "rasa", REDIS_URL)
        ports = Ports.free()
        specs = local_stack(
            ports, database_url, var_dir, INTERNAL_TOKEN, stores=stores, sms_intake=True
        )
        for spec in specs:
            if spec.name == "service":
                # A job that died is taken up after 2 x 10 + 5 s rather than 45 s.
                spec.env.update({**TEST_SETTINGS, "RASA_TIMEOUT_SECONDS": "10"})
        supervisor.start_all(specs)
        service = RunningService.on(ports, database_url, sms_intake=True)
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
    answered: list[int] = []

    def young_person(number: str) -> None:
        # Two texts before the database stops, two while it is down, the last after.
        for sender, question, sid in plan:
            if sender == number:
                answered.append(service.text_in(question, sender, sid=sid).status_code)
                time.sleep(6.0)

    threads = [threading.Thread(target=young_person, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    time.sleep(7.0)  # after each young person's second text
    postgres.stop()  # every connection cut, as in a restart or fail-over
    time.sleep(OUTAGE_SECONDS)
    postgres.start()
    for thread in threads:
        thread.join()
    # Every text was taken the first time, however long the database was down.
    assert answered == [200] * len(plan), answered

    service.engine.dispose()  # the test's own connections died with the server too
    inbound = inbound_once_settled(service)
    stored = [sid for sid, _ in inbound]
    assert sorted(stored) == sorted(sid for _, _, sid in plan)  # each once
    assert {status for _, status in inbound} == {"answered"}
    expected = [topic for _, topic in QUESTIONS]
    for number in numbers:
        assert sms_topics(service, number) == expected, number
