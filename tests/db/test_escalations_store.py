"""Escalations and callbacks in the database: what holds when requests race."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms_gateway import callbacks, escalations
from sms_gateway.callbacks import AlreadyBooked, book_callback
from sms_gateway.db import transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.models import Callback, Conversation, Escalation
from sms_gateway.store import open_conversation, sms_contact

START = dt.datetime(2030, 3, 4, 10, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=2)


def conversation(session: Session, phone: str = "+447700900555") -> Conversation:
    return open_conversation(session, sms_contact(session, phone), "lancashire")


def missed_once(real: Callable[[Session, str], object]) -> Callable[[Session, str], object]:
    """A lookup that misses once, as if another request committed between it and our insert."""
    calls = iter([True])

    def lookup(session: Session, conversation_id: str) -> object:
        return None if next(calls, False) else real(session, conversation_id)

    return lookup


def test_a_taken_reference_is_replaced(sessions, monkeypatch: pytest.MonkeyPatch) -> None:
    references = iter(["CB-AAAAAA", "CB-AAAAAA", "CB-BBBBBB"])
    monkeypatch.setattr(callbacks, "new_reference", lambda: next(references))
    with transaction(sessions) as session:
        first = book_callback(session, conversation(session), "a", START, END, None)
        second = book_callback(
            session, conversation(session, "+447700900556"), "b", START, END, None
        )
    assert (first.reference, second.reference) == ("CB-AAAAAA", "CB-BBBBBB")


def test_a_booking_that_loses_a_race_gets_the_winners_reference(
    sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(sessions) as session:
        winner = book_callback(session, conversation(session), "a", START, END, None)
    monkeypatch.setattr(callbacks, "booked_callback", missed_once(callbacks.booked_callback))
    with transaction(sessions) as session, pytest.raises(AlreadyBooked) as lost:
        book_callback(session, conversation(session), "b", START, END, None)
    assert lost.value.reference == winner.reference


def test_an_escalation_that_loses_a_race_joins_the_open_one(
    sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(sessions) as session:
        winner, created = raise_escalation(session, conversation(session), "not_understood", False)
    assert created
    monkeypatch.setattr(escalations, "open_escalation", missed_once(escalations.open_escalation))
    with transaction(sessions) as session:
        joined, created = raise_escalation(session, conversation(session), "risk", True)
    assert not created
    assert (joined.id, joined.reason, joined.urgent) == (winner.id, "risk", True)


def test_the_database_holds_one_open_escalation_and_one_booked_callback(sessions) -> None:
    with transaction(sessions) as session:
        conversation_id = conversation(session).id

    def add(row: Escalation | Callback) -> None:
        with transaction(sessions) as session:
            session.add(row)

    def escalation(status: str) -> Escalation:
        return Escalation(
            conversation_id=conversation_id,
            council_id="lancashire",
            reason="risk",
            urgent=True,
            status=status,
        )

    def callback(reference: str, status: str) -> Callback:
        return Callback(
            reference=reference,
            conversation_id=conversation_id,
            council_id="lancashire",
            about="a",
            window_start=START,
            window_end=END,
            status=status,
        )

    add(escalation("resolved"))
    add(escalation("open"))
    with pytest.raises(IntegrityError):
        add(escalation("open"))
    add(callback("CB-222222", "cancelled"))
    add(callback("CB-333333", "booked"))
    with pytest.raises(IntegrityError):
        add(callback("CB-444444", "booked"))
