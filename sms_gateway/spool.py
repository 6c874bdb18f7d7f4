"""Texts kept on local disk until they are in the database, in the order they came.

Twilio gives a webhook 15 seconds at most, retries included; a PostgreSQL restart or
fail-over can take longer. Rather than refuse a text and leave it in Twilio's error log,
the process that took it writes it here (one small SQLite file, synced to disk before
Twilio is answered) and stores it in the database once that is back, as RapidPro's courier
spools to disk. The SMS intake writes every text here first (SMS_INTAKE_SPOOL_FIRST), so
that Twilio's answer waits for one local write, never for the database. Give each process
a file of its own: it counts what the file holds when it last wrote to it, so the service's
ordinary path (database up, nothing spooled) never touches it.

A text that the database refuses for a reason other than being down (a bug, say) is tried
MAX_ATTEMPTS times and then set aside, so that it does not hold up every text behind it;
set-aside texts stay in the file and are tried again when the process next starts.

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
    received_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    set_aside INTEGER NOT NULL DEFAULT 0
)
"""
# Files written before texts could be set aside lack the last two columns.
_ADDED_COLUMNS = {
    "attempts": "ALTER TABLE texts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    "set_aside": "ALTER TABLE texts ADD COLUMN set_aside INTEGER NOT NULL DEFAULT 0",
}
MAX_ATTEMPTS = 3


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
            columns = {row[1] for row in connection.execute("PRAGMA table_info(texts)")}
            for column, statement in _ADDED_COLUMNS.items():
                if column not in columns:
                    connection.execute(statement)
            # A new start (perhaps with the fix deployed) tries set-aside texts again.
            connection.execute("UPDATE texts SET attempts = 0, set_aside = 0")
            self._count, self._set_aside = _counts(connection)

    @property
    def path(self) -> Path:
        return self._path

    def __len__(self) -> int:
        """Texts waiting here to be stored (not those set aside), as of this process's last
        write to the file."""
        return self._count

    @property
    def set_aside(self) -> int:
        """Texts the database refused MAX_ATTEMPTS times, kept until the next start."""
        return self._set_aside

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
            self._count, self._set_aside = _counts(connection)

    def oldest(self) -> SpooledText | None:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT seq, message_sid, sender, council_number, body, opt_out_type,"
                " received_at FROM texts WHERE set_aside = 0 ORDER BY seq LIMIT 1"
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
            self._count, self._set_aside = _counts(connection)

    def failed(self, seq: int) -> bool:
        """Count a failed try to store a text; True if that set it aside."""
        with self._lock, self._connection() as connection:
            connection.execute(
                "UPDATE texts SET attempts = attempts + 1,"
                " set_aside = (attempts + 1 >= ?) WHERE seq = ?",
                (MAX_ATTEMPTS, seq),
            )
            row = connection.execute("SELECT set_aside FROM texts WHERE seq = ?", (seq,)).fetchone()
            self._count, self._set_aside = _counts(connection)
        return bool(row and row[0])


def _counts(connection: sqlite3.Connection) -> tuple[int, int]:
    """(waiting, set aside)."""
    waiting, set_aside = connection.execute(
        "SELECT count(*) - coalesce(sum(set_aside), 0), coalesce(sum(set_aside), 0) FROM texts"
    ).fetchone()
    return int(waiting), int(set_aside)
