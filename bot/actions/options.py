"""Numbered options: offered when the assistant is unsure, chosen by replying "1", "2" or
"3" by SMS or with a button on the web. Also reads a reply that only gives an age."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import AGE_SLOT, channel, say
from actions.knowledge_answer import (
    OPTIONS_SLOT,
    PENDING_TOPIC_SLOT,
    answer_or_ask_age,
    send_answer,
)
from actions.short_replies import LAST, age_reply, option_number
from knowledge.loader import knowledge_base

CALLBACK_CHOICE = "action:callback"
PERSON_CHOICE = "action:human"
# What choosing an action option runs next.
CHOICE_ACTIONS = {CALLBACK_CHOICE: "callback_form", PERSON_CHOICE: "action_request_person"}
CHOICE_TITLES = {CALLBACK_CHOICE: "Ask my PA to call me", PERSON_CHOICE: "Talk to a person"}


def topic_choice(topic: str) -> str:
    return f"topic:{topic}"


def choice_title(choice: str) -> str:
    if choice in CHOICE_TITLES:
        return CHOICE_TITLES[choice]
    articles, _ = knowledge_base()
    article = articles.get(choice.removeprefix("topic:"))
    return article.title if article else choice


def _numbers(count: int) -> str:
    numbers = [str(n) for n in range(1, count + 1)]
    return numbers[0] if count == 1 else f"{', '.join(numbers[:-1])} or {numbers[-1]}"


def offer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    question: str,
    choices: list[str],
    topic: str,
    after: str = "",
) -> list[EventType]:
    """Ask which one they mean, as numbered lines; the web also gets the options as buttons
    that send the number."""
    options = [
        {"number": n, "title": choice_title(c), "reply": str(n)}
        for n, c in enumerate(choices, start=1)
    ]
    lines = [f"{o['number']}. {o['title']}" for o in options]
    # The web shows buttons too, but the numbered text reads well with a screen reader.
    prompt = f"Reply {_numbers(len(options))}." if channel(tracker) == "sms" else ""
    text = "\n".join([question, *lines, (prompt + after).strip()]).strip()
    say(dispatcher, tracker, text, topic, options=options)
    return [SlotSet(OPTIONS_SLOT, choices)]


def take_choice(dispatcher: CollectingDispatcher, tracker: Tracker, choice: str) -> list[EventType]:
    cleared: list[EventType] = [SlotSet(OPTIONS_SLOT, None)]
    if choice in CHOICE_ACTIONS:
        return [*cleared, FollowupAction(CHOICE_ACTIONS[choice])]
    articles, _ = knowledge_base()
    article = articles.get(choice.removeprefix("topic:"))
    if article is None:
        return cleared
    return [*cleared, *answer_or_ask_age(dispatcher, tracker, article)]


class ActionHandleShortReply(Action):
    """A reply of only a number or an age, read against what the assistant last asked."""

    def name(self) -> str:
        return "action_handle_short_reply"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        choices: list[str] = tracker.get_slot(OPTIONS_SLOT) or []
        number = option_number(text)
        if choices and number is not None:
            index = len(choices) if number == LAST else number
            if 1 <= index <= len(choices):
                return take_choice(dispatcher, tracker, choices[index - 1])
            say(
                dispatcher,
                tracker,
                f"Please reply with a number from 1 to {len(choices)}.",
                "clarify",
            )
            return []
        age = age_reply(text)
        if age is None and number is not None and number >= 10:
            age = number
        if age is not None:
            return self._remember_age(dispatcher, tracker, age)
        say(
            dispatcher,
            tracker,
            "Sorry, I'm not sure what that's for. Ask me a question, or type MENU to see "
            "what I can help with.",
            "not-understood",
        )
        return []

    @staticmethod
    def _remember_age(
        dispatcher: CollectingDispatcher, tracker: Tracker, age: int
    ) -> list[EventType]:
        remembered: list[EventType] = [SlotSet(AGE_SLOT, float(age))]
        articles, _ = knowledge_base()
        pending = articles.get(tracker.get_slot(PENDING_TOPIC_SLOT) or "")
        if pending is not None:
            return [*remembered, *send_answer(dispatcher, tracker, pending, age=age)]
        say(
            dispatcher,
            tracker,
            f"Thanks. I'll remember you're {age}, so my answers fit your age. What would you "
            "like to know?",
            "age",
        )
        return remembered
