"""The SMS spool: texts waiting for the database are on disk, in order, once each, readable
only by their owner, and still there for the next process on the same file; one that keeps
failing is set aside rather than holding up the rest."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path

from sms_gateway.spool import MAX_ATTEMPTS, ReceivedText, SmsSpool

AT = dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC)


def text(sid: str, body: str, minutes: int = 0) -> ReceivedText:
    return ReceivedText(
        sid, "+447700900601", "+447700900100", body, None, AT + dt.timedelta(minutes=minutes)
    )


def test_texts_come_out_oldest_first_and_each_once(tmp_path: Path) -> None:
    spool = SmsSpool(tmp_path / "spool.sqlite3")
    spool.keep(text("SM1", "first", 0))
    spool.keep(text("SM2", "second", 1))
    spool.keep(text("SM1", "first", 0))  # Twilio's retry of the same text
    assert len(spool) == 2

    oldest = spool.oldest()
    assert oldest is not None and oldest.text == text("SM1", "first", 0)
    spool.remove(oldest.seq)
    following = spool.oldest()
    assert following is not None and following.text.body == "second"
    assert following.text.received_at == AT + dt.timedelta(minutes=1)
    spool.remove(following.seq)
    assert len(spool) == 0 and spool.oldest() is None


def test_a_new_process_on_the_same_file_finds_what_the_last_one_kept(tmp_path: Path) -> None:
    path = tmp_path / "spool" / "intake.sqlite3"  # its folder is made too
    SmsSpool(path).keep(text("SM1", "kept before a restart"))
    again = SmsSpool(path)
    assert len(again) == 1
    kept = again.oldest()
    assert kept is not None and kept.text.body == "kept before a restart"


def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    spool = SmsSpool(tmp_path / "spool.sqlite3")
    assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600


def test_a_text_that_keeps_failing_is_set_aside_until_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    spool = SmsSpool(path)
    spool.keep(text("SM1", "a text that hits a bug", 0))
    spool.keep(text("SM2", "the next text", 1))
    broken = spool.oldest()
    assert broken is not None
    assert [spool.failed(broken.seq) for _ in range(MAX_ATTEMPTS)] == [False, False, True]
    assert (len(spool), spool.set_aside) == (1, 1)
    following = spool.oldest()  # the texts behind it are no longer held up
    assert following is not None and following.text.body == "the next text"
    spool.remove(following.seq)
    assert spool.oldest() is None

    again = SmsSpool(path)  # a restart, perhaps with the fix deployed: tried again
    assert (len(again), again.set_aside) == (1, 0)
    retried = again.oldest()
    assert retried is not None and retried.text.body == "a text that hits a bug"


def test_a_file_from_before_texts_could_be_set_aside_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE texts (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_sid TEXT NOT"
            " NULL UNIQUE, sender TEXT NOT NULL, council_number TEXT NOT NULL, body TEXT NOT"
            " NULL, opt_out_type TEXT, received_at TEXT NOT NULL)"
        )
        old.execute(
            "INSERT INTO texts (message_sid, sender, council_number, body, received_at)"
            " VALUES ('SM1', '+447700900601', '+447700900100', 'kept by the old version', ?)",
            (AT.isoformat(),),
        )
    old.close()
    spool = SmsSpool(path)
    kept = spool.oldest()
    assert len(spool) == 1 and kept is not None and kept.text.body == "kept by the old version"
    assert spool.failed(kept.seq) is False
