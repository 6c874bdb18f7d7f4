"""What the team learns from: the questions the assistant could not answer, grouped by what
it guessed they were about, and message volumes by topic and channel, week by week.

Only the staff member's council is counted. Examples are the young people's own words, so
this page is for the council's staff like the transcripts are.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sms_gateway.models import Conversation, Message, as_utc, utcnow

# The assistant's replies that mean "I did not know": it asked which topic was meant, or said
# it did not understand.
NOT_ANSWERED_TOPICS = ("not-understood", "clarify")
EXAMPLES_PER_GROUP = 3
NO_GUESS = "(no guess)"


@dataclass
class UnansweredGroup:
    guess: str  # the intent NLU leaned to, or NO_GUESS
    count: int = 0
    examples: list[str] = field(default_factory=list)


def unanswered(session: Session, council_id: str, since: dt.datetime) -> list[UnansweredGroup]:
    """Each question answered with "not understood" or "which did you mean", grouped by
    NLU's best guess, biggest group first, with a few recent examples."""
    reply = aliased(Message)
    question_id = (
        select(Message.id)
        .where(
            Message.conversation_id == reply.conversation_id,
            Message.direction == "in",
            Message.id < reply.id,
        )
        .order_by(Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    ids = set(
        session.scalars(
            select(question_id)
            .select_from(reply)
            .join(Conversation, reply.conversation_id == Conversation.id)
            .where(
                Conversation.council_id == council_id,
                reply.direction == "out",
                reply.topic.in_(NOT_ANSWERED_TOPICS),
                reply.created_at >= since,
            )
        )
    )
    ids.discard(None)
    questions = session.scalars(
        select(Message).where(Message.id.in_(ids)).order_by(Message.id.desc())
    )
    groups: dict[str, UnansweredGroup] = {}
    for question in questions:
        guess = question.intent or NO_GUESS
        group = groups.setdefault(guess, UnansweredGroup(guess))
        group.count += 1
        if len(group.examples) < EXAMPLES_PER_GROUP and not question.text.startswith("/"):
            group.examples.append(question.text)
    return sorted(groups.values(), key=lambda g: (-g.count, g.guess))


@dataclass
class Volumes:
    weeks: list[dt.date]  # Mondays, oldest first
    by_channel: dict[str, Counter[dt.date]]  # channel -> week -> young people's messages
    by_topic: dict[str, Counter[dt.date]]  # topic answered -> week -> answers

    def topic_total(self, topic: str) -> int:
        return sum(self.by_topic[topic].values())


def _monday(moment: dt.datetime) -> dt.date:
    day = as_utc(moment).date()
    return day - dt.timedelta(days=day.weekday())


def volumes(session: Session, council_id: str, weeks: int = 8) -> Volumes:
    now = utcnow()
    first = _monday(now) - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(
            Message.conversation_id,
            Message.direction,
            Message.author,
            Message.topic,
            Message.created_at,
            Conversation.channel,
        )
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Conversation.council_id == council_id, Message.created_at >= since)
        .order_by(Message.id)
    ).all()
    by_channel: dict[str, Counter[dt.date]] = defaultdict(Counter)
    by_topic: dict[str, Counter[dt.date]] = defaultdict(Counter)
    # The last thing counted in each conversation: an answer sent as several SMS parts (one
    # row each, the same topic) is one answer.
    last: dict[str, tuple[str, str | None]] = {}
    for conversation_id, direction, author, topic, created_at, channel in rows:
        week = _monday(created_at)
        if direction == "in":
            by_channel[channel][week] += 1
        elif author == "bot" and topic and last.get(conversation_id) != ("bot", topic):
            by_topic[topic][week] += 1
        last[conversation_id] = (author, topic)
    return Volumes(
        weeks=[first + dt.timedelta(weeks=i) for i in range(weeks)],
        by_channel=dict(by_channel),
        by_topic=dict(sorted(by_topic.items(), key=lambda item: -sum(item[1].values()))),
    )
