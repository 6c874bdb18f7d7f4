"""Booking, changing and cancelling a PA callback: the form's validation and the actions that
store bookings through the service, on tracker fixtures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from action_fixtures import FakeService, as_service_time, run, slots_set, texts, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import callback_form
from actions.callback_form import (
    ActionBookCallback,
    ActionCancelCallback,
    ActionPrepareCallbackChange,
    ActionResetCallbackForm,
    ActionStartCallback,
    ValidateCallbackForm,
)
from actions.context import LONDON
from actions.service_api import ServiceAPI

# Wednesday 25 November 2026, 10:20 in England.
NOW = dt.datetime(2026, 11, 25, 10, 20, tzinfo=LONDON)
FRIDAY_2PM = dt.datetime(2026, 11, 27, 14, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callback_form, "now", lambda: NOW)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService()
    monkeypatch.setattr(ServiceAPI, "from_environment", lambda: fake)
    return fake


def validate(slot: str, text: str, intent: str = "nlu_fallback", **kwargs: Any):
    dispatcher = CollectingDispatcher()
    tracked = tracker(text, intent, **kwargs)
    method = getattr(ValidateCallbackForm(), f"validate_{slot}")
    result = method(text, dispatcher, tracked, {})
    return result, [m["custom"] for m in dispatcher.messages]


def required(**kwargs: Any) -> list[str]:
    import asyncio

    form = ValidateCallbackForm()
    slots = ["callback_about", "callback_time", "callback_phone"]
    return asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker(**kwargs), {}))


def test_sms_never_asks_for_a_number_and_the_web_does() -> None:
    assert required(channel="sms") == ["callback_about", "callback_time"]
    assert required(channel="web") == ["callback_about", "callback_time", "callback_phone"]
    # Changing a booking keeps its number; an urgent request asks nothing more.
    assert "callback_phone" not in required(channel="web", slots={"callback_reference": "CB-1"})
    assert required(channel="web", slots={"callback_urgent": True}) == ["callback_about"]


def test_what_it_is_about_is_kept_and_urgency_noticed() -> None:
    result, _ = validate("callback_about", "help with my rent arrears")
    assert result == {"callback_about": "help with my rent arrears", "callback_urgent": False}
    result, _ = validate("callback_about", "its urgent, my electric has been cut off")
    assert result["callback_urgent"] is True


def test_a_time_within_office_hours_becomes_a_window() -> None:
    result, replies = validate("callback_time", "friday after 2", council="lancashire")
    start, end = (dt.datetime.fromisoformat(v) for v in result["callback_window"])
    assert start == FRIDAY_2PM
    assert end == dt.datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)
    assert replies == []


def test_office_hours_rule_out_a_time_and_say_why() -> None:
    result, replies = validate("callback_time", "saturday morning", council="lancashire")
    assert result == {"callback_time": None, "callback_window": None}
    assert "Mon-Fri 9am-5pm" in texts(replies)
    result, replies = validate("callback_time", "tonight at 8", council="northbridge")
    assert result["callback_window"] is None
    assert texts(replies)


def test_a_question_part_way_is_answered_and_the_time_asked_again() -> None:
    result, replies = validate(
        "callback_time", "wait what is staying put", intent="kb_staying_put", confidence=0.9
    )
    assert result == {"callback_time": None, "callback_window": None}
    assert replies[0]["topic"] == "staying-put"


def test_nonsense_for_a_time_is_not_taken_as_a_question_when_unsure() -> None:
    result, replies = validate("callback_time", "blue", intent="kb_staying_put", confidence=0.3)
    assert result["callback_time"] is None
    assert texts(replies) == "Sorry, I didn't catch a day or time."


def test_web_phone_numbers_are_checked() -> None:
    result, _ = validate("callback_phone", "its 07700 900123", channel="web")
    assert result == {"callback_phone": "+447700900123"}
    result, replies = validate("callback_phone", "12345", channel="web")
    assert result == {"callback_phone": None}
    assert "UK phone number" in texts(replies)


def test_a_new_time_given_instead_of_the_number_corrects_the_time() -> None:
    result, replies = validate("callback_phone", "actually make it friday after 2", channel="web")
    assert result["callback_phone"] is None
    assert dt.datetime.fromisoformat(result["callback_window"][0]) == FRIDAY_2PM
    assert "changed the time" in texts(replies)


def booking_slots(**extra: Any) -> dict[str, Any]:
    return {
        "callback_about": "my rent",
        "callback_time": "friday after 2",
        "callback_window": [FRIDAY_2PM.isoformat(), FRIDAY_2PM.replace(hour=17).isoformat()],
        **extra,
    }


def test_booking_by_sms_confirms_when_and_gives_a_reference(service: FakeService) -> None:
    replies, events = run(ActionBookCallback(), tracker(slots=booking_slots()))
    name, (conversation, about, window, phone) = service.calls[0]
    assert (name, conversation, about, phone) == ("book_callback", "conversation-1", "my rent",
                                                  None)  # fmt: skip
    assert window[0] == FRIDAY_2PM
    text = texts(replies)
    assert "Booked." in text
    assert "CB-TEST22" in text
    assert "Friday" in text and "2pm" in text
    assert "this number" in text
    assert "cancel my callback" in text
    assert slots_set(events)["callback_reference"] == "CB-TEST22"
    assert slots_set(events)["callback_about"] is None


def test_booking_on_the_web_never_echoes_the_whole_number(service: FakeService) -> None:
    slots = booking_slots(callback_phone="+447700900123")
    replies, _ = run(ActionBookCallback(), tracker(channel="web", slots=slots))
    assert service.calls[0][1][3] == "+447700900123"
    assert "900123" not in texts(replies)
    assert "the number ending 123" in texts(replies)


def test_asking_again_moves_the_booked_callback(service: FakeService) -> None:
    service.booked = {"reference": "CB-OLD111", "about": "x", "window_start": "",
                      "window_end": ""}  # fmt: skip
    replies, _ = run(ActionBookCallback(), tracker(slots=booking_slots()))
    assert [c[0] for c in service.calls] == ["book_callback", "change_callback"]
    assert "moved your callback" in texts(replies)
    assert "CB-OLD111" in texts(replies)


def test_an_urgent_request_is_escalated_not_queued(service: FakeService) -> None:
    slots = {"callback_about": "urgent i have no gas", "callback_urgent": True}
    replies, _ = run(ActionBookCallback(), tracker(slots=slots))
    assert service.calls == [("escalate", ("conversation-1", "callback_urgent", True))]
    assert "urgent" in texts(replies)
    assert "999" in texts(replies)


def test_booking_when_the_service_is_down_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ServiceAPI, "from_environment", lambda: FakeService(down=True))
    replies, _ = run(ActionBookCallback(), tracker(slots=booking_slots()))
    assert "couldn't book" in texts(replies)
    assert "Booked" not in texts(replies)


def test_cancel_a_booked_callback(service: FakeService) -> None:
    service.booked = {"reference": "CB-ABC234"}
    replies, events = run(ActionCancelCallback(), tracker("cancel my callback", "cancel_callback"))
    assert ("cancel_callback", ("conversation-1", "CB-ABC234")) in service.calls
    assert "cancelled your callback (CB-ABC234)" in texts(replies)
    assert slots_set(events)["callback_reference"] is None

    replies, _ = run(ActionCancelCallback(), tracker("cancel my callback", "cancel_callback"))
    assert "don't have a callback booked" in texts(replies)


def test_change_loads_the_booking_and_reads_a_new_time_from_the_message(
    service: FakeService,
) -> None:
    service.booked = {
        "reference": "CB-ABC234",
        "about": "my rent",
        "window_start": as_service_time(FRIDAY_2PM),
        "window_end": as_service_time(FRIDAY_2PM.replace(hour=17)),
    }
    _, events = run(ActionPrepareCallbackChange(), tracker("change my callback", "change_callback"))
    slots = slots_set(events)
    assert slots["callback_reference"] == "CB-ABC234"
    assert slots["callback_about"] == "my rent"
    assert "callback_window" not in slots or slots["callback_window"] is None

    _, events = run(
        ActionPrepareCallbackChange(),
        tracker("can we move it to monday morning", "change_callback"),
    )
    start = dt.datetime.fromisoformat(slots_set(events)["callback_window"][0])
    assert start.weekday() == 0 and start.hour == 9

    replies, _ = run(
        ActionBookCallback(), tracker(slots=booking_slots(callback_reference="CB-ABC234"))
    )
    assert service.calls[-1][0] == "change_callback"
    assert "moved your callback" in texts(replies)


def test_stopping_part_way_books_nothing() -> None:
    stopped = tracker("stop", "stop", slots={"callback_about": "x"})
    replies, events = run(ActionResetCallbackForm(), stopped)
    assert "Nothing has been booked" in texts(replies)
    assert slots_set(events)["callback_about"] is None


def test_the_request_itself_can_say_what_and_when() -> None:
    replies, events = run(
        ActionStartCallback(),
        tracker("can my PA call me friday after 2 about my rent", "request_callback"),
    )
    slots = slots_set(events)
    assert slots["callback_about"] == "my rent"
    assert dt.datetime.fromisoformat(slots["callback_window"][0]) == FRIDAY_2PM
    assert replies == []


def test_a_plain_request_leaves_the_form_to_ask() -> None:
    _, events = run(ActionStartCallback(), tracker("can my worker phone me", "request_callback"))
    slots = slots_set(events)
    assert "callback_about" not in slots and "callback_window" not in slots


def test_an_urgent_request_is_urgent_from_the_start() -> None:
    _, events = run(
        ActionStartCallback(),
        tracker("i need my pa to ring me asap its urgent", "request_callback"),
    )
    assert slots_set(events)["callback_urgent"] is True
    assert "urgent" in slots_set(events)["callback_about"]


def test_a_request_for_a_closed_day_says_why() -> None:
    replies, events = run(
        ActionStartCallback(), tracker("can my pa call me on saturday", "request_callback")
    )
    assert "Saturday" in texts(replies)
    assert "callback_window" not in slots_set(events)


def test_slots_cleared_before_the_form_starts_are_not_complained_about() -> None:
    for slot in ("callback_about", "callback_time", "callback_phone"):
        dispatcher = CollectingDispatcher()
        method = getattr(ValidateCallbackForm(), f"validate_{slot}")
        assert method(None, dispatcher, tracker(channel="web"), {})[slot] is None
        assert dispatcher.messages == []
