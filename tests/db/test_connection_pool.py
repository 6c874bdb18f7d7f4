"""The service's PostgreSQL connection pool when the server drops its connections (it
restarted, or failed over): a connection that sat idle is checked before use and replaced,
so the request that takes it does not fail; a connection used a moment ago is not checked,
and if it turns out broken the pool replaces every connection at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from sms_gateway import db
from tests.conftest import POSTGRES_URL

URL = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = db.make_engine(URL)
    yield engine
    engine.dispose()


def backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def drop(pid: int) -> None:
    """What a server restart does to a connection: its backend ends."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.1)


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(engine: Engine) -> None:
    dropped = backend_of(engine)
    drop(dropped)
    time.sleep(db.PING_AFTER_IDLE_SECONDS + 0.2)
    assert backend_of(engine) != dropped  # no error: checked, found dead, replaced


def test_a_connection_in_use_a_moment_ago_is_not_checked_and_the_pool_recovers(
    engine: Engine,
) -> None:
    drop(backend_of(engine))
    with pytest.raises(OperationalError) as failed:
        backend_of(engine)
    assert failed.value.connection_invalidated
    backend_of(engine)  # the pool was renewed: the next request works


def test_only_a_connection_idle_for_a_while_is_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    for _ in range(3):  # a new connection, then the same one returned a moment ago
        backend_of(engine)
    assert pings == []
    time.sleep(db.PING_AFTER_IDLE_SECONDS + 0.2)
    backend_of(engine)
    assert len(pings) == 1
