"""`python -m sms_gateway.queue`: one council's open escalations and booked callbacks."""

from __future__ import annotations

import datetime as dt

import pytest

from sms_gateway import migrate
from sms_gateway.callbacks import book_callback, cancel_callback
from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory, transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.models import Conversation, Escalation
from sms_gateway.queue import main
from sms_gateway.store import create_web_session, open_conversation, sms_contact

UTC = dt.UTC


def at(hours: int, day: int = 4, month: int = 3) -> dt.datetime:
    return dt.datetime(2030, month, day, hours, tzinfo=UTC)


@pytest.fixture
def queue_of(database_url: str, capsys: pytest.CaptureFixture[str]):
    """The queue as printed for a council, with rows added first."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        sms = open_conversation(session, sms_contact(session, "+447700900555"), "lancashire")
        web = create_web_session(session, "lancashire")[0].conversation
        other = open_conversation(session, sms_contact(session, "+447700900556"), "northbridge")
        later, _ = raise_escalation(session, sms, "asked_for_person", False)
        oldest, _ = raise_escalation(session, web, "not_understood", False)
        raise_escalation(session, other, "risk", True)
        # Summer time: 09:00 UTC is 10:00 in London.
        book_callback(session, sms, "money for college", at(9, 4, 6), at(11, 4, 6), None)
        book_callback(session, web, "housing", at(10), at(12), "07700 900123")
        cancelled = book_callback(session, other, "cancelled one", at(9), at(10), None)
        cancel_callback(session, cancelled)
    with transaction(sessions) as session:
        # Made oldest and urgent afterwards, so the order shown is not insertion order.
        session.get(Escalation, oldest.id).created_at = at(8, 1)
        session.get(Escalation, later.id).urgent = True
        ids = {"sms": sms.id, "web": web.id, "other": other.id}
    engine.dispose()

    def run(council: str) -> tuple[int, str, str]:
        code = main([council], Settings(database_url=database_url))
        printed = capsys.readouterr()
        return code, printed.out, printed.err

    return run, ids


def test_a_councils_queue_urgent_first_with_numbers_to_call(queue_of) -> None:
    run, ids = queue_of
    code, out, _ = run("lancashire")
    assert code == 0
    escalations, callbacks = out.split("Booked callbacks")
    assert "Open escalations (2)" in escalations
    urgent, oldest = [line for line in escalations.splitlines() if "conversation" in line]
    assert "URGENT" in urgent and "asked_for_person" in urgent and ids["sms"] in urgent
    assert urgent.rstrip().endswith("sms")
    assert "URGENT" not in oldest and "not_understood" in oldest and ids["web"] in oldest
    assert oldest.rstrip().endswith("web") and "Fri 01 Mar 08:00" in oldest  # GMT in March
    assert "(2)" in callbacks
    housing, college = callbacks.index("housing"), callbacks.index("money for college")
    assert housing < college  # soonest window first
    assert "Mon 04 Mar 10:00-12:00  call +447700900123" in callbacks
    assert "Tue 04 Jun 10:00-12:00  call +447700900555" in callbacks  # London summer time
    # Only this council's rows.
    assert ids["other"] not in out and "risk" not in out and "cancelled one" not in out


def test_another_council_sees_only_its_own(queue_of) -> None:
    run, ids = queue_of
    code, out, _ = run("northbridge")
    assert code == 0
    assert "URGENT" in out and "risk" in out and ids["other"] in out
    assert "Booked callbacks (0)" in out
    assert ids["sms"] not in out and "+447700900555" not in out


def test_an_unknown_council_is_an_error_not_an_empty_queue(queue_of) -> None:
    run, _ = queue_of
    code, out, err = run("lancs")
    assert code == 2 and out == ""
    assert "unknown council 'lancs'" in err and "lancashire" in err


def test_a_number_that_opted_out_is_marked_for_the_team(queue_of, database_url) -> None:
    run, ids = queue_of
    engine = make_engine(database_url)
    with transaction(make_session_factory(engine)) as session:
        session.get(Conversation, ids["sms"]).contact.opted_out_at = at(9)
    engine.dispose()
    _, out, _ = run("lancashire")
    marked = [line for line in out.splitlines() if "OPTED OUT OF TEXTS" in line]
    assert len(marked) == 2  # its escalation and its callback; the web chat is not marked
    assert ids["sms"] in marked[0] and "+447700900555" in marked[1]
