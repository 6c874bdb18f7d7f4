"""Production's topology without Docker, as `make run-scaled` starts it: two Rasa processes
sharing a PostgreSQL tracker store and a Redis lock store, the service on PostgreSQL sending
requests round them, and texts arriving at the SMS intake process. A multi-turn form works
although its turns alternate between the two Rasa processes, many conversations at once are
each answered once, and with one Rasa process killed and the service restarted every text is
taken at the first try and answered once."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from devtools.databases import drop_databases, shared_stores
from devtools.processes import Ports, free_port, local_stack
from devtools.supervisor import Supervisor
from sms_gateway.models import Message
from tests.conftest import POSTGRES_URL, empty_database
from tests.integration.conftest import INTERNAL_TOKEN, TEST_SETTINGS, RunningService
from tests.integration.conversations import (
    Texting,
    inbound_once_settled,
    joined,
    sms_topics,
    text_until_taken,
    topics,
)
from tests.integration.test_conversation import open_weekday_ahead

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningService, Supervisor]]:
    ports, extra = Ports.free(), (free_port(),)
    tracker_db = f"t_rasa_{secrets.token_hex(6)}"
    stores = shared_stores(POSTGRES_URL, tracker_db, REDIS_URL)
    var_dir = tmp_path_factory.mktemp("scaled")
    supervisor = Supervisor(var_dir / "logs")
    with empty_database("postgresql", var_dir) as database_url:
        specs = local_stack(
            ports,
            database_url,
            var_dir,
            INTERNAL_TOKEN,
            extra_rasa_ports=extra,
            stores=stores,
            sms_intake=True,
        )
        for spec in specs:
            if spec.name == "service":
                spec.env.update(TEST_SETTINGS)
        try:
            supervisor.start_all(specs)
            yield RunningService.on(ports, database_url, sms_intake=True), supervisor
        finally:
            supervisor.stop_all()
            drop_databases(POSTGRES_URL, [tracker_db])


def test_a_form_keeps_its_place_while_its_turns_go_to_different_rasa_processes(scaled) -> None:
    service, _ = scaled
    texting = Texting(service, "+447700900871")
    assert "talk about" in joined(texting.say("can my PA call me"))
    assert "good time" in joined(texting.say("sorting out my rent"))
    day = open_weekday_ahead()
    booked = joined(texting.say(f"{day.strftime('%A')} after 2"))
    assert "Booked." in booked and "CB-" in booked


def test_many_conversations_at_once_are_each_answered_once(scaled) -> None:
    service, _ = scaled
    questions = ["hiya", "what is staying put", "can i get help with uni costs"]
    failures: list[str] = []

    def converse(number: str) -> None:
        texting = Texting(service, number)
        try:
            for question in questions:
                assert "holding" not in topics(texting.say(question, timeout=90))
        except AssertionError as error:
            failures.append(f"{number}: {error}")

    numbers = [f"+4477009009{i:02d}" for i in range(12)]
    threads = [threading.Thread(target=converse, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with service.engine.connect() as connection:
        statuses = connection.execute(
            select(Message.status, func.count())
            .where(Message.direction == "in")
            .group_by(Message.status)
        ).all()
    assert dict(statuses).get("answered", 0) >= len(numbers) * len(questions)
    assert set(dict(statuses)) <= {"answered"}


QUESTIONS = (
    ("what is staying put", "staying-put"),
    ("what is a pathway plan", "pathway-plan"),
    ("can i get help with uni costs", "higher-education"),
)


def test_rasa_killed_and_service_restarted_under_load_answer_each_text_exactly_once(
    scaled,
) -> None:
    service, supervisor = scaled
    numbers = [f"+4477009008{i:02d}" for i in range(8)]
    sids = iter(f"SM{secrets.token_hex(16)}" for _ in range(len(numbers) * len(QUESTIONS)))
    plan = [(number, question, next(sids)) for number in numbers for question, _ in QUESTIONS]

    refused: list[str] = []

    def young_person(number: str) -> None:
        for sender, question, sid in plan:
            if sender == number:
                # The intake takes texts while the service restarts: each at the first try.
                if service.text_in(question, sender, sid=sid).status_code != 200:
                    refused.append(sid)
                    text_until_taken(service, question, sender, sid)
                time.sleep(0.5)

    threads = [threading.Thread(target=young_person, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    supervisor.kill("rasa-2")  # as a crash would
    supervisor.stop("service")
    supervisor.restart("service")
    for thread in threads:
        thread.join()
    assert refused == []

    inbound = inbound_once_settled(service)
    taken = {sid: status for sid, status in inbound if sid in {p[2] for p in plan}}
    assert len(taken) == len(plan) and set(taken.values()) == {"answered"}
    expected = [topic for _, topic in QUESTIONS]
    for number in numbers:
        # What the young person's phone received: each answer once, in the order asked.
        answered = [t["body"] for t in service.texts_sent_to(number, expect=len(QUESTIONS) + 1)]
        topics_sent = sms_topics(service, number)
        assert topics_sent == expected, (number, topics_sent, len(answered))
    supervisor.restart("rasa-2")


def test_with_one_rasa_process_killed_every_message_is_still_answered(scaled) -> None:
    service, supervisor = scaled
    supervisor.stop("rasa-2")
    ready = httpx.get(f"{service.base_url}/ready").json()
    assert ready["status"] == "degraded" and ready["assistant_servers"] == [True, False]
    for index in range(4):
        texting = Texting(service, f"+4477009009{50 + index}")
        replies = texting.say("what is staying put", timeout=60)
        assert topics(replies)[0] == "staying-put"
