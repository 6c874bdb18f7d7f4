"""Whole conversations through the running service, real Rasa and action server: the age
question, numbered options, asking for a person, crisis, and a PA callback booked, changed
and cancelled, by SMS and by web chat."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from knowledge.loader import knowledge_base
from knowledge.render import Profile, render
from sms_gateway.models import Callback, Escalation
from tests.integration.conversations import Texting, WebChat, joined, topics

pytestmark = pytest.mark.integration

LONDON = ZoneInfo("Europe/London")
ARTICLES, COUNCILS = knowledge_base()


def open_weekday_ahead() -> dt.date:
    """A Monday-Friday at least two days ahead, so "<weekday> after 2" is never today."""
    day = dt.datetime.now(LONDON).date() + dt.timedelta(days=2)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def escalations(service, conversation_id: str | None = None) -> list[Escalation]:
    with service.engine.connect() as connection:
        query = select(Escalation)
        if conversation_id:
            query = query.where(Escalation.conversation_id == conversation_id)
        return list(connection.execute(query))


def callbacks(service) -> list[Callback]:
    with service.engine.connect() as connection:
        return list(connection.execute(select(Callback).order_by(Callback.created_at)))


def test_greeting_menu_and_out_of_scope(service) -> None:
    chat = WebChat(service)
    assert topics(chat.say("hiya")) == ["greeting"]
    menu = chat.say("what can you do")
    assert topics(menu) == ["menu"]
    assert "housing" in joined(menu)
    joke = chat.say("tell me a joke about cats")
    assert topics(joke) == ["out-of-scope"]
    assert "support after care" in joined(joke)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("stayin put", "staying-put"),
        ("uni bursery", "higher-education"),
        ("wot is a pathway plan", "pathway-plan"),
        ("wot can u do", "menu"),
        ("ring me bk pls", "callback"),
        ("can i speek to a reel person", "human"),
    ],
)
def test_misspellings_and_text_speak_are_understood(service, message: str, topic: str) -> None:
    assert topics(WebChat(service).say(message))[0] == topic


def test_asks_age_once_then_remembers_it(service) -> None:
    chat = WebChat(service)
    asked = chat.say("can i get benefits")
    general = render(ARTICLES["benefits-under-18"], COUNCILS["lancashire"], Profile(), "web")
    assert asked[0]["text"] == general.text  # the general answer at once
    assert "How old are you?" in asked[1]["text"]
    answer = chat.say("17")
    expected = render(ARTICLES["benefits-under-18"], COUNCILS["lancashire"], Profile(age=17), "web")
    assert joined(answer) == expected.text
    # Later questions fit the remembered age without asking again.
    later = chat.say("help paying my rent")
    assert topics(later) == ["housing-costs"]
    fitted = render(ARTICLES["housing-costs"], COUNCILS["lancashire"], Profile(age=17), "web")
    assert joined(later) == fitted.text


def test_asking_for_a_person_creates_an_escalation_and_says_what_happens(service) -> None:
    chat = WebChat(service, council="northbridge")
    replies = chat.say("can I talk to a real person")
    assert topics(replies) == ["human"]
    text = joined(replies)
    hours = COUNCILS["northbridge"].office_hours
    if hours.is_open(dt.datetime.now(LONDON)):
        assert "reply to you here" in text
    else:
        assert "isn't working right now" in text
        assert "01632 960 999" in text
    [escalation] = [e for e in escalations(service) if e.council_id == "northbridge"
                    and e.reason == "asked_for_person"][-1:]  # fmt: skip
    assert not escalation.urgent and escalation.status == "open"


def test_a_risk_message_gets_crisis_contacts_and_an_urgent_escalation(service, young_person):
    replies = Texting(service, young_person).say("i want to end my life")
    text = joined(replies)
    assert set(topics(replies)) == {"crisis"}  # by SMS it may come as two texts
    assert "999" in replies[0].text  # danger now comes first
    assert "116 123" in text and "85258" in text
    conversation_id = replies[0].conversation_id
    [escalation] = escalations(service, conversation_id)
    assert escalation.urgent and escalation.reason == "risk"


def test_a_full_callback_booking_by_sms_then_change_and_cancel(service, young_person) -> None:
    texting = Texting(service, young_person)
    about = texting.say("can my PA call me")
    assert topics(about) == ["callback"]
    assert "talk about" in joined(about)

    when = texting.say("sorting out my rent")
    assert "Mon-Fri 9am-5pm" in joined(when)  # Lancashire's office hours

    # A question part-way is answered, then the form asks again.
    interrupted = texting.say("what is staying put")
    assert topics(interrupted)[0] == "staying-put"
    assert "good time" in joined(interrupted[-1:])

    day = open_weekday_ahead()
    booked = texting.say(f"{day.strftime('%A')} after 2")
    text = joined(booked)
    assert "Booked." in text and "this number" in text
    [callback] = callbacks(service)[-1:]
    assert callback.reference in text
    assert callback.status == "booked" and callback.council_id == "lancashire"
    assert callback.about == "sorting out my rent"
    assert callback.phone is None  # the number they texted from, kept only on the contact
    start = callback.window_start.replace(tzinfo=dt.UTC).astimezone(LONDON)
    assert (start.date(), start.hour) == (day, 14)

    texting.say("change my callback")
    moved = texting.say("next monday morning")
    assert "moved your callback" in joined(moved)
    [changed] = [c for c in callbacks(service) if c.reference == callback.reference]
    start = changed.window_start.replace(tzinfo=dt.UTC).astimezone(LONDON)
    assert start.weekday() == 0 and start.hour == 9

    cancelled = texting.say("cancel my callback")
    assert f"cancelled your callback ({callback.reference})" in joined(cancelled)
    [gone] = [c for c in callbacks(service) if c.reference == callback.reference]
    assert gone.status == "cancelled"

    # Every reply was really sent by SMS.
    sent = service.texts_sent_to(young_person, expect=9)
    assert any(callback.reference in s["body"] for s in sent)


def test_a_request_that_says_what_and_when_is_booked_at_once(service, young_person) -> None:
    day = open_weekday_ahead()
    request = f"can my PA ring me {day.strftime('%A')} morning about my college course"
    booked = joined(Texting(service, young_person).say(request))
    assert "Booked." in booked
    [callback] = callbacks(service)[-1:]
    assert callback.about == "my college course"
    assert callback.reference in booked


def test_web_callback_asks_for_a_uk_number_and_never_echoes_it(service) -> None:
    chat = WebChat(service)
    assert topics(chat.say("please get my personal adviser to phone me")) == ["callback"]
    chat.say("my college course")
    day = open_weekday_ahead()
    asked = chat.say(f"{day.strftime('%A')} morning")
    assert "number" in joined(asked)
    assert "UK phone number" in joined(chat.say("12345"))
    booked = joined(chat.say("07700 900 123"))
    assert "Booked." in booked and "900 123" not in booked and "900123" not in booked
    [callback] = callbacks(service)[-1:]
    assert callback.phone == "+447700900123"
    assert callback.reference in booked


def test_stopping_a_booking_part_way_books_nothing(service, young_person) -> None:
    texting = Texting(service, young_person)
    before = len(callbacks(service))
    texting.say("can my worker ring me back")
    stopped = texting.say("never mind")
    assert "Nothing has been booked" in joined(stopped)
    assert len(callbacks(service)) == before
