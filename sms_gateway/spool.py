"""Texts kept on local disk while the database is unreachable, in the order they came.

Twilio gives a webhook 15 seconds at most, retries included; a PostgreSQL restart or
fail-over can take longer. Rather than refuse a text and leave it in Twilio's error log,
the process that took it writes it here (one small SQLite file, synced to disk before
Twilio is answered) and stores it in the database once that is back, as RapidPro's courier
spools to disk. Give each process a file of its own: it counts what the file holds when it
last wrote to it, so the ordinary path (database up, nothing spooled) never touches it.

The file holds phone numbers and message text until they are in the database: it is
created readable by its owner only, and each text is deleted from it once stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_sid TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    council_number TEXT NOT NULL,
    body TEXT NOT NULL,
    opt_out_type TEXT,
    received_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class ReceivedText:
    """One inbound text as Twilio posted it (signature already checked)."""

    message_sid: str
    sender: str
    council_number: str
    body: str
    opt_out_type: str | None
    received_at: dt.datetime


@dataclass(frozen=True)
class SpooledText:
    seq: int
    text: ReceivedText


class SmsSpool:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created for its owner only: it holds numbers and texts while the database is down.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        with self._connection() as connection:
            connection.execute(_SCHEMA)
            self._count = _count(connection)

    @property
    def path(self) -> Path:
        return self._path

    def __len__(self) -> int:
        """Texts waiting here, as of this process's last write to the file."""
        return self._count

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # A connection per use: called from request threads and the drainer alike.
        connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        try:
            # FULL: a text is on disk before Twilio hears that it was taken.
            connection.execute("PRAGMA synchronous=FULL")
            yield connection
        finally:
            connection.close()

    def keep(self, text: ReceivedText) -> None:
        """Write a text to disk; a MessageSid already here (Twilio's retry) is kept once."""
        with self._lock, self._connection() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO texts (message_sid, sender, council_number, body,"
                " opt_out_type, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    text.message_sid,
                    text.sender,
                    text.council_number,
                    text.body,
                    text.opt_out_type,
                    text.received_at.isoformat(),
                ),
            )
            self._count = _count(connection)

    def oldest(self) -> SpooledText | None:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT seq, message_sid, sender, council_number, body, opt_out_type,"
                " received_at FROM texts ORDER BY seq LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        seq, sid, sender, council_number, body, opt_out_type, received_at = row
        received = dt.datetime.fromisoformat(received_at)
        return SpooledText(
            seq, ReceivedText(sid, sender, council_number, body, opt_out_type, received)
        )

    def remove(self, seq: int) -> None:
        """Once the text is in the database."""
        with self._lock, self._connection() as connection:
            connection.execute("DELETE FROM texts WHERE seq = ?", (seq,))
            self._count = _count(connection)


def _count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM texts").fetchone()[0])
