"""PostgreSQL databases for the run command's scaled topology: created if missing, so a new
machine needs only a running server."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from devtools.processes import SharedStores


def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server if it is not there; returns its SQLAlchemy URL."""
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(server_url)
    return urlunsplit(("postgresql+psycopg", parts.netloc, f"/{name}", parts.query, ""))


def drop_databases(server_url: str, names: list[str]) -> None:
    """Remove databases made for a run (connections to them are closed first)."""
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as connection:
        for name in filter(None, names):
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def shared_stores(server_url: str, tracker_db: str, redis_url: str) -> SharedStores:
    """Rasa's tracker database (created if missing) and lock store from two URLs."""
    ensure_database(server_url, tracker_db)
    postgres, redis = urlsplit(server_url), urlsplit(redis_url)
    return SharedStores(
        tracker_host=postgres.hostname or "127.0.0.1",
        tracker_port=postgres.port or 5432,
        tracker_db=tracker_db,
        tracker_user=postgres.username or "postgres",
        tracker_password=postgres.password or "",
        redis_host=redis.hostname or "127.0.0.1",
        redis_port=redis.port or 6379,
        redis_db=int(redis.path.strip("/") or 0),
    )
