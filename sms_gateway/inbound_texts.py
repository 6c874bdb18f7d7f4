"""Taking an inbound text once Twilio's signature is checked: stored in the database, or
kept in the process's spool (sms_gateway.spool) and stored from there by `drain`. Either
way Twilio is told the text was taken only once it is safe, and no text is lost however
long a database outage lasts.

The service stores each text straight away and uses the spool only while the database is
unreachable. The SMS intake spools every text first (spool_first): Twilio's answer then
waits for one local write (about a millisecond) and never for the database, however busy
the machine is, and the drainer stores the text a moment later.

Order is kept: while any text waits in the spool, new ones go behind it, so a young
person's texts are stored (and answered) in the order they were sent.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from sms_gateway.db import DATABASE_DOWN, transaction
from sms_gateway.models import Message
from sms_gateway.signals import Signal
from sms_gateway.sms_keywords import Keyword, sms_keyword
from sms_gateway.spool import ReceivedText, SmsSpool
from sms_gateway.store import open_conversation, record_inbound_sms, sms_contact

logger = logging.getLogger(__name__)


class InboundSms(Protocol):
    """What happens to a text once it is stored: the service's MessageFlow answers it; the
    intake process leaves it to the service."""

    def take_keyword(self, session: Session, inbound: Message, keyword: Keyword) -> None: ...

    def take_up_sms(self, message_id: int, conversation_id: str) -> None: ...


@dataclass(frozen=True)
class StoredText:
    message_id: int
    conversation_id: str
    council_id: str
    handled: bool  # a keyword (STOP, HELP...) answered in the storing transaction


def store_text(state: State, text: ReceivedText) -> StoredText | None:
    """Store one text once (None if this MessageSid was stored before), handling a
    keyword in the same transaction."""
    council = state.councils.for_sms_number(text.council_number)
    keyword = sms_keyword(text.body, text.opt_out_type, state.settings)
    with transaction(state.sessions) as session:
        conversation = open_conversation(session, sms_contact(session, text.sender), council.id)
        message = record_inbound_sms(
            session,
            conversation,
            text.body.strip(),
            text.message_sid,
            text.council_number,
            received_at=text.received_at,
        )
        if message is None:
            return None
        # START/YES only mean "opt in" to a number that opted out; otherwise they are
        # ordinary words ("yes" to a question) for the assistant.
        handled = keyword is not None and (keyword != "start" or conversation.contact.opted_out)
        if handled:
            state.inbound_sms.take_keyword(session, message, keyword)
        return StoredText(message.id, conversation.id, council.id, handled)


class InboundTexts:
    """Each inbound text into the database, or into the spool while it is down; `drain`
    (a background task of the process) stores spooled texts once it is back."""

    def __init__(self, state: State, spool: SmsSpool, *, spool_first: bool = False) -> None:
        self._state = state
        self._spool = spool
        self._spool_first = spool_first
        self._wake = Signal()
        self._database_down = False  # as the drainer last found it, to log the change once

    @property
    def spool_path(self) -> Path:
        return self._spool.path

    @property
    def spooled(self) -> int:
        """Texts waiting in the spool for the database."""
        return len(self._spool)

    @property
    def set_aside(self) -> int:
        """Spooled texts the database kept refusing (not for being down)."""
        return self._spool.set_aside

    async def take(self, text: ReceivedText) -> None:
        """Raises only if the text could be neither spooled nor stored (then nothing was
        kept, and Twilio must try again)."""
        if self._spool_first:
            await self._spool_first_or_store(text)
            return
        if self.spooled:
            # Earlier texts are still in the spool: this one goes behind them.
            await self._keep(text)
            return
        try:
            stored = await run_in_threadpool(store_text, self._state, text)
        except DATABASE_DOWN as error:
            await self._keep(text, error)
            return
        self._taken(stored)

    async def _spool_first_or_store(self, text: ReceivedText) -> None:
        try:
            await run_in_threadpool(self._spool.keep, text)
        except (sqlite3.Error, OSError) as spool_error:
            # The disk is full or the file is broken: store it directly rather than refuse.
            logger.error("could not keep a text in the spool: %s", type(spool_error).__name__)
            self._taken(await run_in_threadpool(store_text, self._state, text))
            return
        self._wake.set()

    async def _keep(self, text: ReceivedText, error: Exception | None = None) -> None:
        try:
            await run_in_threadpool(self._spool.keep, text)
        except (sqlite3.Error, OSError) as spool_error:
            logger.error("could not keep a text in the spool: %s", type(spool_error).__name__)
            if error is not None:
                raise error from spool_error
            raise
        if error is not None:
            logger.warning(
                "database unavailable (%s): text kept in the spool (%d waiting)",
                type(error).__name__,
                self.spooled,
            )
        self._wake.set()

    def _taken(self, stored: StoredText | None) -> None:
        if stored is None:
            logger.info("duplicate inbound sms ignored (Twilio retry)")
            return
        logger.info(
            "inbound sms %s stored for council %s",
            stored.message_id,
            stored.council_id,
            extra={
                "message_id": stored.message_id,
                "conversation_id": stored.conversation_id,
                "council": stored.council_id,
            },
        )
        if not stored.handled:
            self._state.inbound_sms.take_up_sms(stored.message_id, stored.conversation_id)

    async def drain(self, every_seconds: float) -> None:
        """Forever: store spooled texts, oldest first, whenever the database answers;
        woken at once when a text is spooled, and every `every_seconds` while any wait."""
        while True:
            self._wake.clear()
            if self.spooled:
                try:
                    if not await self.store_spooled():
                        # Still down: not a try per text that arrives meanwhile.
                        await asyncio.sleep(every_seconds)
                        continue
                except Exception as error:  # kept in the spool, tried again next round
                    logger.error("storing a spooled text failed: %s", type(error).__name__)
            await self._wake.wait(timeout=every_seconds)

    async def store_spooled(self) -> bool:
        """Store spooled texts in order until none is left (True) or the database is down
        (False). A text is removed from the spool only once stored; stored twice (a crash
        in between), its MessageSid keeps it once. A text refused for another reason is
        tried again at the next round, and set aside after spool.MAX_ATTEMPTS tries so that
        the texts behind it are stored."""
        while (spooled := await run_in_threadpool(self._spool.oldest)) is not None:
            try:
                stored = await run_in_threadpool(store_text, self._state, spooled.text)
            except DATABASE_DOWN as error:
                if not self._database_down:
                    self._database_down = True
                    logger.warning(
                        "database unavailable (%s): %d texts wait in the spool",
                        type(error).__name__,
                        self.spooled,
                    )
                return False
            except Exception as error:
                if await run_in_threadpool(self._spool.failed, spooled.seq):
                    logger.error(
                        "a spooled text could not be stored (%s): set aside until the next"
                        " start (%d set aside)",
                        type(error).__name__,
                        self.set_aside,
                    )
                    continue
                raise
            await run_in_threadpool(self._spool.remove, spooled.seq)
            self._taken(stored)
            if not self.spooled and (self._database_down or not self._spool_first):
                self._database_down = False
                logger.warning("every spooled text is now in the database")
        return True
