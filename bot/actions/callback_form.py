"""Booking, changing and cancelling a callback from the young person's PA.

The form asks what it is about, when (within the council's office hours) and, on the web,
which number to call; SMS uses the number they texted from, which never passes through Rasa.
Bookings are stored by the service. An urgent request is escalated at once, not queued.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.callback_time import (
    CallbackWindow,
    OutOfHours,
    TimeAnswer,
    describe_window,
    parse_callback_time,
)
from actions.context import LONDON, channel, council, council_name, intent_of, now, say
from actions.escalation import IN_DANGER, out_of_hours_line
from actions.knowledge_answer import send_answer
from actions.phone_numbers import mask, parse_uk_phone
from actions.service_api import ServiceAPI, ServiceUnavailable
from knowledge.loader import knowledge_base
from knowledge.model import OpeningHours
from knowledge.training import topic_for

ABOUT, TIME, WINDOW, PHONE = "callback_about", "callback_time", "callback_window", "callback_phone"
URGENT, REFERENCE = "callback_urgent", "callback_reference"
FORM_SLOTS = (ABOUT, TIME, WINDOW, PHONE, URGENT)
TOPIC = "callback"

# Office hours when a council file gives none (should not happen: councils are validated).
STANDARD_HOURS = OpeningHours({d: (dt.time(9), dt.time(17)) for d in range(5)})
URGENT_WORDS = re.compile(
    r"\b(urgent\w*|asap|a\.s\.a\.p|emergency|right now|straight ?away|immediately|desperate)\b",
    re.I,
)
# "Can my PA call me about my rent": what the call is about, said in the request itself.
ABOUT_IN_REQUEST = re.compile(r"\b(?:about|regarding|re:?)\s+(?P<about>\S.{1,})$", re.I)
# A question asked part-way through the form is answered when NLU is at least this sure.
QUESTION_CONFIDENCE = 0.6


def office_hours(tracker: Tracker) -> OpeningHours:
    found = council(tracker)
    return found.office_hours if found and found.office_hours.days else STANDARD_HOURS


def parse_time(value: str) -> dt.datetime:
    """An ISO time from a slot or the service; Python 3.10 does not read a "Z" suffix."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LONDON)


def read_time(text: str, tracker: Tracker) -> TimeAnswer:
    """When they asked for, against the council's office hours, as of now."""
    return parse_callback_time(text, now(), office_hours(tracker))


def time_slots(text: str, window: CallbackWindow) -> dict[str, Any]:
    """The slots for a time they gave: their words, and the window as ISO times."""
    return {TIME: text, WINDOW: [window.start.isoformat(), window.end.isoformat()]}


def window_from_slot(value: Any) -> CallbackWindow | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    return CallbackWindow(parse_time(value[0]), parse_time(value[1]))


