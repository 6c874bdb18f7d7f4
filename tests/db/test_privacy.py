"""Retention purge and erasing one number: what goes, what stays, and Rasa's copy too."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sms_gateway import migrate, privacy
from sms_gateway.callbacks import book_callback
from sms_gateway.config import Settings
from sms_gateway.db import transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.models import Callback, Contact, Conversation, Message, Note, utcnow
from sms_gateway.store import create_web_session, open_conversation, record_inbound, sms_contact

OLD = utcnow() - dt.timedelta(days=400)
PHONE = "+447700900555"


@pytest.fixture
def rasa_db(tmp_path: Path) -> Path:
    """A Rasa SQL tracker store's events table (the columns purge and erase use)."""
    path = tmp_path / "rasa-tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
            "timestamp FLOAT, data TEXT)"
        )
    return path


def add_rasa_events(path: Path, sender: str, *timestamps: dt.datetime) -> None:
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) "
            "VALUES (?, 'user', ?, '{}')",
            [(sender, t.timestamp()) for t in timestamps],
        )


def rasa_senders(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return sorted({row[0] for row in connection.execute("SELECT sender_id FROM events")})


def texted(session: Session, phone: str, when: dt.datetime, text: str = "hi") -> Conversation:
    conversation = open_conversation(session, sms_contact(session, phone), "lancashire")
    message = record_inbound(session, conversation, text)
    message.created_at = when
    conversation.last_message_at = when
    return conversation


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def run(argv: list[str], database_url: str, rasa_db: Path | None) -> int:
    settings = Settings(
        database_url=database_url,
        rasa_tracker_db_url=f"sqlite:///{rasa_db}" if rasa_db else None,
    )
    return privacy.main(argv, settings=settings)


def test_purge_deletes_old_messages_but_keeps_what_a_person_still_needs(
    sessions, database_url, rasa_db, capsys
) -> None:
    with transaction(sessions) as session:
        old = texted(session, "+447700900601", OLD)
        session.add(
            Note(
                conversation_id=old.id, account_id="a", author_name="Sam", text="n", created_at=OLD
            )
        )
        kept_for_escalation = texted(session, "+447700900602", OLD)
        raise_escalation(session, kept_for_escalation, "asked_for_person", urgent=False)
        recent = texted(session, "+447700900603", utcnow())
        opted_out = texted(session, "+447700900604", OLD)
        opted_out.contact.opted_out_at = OLD
        ids = (old.id, kept_for_escalation.id, recent.id)
    for sender in ids:
        add_rasa_events(rasa_db, sender, OLD)
    add_rasa_events(rasa_db, recent.id, utcnow())

    assert run(["purge", "--dry-run"], database_url, rasa_db) == 0
    with sessions() as session:
        assert count(session, Message) == 4  # a dry run deletes nothing
    assert "would delete 2 messages" in capsys.readouterr().out

    assert run(["purge"], database_url, rasa_db) == 0
    out = capsys.readouterr().out
    assert "deleted 2 messages" in out and PHONE not in out
    assert "deleted 1 private notes" in out
    with sessions() as session:
        remaining = set(session.scalars(select(Conversation.id)))
        assert remaining == {kept_for_escalation.id, recent.id}
        addresses = set(session.scalars(select(Contact.address)))
        # The opted-out number stays (only the number and the opt-out), so it is honoured.
        assert addresses == {"+447700900602", "+447700900603", "+447700900604"}
    assert rasa_senders(rasa_db) == sorted([kept_for_escalation.id, recent.id])


def test_erase_removes_everything_about_one_number_and_nothing_else(
    sessions, database_url, rasa_db, capsys
) -> None:
    with transaction(sessions) as session:
        mine = texted(session, PHONE, utcnow(), "my rent question")
        raise_escalation(session, mine, "asked_for_person", urgent=False)
        book_callback(session, mine, "rent", utcnow(), utcnow() + dt.timedelta(hours=1), None)
        web, _ = create_web_session(session, "lancashire")
        record_inbound(session, web.conversation, "ring me on 07700 900555")
        start = utcnow() + dt.timedelta(days=1)
        book_callback(
            session, web.conversation, "rent", start, start + dt.timedelta(hours=1), PHONE
        )
        other = texted(session, "+447700900777", utcnow())
        ids = (mine.id, web.conversation_id, other.id)
    for sender in ids:
        add_rasa_events(rasa_db, sender, utcnow())

    assert run(["erase", "07700 900555"], database_url, rasa_db) == 0
    out = capsys.readouterr().out
    assert "deleted 2 conversations" in out and "555" not in out
    with sessions() as session:
        assert set(session.scalars(select(Conversation.id))) == {other.id}
        assert count(session, Callback) == 0
        assert list(session.scalars(select(Message.text))) == ["hi"]
        assert set(session.scalars(select(Contact.address))) == {"+447700900777"}
    assert rasa_senders(rasa_db) == [other.id]

    assert run(["erase", PHONE], database_url, rasa_db) == 0
    assert "Nothing is held" in capsys.readouterr().out


def test_erase_without_rasa_store_says_what_to_remove_by_hand(
    sessions, database_url, capsys
) -> None:
    with transaction(sessions) as session:
        mine = texted(session, PHONE, utcnow())
    assert run(["erase", PHONE], database_url, None) == 0
    out = capsys.readouterr().out
    assert "RASA_TRACKER_DB_URL is not set" in out and mine.id in out


def test_erase_refuses_something_that_is_not_a_number(database_url, capsys) -> None:
    migrate.upgrade(database_url)
    assert run(["erase", "not a number"], database_url, None) == 2
