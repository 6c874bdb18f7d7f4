"""Answer a question from the curated knowledge base."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge.loader import knowledge_base
from knowledge.render import CHANNELS, Profile, render
from knowledge.training import ANSWER_ACTION, topic_for

logger = logging.getLogger(__name__)


def message_context(tracker: Tracker) -> dict[str, Any]:
    """What the service told Rasa about this message: channel, council, what it knows."""
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


class ActionAnswerFromKnowledge(Action):
    def name(self) -> str:
        return ANSWER_ACTION

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        articles, councils = knowledge_base()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        article = articles.get(topic_for(intent) or "")
        if article is None:
            # A rule sent us here for an intent with no article: a build mismatch, not the
            # young person's fault. Log the intent name only (never the message text).
            logger.error("no knowledge article for intent %s", intent)
            dispatcher.utter_message(response="utter_default")
            return []

        context = message_context(tracker)
        channel = context.get("channel") if context.get("channel") in CHANNELS else "web"
        age = context.get("age")
        reply = render(
            article,
            councils.get(str(context.get("council"))),
            Profile(age=age if isinstance(age, int) else None),
            channel,
        )
        dispatcher.utter_message(json_message=reply.as_payload())
        return []
