"""How a young person's message is answered: stored first, then the assistant, then replies.

Each step commits before the next starts, so a crash or an assistant outage never loses the
message: it stays in the database with its status. While the assistant is down, messages
wait (the young person is told once) and are re-asked in order when it is back. A
conversation's messages are answered one at a time, in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from knowledge.crisis import crisis_reply
from sms_gateway import sms_notices
from sms_gateway.assistant import AssistantClient, AssistantUnavailable, BotReply
from sms_gateway.councils import CouncilDirectory
from sms_gateway.db import transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.keyword_replies import KeywordReplies
from sms_gateway.live import LiveUpdates
from sms_gateway.models import Conversation, Message, utcnow
from sms_gateway.outbox import Outbox
from sms_gateway.safeguarding.check import Safeguard
from sms_gateway.signals import WorkerThreads
from sms_gateway.sms_keywords import Keyword
from sms_gateway.store import queue_sms, record_replies, replies_to

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Stores a web chat message in the given transaction: returns it and whether it is new.
StoreMessage = Callable[[Session], tuple[Message, bool]]
# Web chats whose conversation this process remembers (about 100 bytes each).
KNOWN_CHATS = 20_000

# (window, most messages in it) pairs, shortest window first.
RateLimits = tuple[tuple[dt.timedelta, int], ...]
# Marks an inbound message the classifier flagged and that got a check-in reply.
CHECKED_IN = "crisis_check"
HOLDING_REPLY = BotReply(
    text=(
        "Thanks, we've got your message. The assistant can't answer right now, so we'll reply "
        "here as soon as it's back. If you're in danger now, call 999."
    ),
    topic="holding",
)


@dataclass(frozen=True)
class _Request:
    """One inbound message as the assistant is asked about it."""

    conversation_id: str
    channel: str
    text: str
    metadata: dict[str, Any]
    earlier_waiting: bool  # an earlier message of the conversation must be answered first
    retrying: bool  # the message waited for the assistant before
    checked_in: bool  # the safeguarding check-in went before the assistant's answer
    council_number: str | None  # the council number a text came to (replies go from it)


@dataclass(frozen=True)
class _Prepared:
    conversation_id: str
    stored: list[Message]  # replies stored before the assistant (crisis contacts, notices)
    request: _Request | None  # None: the assistant is not to be asked


class MessageFlow:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        assistant: AssistantClient,
        outbox: Outbox,
        councils: CouncilDirectory,
        safeguard: Safeguard,
        *,
        twilio_manages_opt_out: bool = True,
        max_segments: int = 2,
        rate_limit_per_minute: int = 8,
        rate_limit_per_hour: int = 60,
        web_rate_limit_per_minute: int = 20,
        web_rate_limit_per_hour: int = 200,
        live: LiveUpdates | None = None,
        stale_after: dt.timedelta = dt.timedelta(seconds=45),
        worker_threads: int = 4,
    ) -> None:
        self._sessions = sessions
        self._assistant = assistant
        self._outbox = outbox
        self._councils = councils
        self._safeguard = safeguard
        self._twilio_manages_opt_out = twilio_manages_opt_out
        self._max_segments = max_segments
        self._limits = (
            (dt.timedelta(minutes=1), rate_limit_per_minute),
            (dt.timedelta(hours=1), rate_limit_per_hour),
        )
        # Typing (and tapping option buttons) is quicker than texting.
        self._web_limits = (
            (dt.timedelta(minutes=1), web_rate_limit_per_minute),
            (dt.timedelta(hours=1), web_rate_limit_per_hour),
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._chats: OrderedDict[str, str] = OrderedDict()  # web chat id -> conversation
        self._chats_lock = threading.Lock()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._live = live or LiveUpdates()
        # Inbound messages a job of this process is handling, and how old a message still
        # "received" must be before the recovery loop takes it as abandoned (its job failed
        # mid-way, e.g. while the database restarted, or another process died).
        self._in_hand: set[int] = set()
        # Texts whose job failed with an error: not taken up again at once (a text that
        # fails every time would otherwise be retried, and logged in Rasa, twice a second);
        # the recovery loop takes them up once they are `stale_after` old.
        self._failed: set[int] = set()
        self._stale_after = stale_after
        self._workers = WorkerThreads("flow", worker_threads)
        self._keywords = KeywordReplies(
            councils,
            max_segments=max_segments,
            twilio_manages_opt_out=twilio_manages_opt_out,
            wake_outbox=outbox.wake,
        )

    # Background jobs -------------------------------------------------------------------

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """Database and CPU work (the safeguarding check, SQL, SQLite's fsync) in a worker
        thread, so the event loop is never blocked by one message's work and a webhook
        is acknowledged while others are being answered."""
        return await self._workers.run(work, *args)

    def close(self) -> None:
        self._workers.close()

    def in_background(self, job: Coroutine[Any, Any, Any]) -> None:
        """Run a job after the HTTP answer has gone; keep a reference so it is not collected."""
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def wait_for_background(self, timeout: float = 30.0) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    # SMS -------------------------------------------------------------------------------

    def queue_sms(
        self,
        session: Session,
        conversation_id: str,
        replies: Iterable[BotReply],
        council_number: str,
        author: str = "bot",
        author_name: str | None = None,
        touch: bool = True,
    ) -> list[Message]:
        """Store replies as outbox rows (split to this service's longest SMS)."""
        return queue_sms(
            session,
            conversation_id,
            replies,
            council_number,
            self._max_segments,
            author,
            author_name,
            touch,
        )

    def take_keyword(self, session: Session, inbound: Message, keyword: Keyword) -> None:
        """STOP, START or HELP, handled at once in the webhook's transaction."""
        self._keywords.take(session, inbound, keyword)

    def take_up_sms(self, message_id: int, conversation_id: str) -> None:
        """Answer a stored text in the background, unless a job of this process already
        has it: the webhook and the poll for stored texts may both find it, and it must be
        answered once. Marked in hand now, before the job starts, so a poll that runs
        meanwhile leaves it alone. With the conversation known, the job queues for the
        conversation's turn as soon as it starts, so texts taken up in order are
        answered in order."""
        if message_id in self._in_hand:
            return
        self._in_hand.add(message_id)
        self.in_background(self._answer_taken_up(message_id, conversation_id))

    async def _answer_taken_up(self, message_id: int, conversation_id: str) -> None:
        try:
            await self.answer_sms(message_id, conversation_id)
        except BaseException:
            self._failed.add(message_id)
            raise

    async def answer_sms(self, message_id: int, conversation_id: str | None = None) -> None:
        """Answer one stored inbound SMS (in the background, after the webhook answered)."""
        await self._answer_in_order(message_id, conversation_id)
        self._outbox.wake()

    async def answer_web(
        self, message_id: int, conversation_id: str | None = None
    ) -> list[Message]:
        """The replies to one web message: crisis contacts for a risk phrase; otherwise the
        assistant's answer, after a check-in if the classifier thought it might be risk."""
        return await self._answer_in_order(message_id, conversation_id)

    async def _answer_in_order(self, message_id: int, conversation_id: str | None) -> list[Message]:
        """One inbound message, after any of its conversation's still being answered: every
        check before the assistant in one transaction, then the assistant, then its replies
        in a second one. The database work runs in a worker thread: the event loop stays
        free for webhooks and chat requests while it waits."""
        with self._handling(message_id):
            conversation_id = conversation_id or await self._off_loop(
                self._conversation_of, message_id
            )
            async with self._locks[conversation_id]:
                prepared = await self._off_loop(self._prepare, message_id)
                return await self._answer_prepared(message_id, prepared)

    async def _answer_prepared(self, message_id: int, prepared: _Prepared) -> list[Message]:
        """After the checks, in the conversation's turn: what they stored, then the
        assistant's answer if it is to be asked."""
        if prepared.stored:
            self.sent(prepared.conversation_id)
        if prepared.request is None:
            return prepared.stored
        return prepared.stored + await self._ask_and_store(message_id, prepared.request)

    async def take_web_message(
        self, chat_id: str, store: StoreMessage
    ) -> tuple[Message, list[Message]]:
        """A web chat message: stored by `store` (which checks the chat's token and stores
        the message once per client id), then answered in its conversation's turn.
        Returns it with its replies; for a retry of a message already answered or being
        answered, the replies so far (later ones come on the chat's event stream).

        A chat's conversation never changes, so once this process knows it (from the
        chat's start or an earlier message), the message is stored and checked in one
        transaction, in the conversation's turn: one transaction fewer per message."""
        conversation_id = self._chats.get(chat_id)
        if conversation_id is None:
            inbound, new = await self._off_loop(self._stored, store)
            self.remember_chat(chat_id, inbound.conversation_id)
            if new or self._unhandled(inbound):
                return inbound, await self.answer_web(inbound.id, inbound.conversation_id)
            return inbound, await self._off_loop(self._replies_so_far, inbound)
        async with self._locks[conversation_id]:
            inbound, prepared, so_far = await self._off_loop(self._store_and_prepare, store)
            if prepared is None:
                return inbound, so_far
            with self._handling(inbound.id):
                return inbound, await self._answer_prepared(inbound.id, prepared)

    def remember_chat(self, chat_id: str, conversation_id: str) -> None:
        """Which conversation a web chat is (kept for the most recent chats only). Called
        from the event loop and from request threads."""
        with self._chats_lock:
            self._chats[chat_id] = conversation_id
            self._chats.move_to_end(chat_id)
            while len(self._chats) > KNOWN_CHATS:
                self._chats.popitem(last=False)

    def _unhandled(self, inbound: Message) -> bool:
        """Stored by an earlier try whose answer failed part-way, and no job has it."""
        return inbound.status == "received" and not self.handling(inbound.id)

    def _stored(self, store: StoreMessage) -> tuple[Message, bool]:
        with transaction(self._sessions) as session:
            return store(session)

    def _replies_so_far(self, inbound: Message) -> list[Message]:
        with self._sessions() as session:
            return replies_to(session, inbound)

    def _store_and_prepare(
        self, store: StoreMessage
    ) -> tuple[Message, _Prepared | None, list[Message]]:
        """Store a web message and, if it is to be answered now, run the checks before the
        assistant in the same transaction; otherwise the replies it has had so far."""
        with transaction(self._sessions) as session:
            inbound, new = store(session)
            if new or self._unhandled(inbound):
                return inbound, self._checked(session, inbound), []
            return inbound, None, replies_to(session, inbound)

    def handling(self, message_id: int) -> bool:
        """Whether a job of this process is answering this message now."""
        return message_id in self._in_hand

    @contextlib.contextmanager
    def _handling(self, message_id: int) -> Iterator[None]:
        self._in_hand.add(message_id)
        try:
            yield
        finally:
            self._in_hand.discard(message_id)

    def _prepare(self, message_id: int) -> _Prepared:
        """What happens to an inbound message before the assistant, in one transaction:
        the safeguarding check first, then (by SMS) opt-out, the rate limit and the
        first-contact notice, or (on the web) the chat's rate limit; then whether an
        adviser holds the conversation. Returns the replies stored on the way and the
        request for the assistant, if it is to be asked."""
        with transaction(self._sessions) as session:
            return self._checked(session, _with_conversation(session, message_id))

    def _checked(self, session: Session, inbound: Message) -> _Prepared:
        """`_prepare`'s checks, in the caller's transaction."""
        stored, goes_on, risk_probability = self._checked_for_risk(session, inbound)
        if goes_on and inbound.conversation.channel == "sms":
            goes_on = self._screen_sms(session, inbound)
        elif goes_on:
            limited = self._web_rate_limited(session, inbound)
            if limited is not None:
                stored, goes_on = stored + limited, False
        request = self._request(session, inbound, risk_probability) if goes_on else None
        return _Prepared(inbound.conversation_id, stored, request)

    def _checked_for_risk(
        self, session: Session, inbound: Message
    ) -> tuple[list[Message], bool, float | None]:
        """The safeguarding check, before anything else (opt-out, rate limit, the
        assistant). Returns the replies it stored, whether the message goes on, and the
        classifier's risk probability (for the assistant; None when not measured).
        A risk phrase: crisis contacts at once, an urgent escalation, and the message goes
        no further. The classifier only: a gentle check-in with the same contacts and the
        same escalation, then the message goes on to the assistant as usual."""
        if inbound.status != "received" or inbound.topic == CHECKED_IN:
            return [], inbound.status == "received", None
        conversation = inbound.conversation
        checked = self._safeguard.assess(inbound.text, conversation.council_id)
        finding = checked.finding
        if finding is None:
            return [], True, checked.risk_probability
        sure = finding.found_by == "phrase"
        raise_escalation(session, conversation, "risk", urgent=True, category=finding.category)
        conversation.flagged_at = conversation.flagged_at or utcnow()
        conversation.flag_reason = conversation.flag_reason or finding.category
        inbound.risk_found_by, inbound.risk_evidence = finding.found_by, finding.evidence[:200]
        if sure:
            inbound.status = "risk"
        else:
            inbound.topic = CHECKED_IN  # so a re-run after a restart does not repeat it
        text, sources = crisis_reply(
            self._councils.get(conversation.council_id), age=None, told_team=True, sure=sure
        )
        reply = BotReply(text, topic="crisis" if sure else CHECKED_IN, sources=sources)
        logger.warning(
            "message %s flagged by the safeguarding %s: %s",
            inbound.id,
            finding.found_by,
            finding.category,
            extra={"message_id": inbound.id, "conversation_id": conversation.id},
        )
        stored = self.send(
            session, conversation, [reply], "system", council_number=inbound.council_number
        )
        return stored, not sure, checked.risk_probability

    def sent(self, conversation_id: str) -> None:
        """After messages from `send` are committed: deliver them now (from any thread)."""
        self._live.notify(conversation_id)
        self._outbox.wake()

    def send(
        self,
        session: Session,
        conversation: Conversation,
        replies: Iterable[BotReply],
        author: str,
        author_name: str | None = None,
        council_number: str | None = None,
    ) -> list[Message]:
        """Store messages from us (not the assistant's answers) for the conversation's
        channel: SMS go to the outbox, from `council_number` (by default the council number
        the young person last texted); web messages are delivered by the chat's live stream."""
        if conversation.channel == "sms":
            return self.queue_sms(
                session,
                conversation.id,
                replies,
                council_number or _last_council_number(session, conversation),
                author,
                author_name,
            )
        return record_replies(
            session, conversation.id, replies, "delivered", author=author, author_name=author_name
        )

    def _screen_sms(self, session: Session, inbound: Message) -> bool:
        """Before the assistant: opted out, rate limit, first-contact notice. True when the
        assistant should answer."""
        if inbound.status != "received":
            return False  # handled already (a restart re-ran it)
        conversation = inbound.conversation
        council_number = inbound.council_number or ""
        if conversation.contact.opted_out:
            # Twilio still forwards texts from a number that opted out, but blocks
            # replies; only START opts it back in. Kept for the team to see.
            inbound.status = "opted_out"
            return False
        if self._over_rate_limit(session, inbound):
            inbound.status = "rate_limited"
            if not self._told_to_slow_down(session, conversation):
                notice = BotReply(sms_notices.slow_down(), topic="rate_limited")
                self.queue_sms(session, conversation.id, [notice], council_number, "system")
            logger.info("sms %s over the rate limit: stored, not answered", inbound.id)
            return False
        if conversation.notice_sent_at is None:
            council = self._councils.get(conversation.council_id)
            notice = BotReply(sms_notices.first_contact(council), topic="first_contact")
            self.queue_sms(session, conversation.id, [notice], council_number, "system")
            conversation.notice_sent_at = utcnow()
        return True

    def _over_rate_limit(
        self, session: Session, inbound: Message, limits: RateLimits | None = None
    ) -> bool:
        """Counted over the number's texts up to this one, so a burst is cut at the same
        message however the background jobs interleave."""
        windows = limits or self._limits
        now = utcnow()
        since = {f"since_{i}": now - window for i, (window, _) in enumerate(windows)}
        counts = session.execute(
            _counts_in_windows(len(windows)),
            {"contact_id": inbound.conversation.contact_id, "up_to": inbound.id, **since},
        ).one()
        return any((count or 0) > limit for count, (_, limit) in zip(counts, windows, strict=True))

    def _told_to_slow_down(
        self, session: Session, conversation: Conversation, limits: RateLimits | None = None
    ) -> bool:
        since = utcnow() - (limits or self._limits)[-1][0]
        return (
            session.scalar(
                select(Message.id).where(
                    Message.conversation_id == conversation.id,
                    Message.topic == "rate_limited",
                    Message.created_at >= since,
                )
            )
            is not None
        )

    # Every channel ---------------------------------------------------------------------

    def _web_rate_limited(self, session: Session, inbound: Message) -> list[Message] | None:
        """The same per-minute and per-hour limits as for texts, per chat: a message over
        them is kept (and was checked for risk) but not sent to the assistant; the young
        person is told once. None when the message is within the limits."""
        if inbound.status != "received" or not self._over_rate_limit(
            session, inbound, self._web_limits
        ):
            return None
        inbound.status = "rate_limited"
        logger.info("web message %s over the rate limit: stored, not answered", inbound.id)
        if self._told_to_slow_down(session, inbound.conversation, self._web_limits):
            return []
        notice = BotReply(sms_notices.slow_down_web(), topic="rate_limited")
        return record_replies(session, inbound.conversation_id, [notice], "delivered", "system")

    async def answer(self, message_id: int) -> list[Message]:
        """Ask the assistant about one stored inbound message and store its replies.

        If earlier messages of the conversation are still waiting for the assistant, this
        one waits behind them, so answers never overtake each other.
        """
        request = await self._off_loop(self._request_for, message_id)
        if request is None:
            return []
        return await self._ask_and_store(message_id, request)

    def _request_for(self, message_id: int) -> _Request | None:
        with transaction(self._sessions) as session:
            inbound = session.get_one(Message, message_id)
            checked = self._safeguard.assess(inbound.text, inbound.conversation.council_id)
            return self._request(session, inbound, checked.risk_probability)

    def _request(
        self, session: Session, inbound: Message, risk_probability: float | None
    ) -> _Request | None:
        """What to ask the assistant, or None when an adviser holds the conversation (the
        assistant stays quiet and the message waits in the transcript for them)."""
        conversation = inbound.conversation
        if conversation.held_by is not None:
            inbound.status = "for_adviser"
            return None
        metadata: dict[str, Any] = {
            "channel": conversation.channel,
            "council": conversation.council_id,
        }
        if risk_probability is not None:
            # The assistant's risk intent stands down when this is very low
            # (bot/components/risk_recall.py; docs/safeguarding.md has the figures).
            metadata["risk_probability"] = round(risk_probability, 4)
        return _Request(
            conversation_id=conversation.id,
            channel=conversation.channel,
            text=inbound.text,
            metadata=metadata,
            earlier_waiting=_waiting_before(session, inbound, self._in_hand),
            retrying=inbound.status == "waiting",
            checked_in=inbound.topic == CHECKED_IN,
            council_number=inbound.council_number,
        )

    async def _ask_and_store(self, message_id: int, request: _Request) -> list[Message]:
        replies: list[BotReply] = []
        if not request.earlier_waiting:
            with contextlib.suppress(AssistantUnavailable):  # then it waits
                replies = await self._assistant.ask(
                    request.conversation_id, request.text, request.metadata
                )
        stored = await self._off_loop(self._store_answer, message_id, request, replies)
        if stored and request.channel == "web":
            self._live.notify(request.conversation_id)
        return stored

    def _store_answer(
        self, message_id: int, request: _Request, replies: list[BotReply]
    ) -> list[Message]:
        """The assistant's replies, or the message marked waiting (with a holding reply once
        per outage) when it could not answer: SMS queued in the outbox, web replies
        delivered (the chat's request or live stream shows them). Written by id, with
        what `_prepare` found: nothing needs loading first."""
        with transaction(self._sessions) as session:
            found: dict[str, Any] = {}  # what the assistant understood, when it says
            if replies:
                status = "answered"
                understood = next((r.understood for r in replies if r.understood), None)
                if understood:
                    found = {"heard": understood.intent, "sure": understood.confidence}
                if request.checked_in:
                    # The check-in gave the crisis contacts; the assistant's own crisis
                    # reply (its risk intent) would repeat them. Its escalation joins ours.
                    replies = [r for r in replies if r.topic != "crisis"]
            else:
                status = "waiting"
                # One holding reply per outage by SMS (not one per text); on the web each
                # request gets one as its answer. A re-ask that fails again adds nothing.
                first_of_outage = not request.earlier_waiting or request.channel == "web"
                if not request.retrying and first_of_outage:
                    replies = [HOLDING_REPLY]
            statement = _SET_UNDERSTOOD if found else _SET_STATUS
            session.execute(statement, {"message": message_id, "to": status, **found})
            logger.info(
                "message %s %s with %d reply(s)",
                message_id,
                status,
                len(replies),
                extra={
                    "message_id": message_id,
                    "conversation_id": request.conversation_id,
                    "status": status,
                },
            )
            if not replies:
                return []
            # The message they answer set the conversation's last message time (_added).
            if request.channel == "sms":
                return self.queue_sms(
                    session,
                    request.conversation_id,
                    replies,
                    request.council_number or "",
                    touch=False,
                )
            return record_replies(
                session, request.conversation_id, replies, status="delivered", touch=False
            )

    async def answer_waiting(self) -> tuple[int, bool]:
        """Re-ask the assistant about waiting messages, oldest first, if it is back.
        Returns how many were answered, and whether a re-ask failed although Rasa said it
        was up (the action server down)."""
        waiting = await self._off_loop(self._waiting)
        if not waiting or not await self._assistant.is_ready():
            return 0, False
        answered = 0
        for message_id, conversation_id in waiting:
            async with self._locks[conversation_id]:
                await self.answer(message_id)
                if await self._off_loop(self._status_of, message_id) != "answered":
                    # Still failing (e.g. the action server is down while Rasa is up):
                    # stop here rather than log the same texts into Rasa again and again.
                    break
                answered += 1
        if answered:
            logger.info("answered %d message(s) that waited for the assistant", answered)
            self._outbox.wake()
        return answered, answered < len(waiting)

    def _waiting(self) -> list[tuple[int, str]]:
        with self._sessions() as session:
            rows = session.execute(
                select(Message.id, Message.conversation_id)
                .where(Message.direction == "in", Message.status == "waiting")
                .order_by(Message.id)
            ).all()
        return [(i, conversation_id) for i, conversation_id in rows]

    async def run_recovery(self, every_seconds: float, longest: float = 120.0) -> None:
        """Until cancelled: answer what waited for the assistant once it is back. Asking
        whether Rasa is up is cheap; re-asks that fail while it is up back off (to
        `longest`), as each one is logged in Rasa's tracker."""
        delay = every_seconds
        while True:
            await asyncio.sleep(delay)
            try:
                await self.answer_abandoned()
                answered, failed = await self.answer_waiting()
            except Exception as error:
                logger.error("re-asking waiting messages failed: %s", type(error).__name__)
                answered, failed = 0, True
            delay = min(delay * 2, longest) if failed and not answered else every_seconds

    async def answer_abandoned(self) -> int:
        """Handle inbound messages still "received" long after they came, with no job of
        this process on them: their job failed part-way (the database restarting under it)
        or the process that had them died. Each step re-checks the status, so a message
        that was handled meanwhile is left alone. Returns how many were taken up."""
        abandoned = [
            (i, channel)
            for i, channel in await self._off_loop(self._received_before, self._stale_after)
            if i not in self._in_hand
        ]
        if abandoned:
            logger.warning("taking up %d message(s) left unhandled", len(abandoned))
        for message_id, channel in abandoned:
            if channel == "sms":
                await self.answer_sms(message_id)
                self._failed.discard(message_id)
            else:
                # The chat's HTTP request is gone; the replies reach the widget's transcript.
                await self.answer_web(message_id)
        return len(abandoned)

    async def take_up_stored_sms(self, every_seconds: float) -> None:
        """Until cancelled: answer texts that were stored but that no job of this process
        has: those the SMS intake process stored (it only stores and acknowledges), and
        any left from before a restart. The first look is at once. A text whose job failed
        here is left to the recovery loop (`answer_abandoned`). One service process per
        database: two would both take the same text."""
        while True:
            try:
                for message_id, conversation_id in await self._off_loop(self.pending_sms):
                    if message_id not in self._failed:
                        self.take_up_sms(message_id, conversation_id)
            except Exception as error:  # e.g. the database restarting: look again later
                logger.error("looking for stored texts failed: %s", type(error).__name__)
            await asyncio.sleep(every_seconds)

    def _received_before(self, age: dt.timedelta) -> list[tuple[int, str]]:
        with self._sessions() as session:
            rows = session.execute(
                select(Message.id, Conversation.channel)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .where(
                    Message.direction == "in",
                    Message.status == "received",
                    Message.created_at < utcnow() - age,
                )
                .order_by(Message.id)
            ).all()
        return [(i, channel) for i, channel in rows]

    def _status_of(self, message_id: int) -> str:
        with self._sessions() as session:
            return session.get_one(Message, message_id).status

    def pending_sms(self) -> list[tuple[int, str]]:
        """Inbound SMS stored but not yet handled (the intake stored them, or the service
        restarted), oldest first, each with its conversation. Web messages are left out:
        their own request answers them (the recovery loop takes up any it could not)."""
        with self._sessions() as session:
            rows = session.execute(
                select(Message.id, Message.conversation_id)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .where(
                    Conversation.channel == "sms",
                    Message.direction == "in",
                    Message.status == "received",
                    Message.external_id.is_not(None),  # a MessageSid: came from Twilio
                )
                .order_by(Message.id)
            ).all()
        return [(message_id, conversation_id) for message_id, conversation_id in rows]

    def _conversation_of(self, message_id: int) -> str:
        with self._sessions() as session:
            return session.get_one(Message, message_id).conversation_id


def _with_conversation(session: Session, message_id: int) -> Message:
    """An inbound message with its conversation and contact, in one query: every step of
    its handling reads them."""
    return session.get_one(
        Message,
        message_id,
        options=[joinedload(Message.conversation).joinedload(Conversation.contact)],
    )


def _last_council_number(session: Session, conversation: Conversation) -> str:
    return (
        session.scalar(
            select(Message.council_number)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == "in",
                Message.council_number.is_not(None),
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        or ""
    )


@functools.cache
def _counts_in_windows(windows: int) -> Select[Any]:
    """A contact's inbound messages up to one of them, counted in each rate limit window
    (shortest first) in one query. Built once: these queries run for every message, and
    building a statement costs more CPU than PostgreSQL takes to run it."""
    return (
        select(
            *(
                func.count(Message.id).filter(Message.created_at >= bindparam(f"since_{i}"))
                for i in range(windows)
            )
        )
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(
            Conversation.contact_id == bindparam("contact_id"),
            Message.direction == "in",
            Message.id <= bindparam("up_to"),
            Message.created_at >= bindparam(f"since_{windows - 1}"),
        )
    )


# Built once, Core rather than ORM-enabled (nothing is loaded in the session that stores the
# answer, so there is nothing to keep in step): they run for every message.
_SET_STATUS = (
    update(Message.__table__)
    .where(Message.__table__.c.id == bindparam("message"))
    .values(status=bindparam("to"))
)
_SET_UNDERSTOOD = _SET_STATUS.values(intent=bindparam("heard"), confidence=bindparam("sure"))

_EARLIER_UNANSWERED = select(Message.id, Message.status).where(
    Message.conversation_id == bindparam("conversation_id"),
    Message.direction == "in",
    Message.status.in_(("waiting", "received")),
    Message.id < bindparam("message_id"),
)


def _waiting_before(session: Session, inbound: Message, in_hand: set[int]) -> bool:
    """Whether an earlier message of the conversation must be answered first: one waiting
    for the assistant, or one still "received" that no job of this process has (its job
    died, or another service process has it). The later one then waits behind it."""
    earlier = session.execute(
        _EARLIER_UNANSWERED,
        {"conversation_id": inbound.conversation_id, "message_id": inbound.id},
    ).all()
    return any(status == "waiting" or i not in in_hand for i, status in earlier)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        logger.error("background job failed: %s", type(error).__name__)
