"""Answer a question from the curated knowledge base, and give the fuller answer on MORE."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.loader import knowledge_base
from knowledge.model import SITUATIONS, Article
from knowledge.render import CHANNELS, Profile, render
from knowledge.training import ANSWER_ACTION, topic_for

logger = logging.getLogger(__name__)

LAST_TOPIC_SLOT = "last_topic"


def message_context(tracker: Tracker) -> dict[str, Any]:
    """What the service told Rasa about this message: channel, council, what it knows."""
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def send_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, article: Article, *, full: bool
) -> None:
    _, councils = knowledge_base()
    context = message_context(tracker)
    channel = context.get("channel") if context.get("channel") in CHANNELS else "web"
    age = context.get("age")
    situations = context.get("situations") or []
    reply = render(
        article,
        councils.get(str(context.get("council"))),
        Profile(
            age=age if isinstance(age, int) else None,
            situations=frozenset(s for s in situations if s in SITUATIONS),
        ),
        channel,
        full=full,
    )
    dispatcher.utter_message(json_message=reply.as_payload())


class ActionAnswerFromKnowledge(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        articles, _ = knowledge_base()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        article = articles.get(topic_for(intent) or "")
        if article is None:
            # A rule sent us here for an intent with no article: a build mismatch, not the
            # young person's fault. Log the intent name only (never the message text).
            logger.error("no knowledge article for intent %s", intent)
            dispatcher.utter_message(response="utter_default")
            return []
        send_answer(dispatcher, tracker, article, full=False)
        return [SlotSet(LAST_TOPIC_SLOT, article.id)]


class ActionAnswerMore(Action):
    """The fuller (web-length) version of the last answer, e.g. after "MORE" by SMS."""

    def name(self) -> str:
        return "action_answer_more"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        articles, _ = knowledge_base()
        article = articles.get(tracker.get_slot(LAST_TOPIC_SLOT) or "")
        if article is None:
            dispatcher.utter_message(response="utter_nothing_more")
            return []
        send_answer(dispatcher, tracker, article, full=True)
        return []
