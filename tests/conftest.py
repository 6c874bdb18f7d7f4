"""Shared fixtures: databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

# The PostgreSQL the tests use (trust auth on these machines; see DESIGN.md). Each test gets
# its own schema, so runs never see each other's rows.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema_url(schema: str) -> str:
    base = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def _connect() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}). The database tests run on "
            "PostgreSQL too: start it (see README, 'Running the tests') or set TEST_POSTGRES_URL."
        )


DATABASE_KINDS = ["sqlite", "postgresql"]


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty database of the given kind; migrations are applied by whoever uses it."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'service.db'}"
        return
    schema = f"t_{secrets.token_hex(6)}"
    with _connect() as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_schema_url(schema)
    finally:
        with _connect() as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def own_sms_spool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every app a test makes keeps texts taken while its database is down in a spool of the
    test's own, never in the checkout's var/, where another test's app would store them."""
    monkeypatch.setenv("SMS_SPOOL_PATH", str(tmp_path / "sms-spool.sqlite3"))
