"""The SMS spool: texts taken while the database is down are on disk, in order, once each,
readable only by their owner, and still there for the next process on the same file."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

from sms_gateway.spool import ReceivedText, SmsSpool

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