def when_text(window: CallbackWindow) -> str:
    return describe_window(window, now())


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer a knowledge question asked in the middle of the form; the form then asks its
    own question again. True if it was a question we could answer."""
    intent, confidence = intent_of(tracker)
    articles, _ = knowledge_base()
    article = articles.get(topic_for(intent) or "")
    if article is None or confidence < QUESTION_CONFIDENCE:
        return False
    send_answer(dispatcher, tracker, article)
    return True


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot(URGENT):
            return [ABOUT]  # escalated at once: no time to choose
        if channel(tracker) == "sms" or tracker.get_slot(REFERENCE):
            # SMS: the number they texted from. A change: the number already on the booking.
            return [s for s in domain_slots if s != PHONE]
        return domain_slots

    def validate_callback_about(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {ABOUT: None}  # cleared, not answered: nothing to say
        text = str(value).strip()
        if len(text) < 2:
            say(dispatcher, tracker, "Just a few words about what it's for is fine.", TOPIC)
            return {ABOUT: None}
        return {ABOUT: text[:500], URGENT: bool(URGENT_WORDS.search(text))}

    def validate_callback_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {TIME: None}
        result = read_time(str(value), tracker)
        if isinstance(result, CallbackWindow):
            return time_slots(str(value), result)
        if isinstance(result, OutOfHours):
            say(dispatcher, tracker, result.reason, TOPIC)
        elif not answer_question(dispatcher, tracker):
            say(dispatcher, tracker, "Sorry, I didn't catch a day or time.", TOPIC)
        return {TIME: None, WINDOW: None}

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {PHONE: None}
        text = str(value)
        phone = parse_uk_phone(text)
        if phone:
            return {PHONE: phone}
        # A correction of the time ("actually make it Friday") while we ask for the number.
        result = read_time(text, tracker)
        if isinstance(result, CallbackWindow):
            say(dispatcher, tracker, f"OK, I've changed the time to {when_text(result)}.", TOPIC)
            return {PHONE: None, **time_slots(text, result)}
        if not answer_question(dispatcher, tracker):
            say(
                dispatcher,
                tracker,
                "That doesn't look like a UK phone number. Please type it like 07700 900123.",
                TOPIC,
            )
        return {PHONE: None}


class ActionStartCallback(Action):
    """Before the form asks anything: take what the request already says, so "can my PA ring
    me tomorrow morning about my rent" is not asked again what and when. Urgent words in the
    request make it urgent at once."""

    def name(self) -> str:
        return "action_start_callback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        # Clear only what an earlier, unfinished form left behind.
        events: list[EventType] = [
            SlotSet(s, None) for s in FORM_SLOTS if tracker.get_slot(s) is not None
        ]
        if URGENT_WORDS.search(text):
            return [*events, SlotSet(ABOUT, text[:500]), SlotSet(URGENT, True)]
        about = ABOUT_IN_REQUEST.search(text)
        if about:
            events.append(SlotSet(ABOUT, about.group("about").strip(" .!?")[:500]))
        result = read_time(text, tracker)
        if isinstance(result, CallbackWindow):
            events += [SlotSet(slot, value) for slot, value in time_slots(text, result).items()]
        elif isinstance(result, OutOfHours):
            say(dispatcher, tracker, result.reason, TOPIC)
        return events


class ActionAskCallbackAbout(Action):
    def name(self) -> str:
        return "action_ask_callback_about"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = (
            "I can ask your Personal Adviser (PA) to call you. What would you like to talk "
            "about? A few words is fine."
        )
        say(dispatcher, tracker, text, TOPIC)
        return []


class ActionAskCallbackTime(Action):
    def name(self) -> str:
        return "action_ask_callback_time"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = (
            f"When is a good time for the call? The {council_name(tracker)} team works "
            f'{office_hours(tracker).describe()}. You can say things like "tomorrow morning", '
            '"Friday" or "after 3".'
        )
        say(dispatcher, tracker, text, TOPIC)
        return []


class ActionAskCallbackPhone(Action):
    def name(self) -> str:
        return "action_ask_callback_phone"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(
            dispatcher,
            tracker,
            "What number should your PA call? Please type a UK mobile or landline number.",
            TOPIC,
        )
        return []


def cleared(keep_reference: str | None) -> list[EventType]:
    return [*(SlotSet(s, None) for s in FORM_SLOTS), SlotSet(REFERENCE, keep_reference)]


def how_to_change(reference: str) -> str:
    return (
        f'Your reference is {reference}. To change it, say "change my callback"; to cancel, '
        'say "cancel my callback".'
    )


class ActionBookCallback(Action):
    def name(self) -> str:
        return "action_book_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = ServiceAPI.from_environment()
        try:
            if tracker.get_slot(URGENT):
                return await self._escalate(service, dispatcher, tracker)
            return await self._book(service, dispatcher, tracker)
        except ServiceUnavailable:
            found = council(tracker)
            contact = found.contact_line() if found else ""
            text = f"Sorry, I couldn't book that just now. Please try again soon. {contact}"
            say(dispatcher, tracker, text.strip(), TOPIC)
            return cleared(tracker.get_slot(REFERENCE))

    async def _escalate(
        self, service: ServiceAPI, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        await service.escalate(tracker.sender_id, "callback_urgent", urgent=True)
        found = council(tracker)
        text = (
            "That sounds urgent, so I haven't put it in the queue: I've flagged it to the "
            f"{council_name(tracker)} team now, and someone will contact you as soon as they can."
        )
        if found and not found.office_hours.is_open(now()):
            text += f" The team isn't working right now. {out_of_hours_line(found)}"
        say(dispatcher, tracker, f"{text} {IN_DANGER}", TOPIC)
        return cleared(tracker.get_slot(REFERENCE))

    async def _book(
        self, service: ServiceAPI, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        window = window_from_slot(tracker.get_slot(WINDOW))
        about = tracker.get_slot(ABOUT) or "a callback"
        phone = tracker.get_slot(PHONE)
        if window is None:  # the form always sets it; guard against a corrupted tracker
            say(dispatcher, tracker, "Sorry, something went wrong. Please ask again.", TOPIC)
            return cleared(tracker.get_slot(REFERENCE))
        reference = tracker.get_slot(REFERENCE)
        changes = {
            "about": about,
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            **({"phone": phone} if phone else {}),
        }
        moved = False
        if reference:
            moved = await service.change_callback(tracker.sender_id, reference, changes) is not None
        if not moved:
            status, body = await service.book_callback(
                tracker.sender_id, about, (window.start, window.end), phone
            )
            reference = body.get("reference")
            if status == 409 and reference:
                # They already had one: a new request for a callback moves it.
                await service.change_callback(tracker.sender_id, reference, changes)
                moved = True
        number = f"the number {mask(phone)}" if phone else "this number"
        if channel(tracker) == "web" and not phone:
            number = "the number you gave before"
        lead = "Done, I've moved your callback." if moved else "Booked."
        text = (
            f"{lead} Your PA will call you {when_text(window)}, on {number}, about: "
            f"{_short(about)}. {how_to_change(reference or '')}"
        )
        say(dispatcher, tracker, text, TOPIC)
        return cleared(reference)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class ActionCancelCallback(Action):
    def name(self) -> str:
        return "action_cancel_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = ServiceAPI.from_environment()
        try:
            booking = await service.open_callback(tracker.sender_id)
            if booking is not None:
                await service.cancel_callback(tracker.sender_id, booking["reference"])
        except ServiceUnavailable:
            say(dispatcher, tracker, "Sorry, I couldn't do that just now. Please try again soon.",
                TOPIC)  # fmt: skip
            return cleared(tracker.get_slot(REFERENCE))
        if booking is None:
            text = "You don't have a callback booked, so there's nothing to cancel."
            if tracker.get_slot(ABOUT):
                text = "OK, I've stopped. No callback has been booked."
        else:
            text = (
                f"Done, I've cancelled your callback ({booking['reference']}). If you'd like "
                "one again, just ask."
            )
        say(dispatcher, tracker, text, TOPIC)
        return cleared(None)


class ActionPrepareCallbackChange(Action):
    """Before the form runs again: load the booking so only the new time is asked."""

    def name(self) -> str:
        return "action_prepare_callback_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            booking = await ServiceAPI.from_environment().open_callback(tracker.sender_id)
        except ServiceUnavailable:
            booking = None
        if booking is None:
            say(dispatcher, tracker, "You don't have a callback booked yet, so let's book one.",
                TOPIC)  # fmt: skip
            return cleared(None)
        booked = CallbackWindow(
            parse_time(booking["window_start"]), parse_time(booking["window_end"])
        )
        events = [*cleared(booking["reference"]), SlotSet(ABOUT, booking["about"])]
        # "Can we move it to Friday?" already says when.
        text = tracker.latest_message.get("text") or ""
        result = read_time(text, tracker)
        if isinstance(result, CallbackWindow):
            return [
                *events,
                *(SlotSet(slot, value) for slot, value in time_slots(text, result).items()),
            ]
        say(dispatcher, tracker, f"Your callback is booked for {when_text(booked)}.", TOPIC)
        return events


class ActionResetCallbackForm(Action):
    def name(self) -> str:
        return "action_reset_callback_form"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reference = tracker.get_slot(REFERENCE)
        text = (
            "OK, your callback stays as it was."
            if reference
            else "OK, I've stopped. Nothing has been booked."
        )
        say(dispatcher, tracker, f"{text} What else can I help with?", TOPIC)
        return cleared(reference)
