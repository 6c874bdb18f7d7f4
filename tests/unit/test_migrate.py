"""Migrations on a fresh checkout: the default SQLite database's folder does not exist yet."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from sms_gateway import migrate
from sms_gateway.db import make_engine


def test_migrating_a_sqlite_database_in_a_missing_folder_creates_the_folder(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'service.db'}"
    migrate.upgrade(url)  # what `make run` (and the service) do first on a fresh checkout
    engine = make_engine(url)
    try:
        assert {"messages", "conversations"} <= set(inspect(engine).get_table_names())
        assert migrate.at_head(engine)
    finally:
        engine.dispose()
