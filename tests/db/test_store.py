"""The service's store on SQLite and PostgreSQL: migrations and the guarantees it relies on."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from sms_gateway import migrate
from sms_gateway.assistant import BotReply
from sms_gateway.db import make_engine, transaction
from sms_gateway.models import Base, Contact, Message, WebSession
from sms_gateway.store import (
    create_web_session,
    find_web_session,
    open_conversation,
    record_inbound_sms,
    record_replies,
    sms_contact,
)


def test_migrations_create_every_table_and_downgrade_cleanly(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert {
        "contacts",
        "conversations",
        "messages",
        "web_sessions",
        "escalations",
        "callbacks",
    } <= tables
    command.downgrade(migrate.alembic_config(database_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_migrations_create_what_the_models_describe(database_url: str) -> None:
    """The hand-written migrations and models.py agree: tables, columns, types, indexes."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_inbound_sms_with_the_same_message_sid_is_stored_once(sessions) -> None:
    with transaction(sessions) as session:
        conversation = open_conversation(
            session, sms_contact(session, "+447700900555"), "lancashire"
        )
        first = record_inbound_sms(session, conversation, "hello", "SM" + "a" * 32, "+447700900100")
        again = record_inbound_sms(session, conversation, "hello", "SM" + "a" * 32, "+447700900100")
    assert first is not None
    assert again is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_a_phone_number_is_one_contact_and_one_conversation_per_council(sessions) -> None:
    with transaction(sessions) as session:
        a = open_conversation(session, sms_contact(session, "+447700900555"), "lancashire")
    with transaction(sessions) as session:
        b = open_conversation(session, sms_contact(session, "+447700900555"), "lancashire")
        c = open_conversation(session, sms_contact(session, "+447700900555"), "northbridge")
    assert a.id == b.id
    assert c.id != a.id
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_replies_keep_topic_and_sources(sessions) -> None:
    with transaction(sessions) as session:
        conversation = open_conversation(
            session, sms_contact(session, "+447700900556"), "lancashire"
        )
        record_replies(
            session,
            conversation.id,
            [BotReply("Staying Put ...", "staying-put", [{"id": "s1", "title": "T"}])],
            status="queued",
        )
    with sessions() as session:
        stored = session.scalars(select(Message)).one()
        assert (stored.direction, stored.topic, stored.status) == ("out", "staying-put", "queued")
        assert stored.sources == [{"id": "s1", "title": "T"}]


def test_web_session_needs_its_own_token_and_expires(sessions) -> None:
    with transaction(sessions) as session:
        web_session, token = create_web_session(session, "lancashire")
        _, other_token = create_web_session(session, "lancashire")
    with transaction(sessions) as session:
        assert find_web_session(session, web_session.id, token) is not None
        assert find_web_session(session, web_session.id, other_token) is None
        assert find_web_session(session, "nope", token) is None
        # Only a hash is stored: the token itself is nowhere in the database.
        assert session.get(WebSession, web_session.id).token_hash != token
        session.get(WebSession, web_session.id).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(
            seconds=1
        )
    with transaction(sessions) as session:
        assert find_web_session(session, web_session.id, token) is None
