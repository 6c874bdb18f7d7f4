"""STOP, START and HELP: handled when the text is stored, in the webhook's own transaction,
so an opt-out holds before any reply still in the outbox goes. Used by the service and by
the separate SMS intake process (sms_gateway.intake), which has no assistant."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from sms_gateway import sms_notices
from sms_gateway.assistant import BotReply
from sms_gateway.councils import CouncilDirectory
from sms_gateway.models import Contact, Message
from sms_gateway.outbox import opt_out
from sms_gateway.sms_keywords import Keyword
from sms_gateway.store import queue_sms

logger = logging.getLogger(__name__)


class KeywordReplies:
    def __init__(
        self,
        councils: CouncilDirectory,
        *,
        max_segments: int,
        twilio_manages_opt_out: bool,
        wake_outbox: Callable[[], None],
    ) -> None:
        self._councils = councils
        self._max_segments = max_segments
        self._twilio_manages_opt_out = twilio_manages_opt_out
        # The outbox sends a queued reply at once when it is in this process; otherwise
        # (the intake process) at its next look, within a second.
        self._wake_outbox = wake_outbox

    def take(self, session: Session, inbound: Message, keyword: Keyword) -> None:
        """Opt the number out or in, or answer HELP; the text is marked "keyword" and never
        goes to the assistant. With Twilio's own opt-out handling on, Twilio sends the
        STOP and START confirmations, so we send none."""
        conversation = inbound.conversation
        contact: Contact = conversation.contact
        council = self._councils.get(conversation.council_id)
        inbound.status = "keyword"
        reply: BotReply | None = None
        if keyword == "stop":
            opt_out(contact, source="keyword")
            if not self._twilio_manages_opt_out:
                reply = BotReply(sms_notices.opted_out(council), topic="opted_out")
        elif keyword == "start":
            was_out = contact.opted_out
            contact.opted_out_at, contact.opt_out_source = None, None
            if was_out and not self._twilio_manages_opt_out:
                reply = BotReply(sms_notices.opted_in(council), topic="opted_in")
        else:
            reply = BotReply(sms_notices.help_text(council), topic="help")
        logger.info("sms %s is a %s keyword", inbound.id, keyword.upper())
        if reply and inbound.council_number:
            queue_sms(
                session,
                conversation.id,
                [reply],
                inbound.council_number,
                self._max_segments,
                "system",
            )
        self._wake_outbox()
