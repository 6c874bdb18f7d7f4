"""When NLU is not confident: offer the close topics as numbered options, or say honestly
that the assistant did not understand. It never guesses an answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import say
from actions.knowledge_answer import NOT_UNDERSTOOD_SLOT, OPTIONS_SLOT
from actions.options import CALLBACK_CHOICE, PERSON_CHOICE, offer, topic_choice
from knowledge.loader import knowledge_base
from knowledge.training import topic_for

# Topics worth offering: at least this confident, and not far below the best one.
OPTION_FLOOR = 0.12
OPTION_SHARE_OF_TOP = 0.35
MAX_OPTIONS = 3
# Conversational intents that can be offered beside topics when they come close.
OFFERABLE = {"request_callback": CALLBACK_CHOICE, "human": PERSON_CHOICE}

FIRST_MISS = (
    "Sorry, I didn't understand that. Could you say it another way? I can help with money, "
    "housing, education and work, health, your rights and your council's local offer. "
    "Type MENU to see more."
)
SECOND_MISS = "Sorry, I still don't understand, and I don't want to guess. I can:"


def ranking(tracker: Tracker) -> list[tuple[str, float]]:
    ranked = tracker.latest_message.get("intent_ranking") or []
    return [
        (r["name"], float(r.get("confidence") or 0.0))
        for r in ranked
        if r.get("name") and r["name"] != "nlu_fallback"
    ]


def close_choices(ranked: list[tuple[str, float]]) -> list[str]:
    """The topics (and callback/person) near the top of NLU's ranking, best first."""
    articles, _ = knowledge_base()
    offerable: list[tuple[str, float]] = []
    for name, confidence in ranked:
        topic = topic_for(name)
        if topic in articles:
            offerable.append((topic_choice(topic), confidence))
        elif name in OFFERABLE:
            offerable.append((OFFERABLE[name], confidence))
    if not offerable:
        return []
    top = offerable[0][1]
    floor = max(OPTION_FLOOR, top * OPTION_SHARE_OF_TOP)
    return [choice for choice, confidence in offerable[:MAX_OPTIONS] if confidence >= floor]


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # (Risk never gets here: components/risk_recall.py puts it first whenever it is close.)
        ranked = ranking(tracker)
        choices = close_choices(ranked)
        if choices and any(c.startswith("topic:") for c in choices):
            question = "I want to get this right. Which of these do you mean?"
            return offer(dispatcher, tracker, question, choices, "clarify",
                         after=" Or ask another way.")  # fmt: skip
        misses = int(tracker.get_slot(NOT_UNDERSTOOD_SLOT) or 0) + 1
        if misses < 2:
            say(dispatcher, tracker, FIRST_MISS, "not-understood")
            return [SlotSet(NOT_UNDERSTOOD_SLOT, float(misses)), SlotSet(OPTIONS_SLOT, None)]
        events = offer(
            dispatcher,
            tracker,
            SECOND_MISS,
            [CALLBACK_CHOICE, PERSON_CHOICE],
            "not-understood",
            after=" Or try asking another way.",
        )
        return [*events, SlotSet(NOT_UNDERSTOOD_SLOT, float(misses))]
