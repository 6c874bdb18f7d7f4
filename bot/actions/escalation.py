"""Getting the young person to a human: "can I talk to a real person", and messages that
show they are at risk now. Both raise an escalation for the council's team through the
service; what the young person is told depends on whether the team is working now."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import council, known_age, now, say
from actions.knowledge_answer import OPTIONS_SLOT
from actions.service_api import ServiceAPI, ServiceUnavailable
from knowledge.crisis import crisis_reply
from knowledge.model import Council, OpeningHours, clock_text

logger = logging.getLogger(__name__)

IN_DANGER = "If you're in danger now, call 999."


def next_opening(hours: OpeningHours, moment: dt.datetime) -> str | None:
    """When the team is next at work, in words: "today from 9am", "on Monday from 9am"."""
    for ahead in range(8):
        day = moment.date() + dt.timedelta(days=ahead)
        opening = hours.days.get(day.weekday())
        if not opening or (ahead == 0 and moment.time() >= opening[0]):
            continue
        when = {0: "today", 1: "tomorrow"}.get(ahead, f"on {day.strftime('%A')}")
        return f"{when} from {clock_text(opening[0])}"
    return None


def out_of_hours_line(found: Council) -> str:
    if found.out_of_hours_phone:
        phone = found.out_of_hours_phone
        return f"If you need help before then, call the out-of-hours team on {phone}."
    where = found.local_offer_url or found.website
    return f"The out-of-hours number is in {found.name}'s local offer" + (
        f": {where}." if where else "."
    )


def person_reply(found: Council | None, moment: dt.datetime) -> str:
    if found is None:
        return (
            "I've asked the leaving care team to pick this up, and someone will reply to you "
            f"here. {IN_DANGER}"
        )
    team = f"the {found.name} leaving care team"
    hours = found.office_hours
    if hours.is_open(moment):
        return (
            f"I've asked {team} to pick this up. Someone will reply to you here as soon as "
            f"they can ({hours.describe()}). {IN_DANGER}"
        )
    opening = next_opening(hours, moment)
    back = f", {opening}" if opening else ""
    return " ".join(
        [
            f"{team[0].upper()}{team[1:]} isn't working right now. I've passed your message on "
            f"and someone will reply here when they're back{back}.",
            out_of_hours_line(found),
            "Or I can ask your PA to call you: reply CALLBACK.",
            IN_DANGER,
        ]
    )


class ActionRequestPerson(Action):
    def name(self) -> str:
        return "action_request_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        found = council(tracker)
        try:
            await ServiceAPI.from_environment().escalate(
                tracker.sender_id, "asked_for_person", urgent=False
            )
        except ServiceUnavailable:
            # Say so rather than promise a reply nobody was asked for.
            contact = found.contact_line() if found else "Please contact your leaving care team."
            text = f"Sorry, I couldn't pass this on just now. {contact} {IN_DANGER}"
            say(dispatcher, tracker, text, "human")
            return [SlotSet(OPTIONS_SLOT, None)]
        say(dispatcher, tracker, person_reply(found, now()), "human")
        return [SlotSet(OPTIONS_SLOT, None)]


class ActionCrisis(Action):
    """The young person may be at risk now: crisis contacts at once, and an urgent
    escalation to the council's team."""

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        found = council(tracker)
        try:
            await ServiceAPI.from_environment().escalate(tracker.sender_id, "risk", urgent=True)
            told = True
        except ServiceUnavailable:
            logger.error("urgent escalation could not be stored")
            told = False
        text, sources = crisis_reply(found, known_age(tracker), told)
        say(dispatcher, tracker, text, "crisis", sources=sources)
        return [SlotSet(OPTIONS_SLOT, None)]
