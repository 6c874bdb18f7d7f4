"""Answer a question from the curated knowledge base, fitted to the young person's age and
council; ask their age first when an article says the answer depends on it."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import (
    AGE_SLOT,
    channel,
    council,
    intent_of,
    known_age,
    profile,
    say,
    with_understood,
)
from actions.short_replies import age_in_text
from knowledge.loader import knowledge_base
from knowledge.model import Article
from knowledge.render import render
from knowledge.training import ANSWER_ACTION, topic_for

logger = logging.getLogger(__name__)

LAST_TOPIC_SLOT = "last_topic"
AGE_ASKED_SLOT = "age_asked"
PENDING_TOPIC_SLOT = "pending_topic"
OPTIONS_SLOT = "offered_options"
NOT_UNDERSTOOD_SLOT = "not_understood"

ASK_AGE = "Some of this depends on your age. How old are you? I'll tell you what applies to you."
NOTHING_MORE = (
    'Ask me a question first, like "can I stay with my foster carers after 18", and then '
    "reply MORE for the full answer."
)


def send_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    article: Article,
    *,
    full: bool = False,
    age: int | None = None,
) -> list[EventType]:
    """Render the article for this young person and channel; returns the slots to set."""
    reply = render(article, council(tracker), profile(tracker, age), channel(tracker), full=full)
    dispatcher.utter_message(json_message=with_understood(reply.as_payload(), tracker))
    return [
        SlotSet(LAST_TOPIC_SLOT, article.id),
        SlotSet(PENDING_TOPIC_SLOT, None),
        SlotSet(OPTIONS_SLOT, None),
        SlotSet(NOT_UNDERSTOOD_SLOT, 0.0),
    ]


def answer_or_ask_age(
    dispatcher: CollectingDispatcher, tracker: Tracker, article: Article
) -> list[EventType]:
    """Answer, and ask "How old are you?" if the answer depends on age, we don't know it, and
    we have not asked before (we ask once)."""
    events: list[EventType] = []
    age = known_age(tracker)
    stated = age_in_text(tracker.latest_message.get("text") or "")
    if stated is not None:
        age = stated
        events.append(SlotSet(AGE_SLOT, float(stated)))
    events += send_answer(dispatcher, tracker, article, age=age)
    if article.ask_age and age is None and not tracker.get_slot(AGE_ASKED_SLOT):
        # The general answer now (never hold information back), then the question; their
        # age, when it comes, brings the answer for their age.
        say(dispatcher, tracker, ASK_AGE, article.id)
        events += [SlotSet(AGE_ASKED_SLOT, True), SlotSet(PENDING_TOPIC_SLOT, article.id)]
    return events


class ActionAnswerFromKnowledge(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        articles, _ = knowledge_base()
        intent, _ = intent_of(tracker)
        article = articles.get(topic_for(intent) or "")
        if article is None:
            # A rule sent us here for an intent with no article: a build mismatch, not the
            # young person's fault. Log the intent name only (never the message text).
            logger.error("no knowledge article for intent %s", intent)
            say(dispatcher, tracker, "Sorry, I can't answer that right now.", "out-of-scope")
            return []
        return answer_or_ask_age(dispatcher, tracker, article)


class ActionAnswerMore(Action):
    """The fuller (web-length) version of the last answer, e.g. after "MORE" by SMS."""

    def name(self) -> str:
        return "action_answer_more"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        articles, _ = knowledge_base()
        article = articles.get(tracker.get_slot(LAST_TOPIC_SLOT) or "")
        if article is None:
            say(dispatcher, tracker, NOTHING_MORE, "not-understood")
            return []
        return send_answer(dispatcher, tracker, article, full=True)
