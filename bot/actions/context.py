"""What an action knows about the message in hand: channel, council, the young person's age,
and how it sends a reply the service understands."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.short_replies import PLAUSIBLE_AGES
from knowledge.loader import knowledge_base
from knowledge.model import SITUATIONS, Council
from knowledge.render import CHANNELS, Profile
from knowledge.sms_text import normalise

LONDON = ZoneInfo("Europe/London")
AGE_SLOT = "age"


def now() -> dt.datetime:
    """The time in England: office hours and callback times are in local time."""
    return dt.datetime.now(LONDON)


def metadata(tracker: Tracker) -> dict[str, Any]:
    """What the service told Rasa about this message (channel, council)."""
    data = tracker.latest_message.get("metadata") or {}
    return data if isinstance(data, dict) else {}


def channel(tracker: Tracker) -> str:
    value = metadata(tracker).get("channel")
    return value if value in CHANNELS else "web"


def council(tracker: Tracker) -> Council | None:
    _, councils = knowledge_base()
    return councils.get(str(metadata(tracker).get("council")))


def council_name(tracker: Tracker) -> str:
    found = council(tracker)
    return found.name if found else "your council"


def known_age(tracker: Tracker) -> int | None:
    for value in (tracker.get_slot(AGE_SLOT), metadata(tracker).get("age")):
        if isinstance(value, int | float) and int(value) in PLAUSIBLE_AGES:
            return int(value)
    return None


def profile(tracker: Tracker, age: int | None = None) -> Profile:
    situations = metadata(tracker).get("situations") or []
    return Profile(
        age=age if age is not None else known_age(tracker),
        situations=frozenset(s for s in situations if s in SITUATIONS),
    )


def intent_of(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def best_guess(tracker: Tracker) -> dict[str, Any] | None:
    """What NLU made of the latest message: its best intent other than the fallback, and
    how sure it was. Advisers see it beside the message; the console's report of what the
    assistant could not answer groups by it."""
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        name = ranked.get("name")
        if name and name != "nlu_fallback":
            return {"intent": name, "confidence": round(float(ranked.get("confidence") or 0), 3)}
    name, confidence = intent_of(tracker)
    return {"intent": name, "confidence": round(confidence, 3)} if name else None


def say(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    topic: str,
    *,
    options: list[dict[str, Any]] | None = None,
    sources: list[dict[str, str]] | None = None,
) -> None:
    """Send one reply as the `custom` payload the service reads (text, topic, sources,
    options). SMS text is normalised to GSM-7 so it costs as few segments as possible."""
    payload: dict[str, Any] = {
        "text": normalise(text) if channel(tracker) == "sms" else text,
        "topic": topic,
        "sources": sources or [],
    }
    if options:
        payload["options"] = options
    dispatcher.utter_message(json_message=with_understood(payload, tracker))


def with_understood(payload: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
    """The reply payload with what NLU made of the message it answers, when known."""
    understood = best_guess(tracker)
    return {**payload, "understood": understood} if understood else payload
