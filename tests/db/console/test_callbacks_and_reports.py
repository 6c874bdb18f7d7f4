"""The callback queue (assign a PA, outcomes, the young person told of each change) and the
reports (what the assistant could not answer, volumes), each for one council only."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from sms_gateway.callbacks import book_callback
from sms_gateway.db import transaction
from sms_gateway.models import Callback, Message, utcnow
from sms_gateway.store import create_web_session, open_conversation, sms_contact

COUNCIL_NUMBER = "+447700900100"
TOMORROW_2PM = (utcnow() + dt.timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)


def booked(
    client: TestClient, council: str = "lancashire", phone: str = "+447700900777"
) -> Callback:
    with transaction(client.app.state.sessions) as session:
        contact = sms_contact(session, phone)
        conversation = open_conversation(session, contact, council)
        session.add(
            Message(
                conversation=conversation,
                direction="in",
                author="young_person",
                text="call me",
                status="answered",
                council_number=COUNCIL_NUMBER,
            )
        )
        callback = book_callback(
            session,
            conversation,
            "help with my rent arrears",
            TOMORROW_2PM,
            TOMORROW_2PM + dt.timedelta(hours=2),
            None,
        )
        session.expunge(callback)
        return callback


def texts_to(client: TestClient, conversation_id: str) -> list[str]:
    with client.app.state.sessions() as session:
        return list(
            session.scalars(
                select(Message.text)
                .where(Message.conversation_id == conversation_id, Message.direction == "out")
                .order_by(Message.id)
            )
        )


def stored(client: TestClient, callback_id: str) -> Callback:
    with client.app.state.sessions() as session:
        return session.get_one(Callback, callback_id)


def test_the_queue_shows_what_a_pa_needs_to_call(app_client, people) -> None:
    callback = booked(app_client)
    page = people["sam"].get("/console/callbacks").text
    assert callback.reference in page and "help with my rent arrears" in page
    assert "+447700900777" in page  # the number to call
    assert "between 2pm and 4pm" in page or "between 3pm and 5pm" in page  # UK time


def test_confirming_a_pa_texts_the_young_person(app_client, people) -> None:
    callback = booked(app_client)
    jo = people["jo"]
    response = people["sam"].post(
        f"/console/callbacks/{callback.id}/assign", {"account_id": jo.account_id}
    )
    assert response.status_code == 303
    assert stored(app_client, callback.id).assigned_to == jo.account_id
    [text] = texts_to(app_client, callback.conversation_id)
    assert f"Your callback {callback.reference} is confirmed: Jo" in text


def test_rescheduling_moves_the_window_and_says_so(app_client, people) -> None:
    callback = booked(app_client)
    day = (utcnow() + dt.timedelta(days=3)).date()
    response = people["sam"].post(
        f"/console/callbacks/{callback.id}/outcome",
        {
            "result": "rescheduled",
            "new_day": day.isoformat(),
            "new_from": "10:00",
            "new_to": "11:30",
        },
    )
    assert response.status_code == 303
    moved = stored(app_client, callback.id)
    assert moved.status == "booked" and moved.outcome_by == people["sam"].account_id
    [text] = texts_to(app_client, callback.conversation_id)
    assert "has moved" in text and "between 10am and 11:30am" in text
    # Without the new time it is refused and nothing changes.
    refused = people["sam"].post(
        f"/console/callbacks/{callback.id}/outcome", {"result": "rescheduled"}
    )
    assert refused.status_code == 400 and "new day and times" in refused.text


def test_no_answer_and_cancel_close_it_and_tell_the_young_person(app_client, people) -> None:
    first = booked(app_client)
    second = booked(app_client, phone="+447700900778")
    sam = people["sam"]
    sam.post(
        f"/console/callbacks/{first.id}/outcome", {"result": "no_answer", "note": "rang twice"}
    )
    sam.post(f"/console/callbacks/{second.id}/outcome", {"result": "cancelled"})
    assert stored(app_client, first.id).status == "no_answer"
    assert stored(app_client, first.id).outcome_note == "rang twice"
    assert stored(app_client, second.id).status == "cancelled"
    assert "couldn't get through" in texts_to(app_client, first.conversation_id)[-1]
    assert "has been cancelled" in texts_to(app_client, second.conversation_id)[-1]
    # Closed callbacks leave the booked list and cannot be changed again.
    assert first.reference not in sam.get("/console/callbacks").text
    assert first.reference in sam.get("/console/callbacks?shown=closed").text
    again = sam.post(f"/console/callbacks/{first.id}/outcome", {"result": "done"})
    assert again.status_code == 409


def test_done_sends_nothing(app_client, people) -> None:
    callback = booked(app_client)
    people["sam"].post(f"/console/callbacks/{callback.id}/outcome", {"result": "done"})
    assert stored(app_client, callback.id).status == "done"
    assert texts_to(app_client, callback.conversation_id) == []


def test_another_councils_callbacks_are_out_of_reach(app_client, people) -> None:
    theirs = booked(app_client, council="northbridge", phone="+447700900779")
    sam = people["sam"]
    assert theirs.reference not in sam.get("/console/callbacks").text
    assert "+447700900779" not in sam.get("/console/callbacks").text
    assert (
        sam.post(
            f"/console/callbacks/{theirs.id}/assign", {"account_id": sam.account_id}
        ).status_code
        == 404
    )
    assert (
        sam.post(f"/console/callbacks/{theirs.id}/outcome", {"result": "cancelled"}).status_code
        == 404
    )
    assert stored(app_client, theirs.id).status == "booked"
    assert texts_to(app_client, theirs.conversation_id) == []
    assert theirs.reference in people["alex"].get("/console/callbacks").text


def asked(
    client: TestClient, council: str, question: str, intent: str | None, reply_topic: str
) -> None:
    with transaction(client.app.state.sessions) as session:
        web_session, _ = create_web_session(session, council)
        conversation = web_session.conversation
        session.add_all(
            [
                Message(
                    conversation=conversation,
                    direction="in",
                    author="young_person",
                    text=question,
                    status="answered",
                    intent=intent,
                    confidence=0.3,
                ),
                Message(
                    conversation=conversation,
                    direction="out",
                    author="bot",
                    text="...",
                    status="delivered",
                    topic=reply_topic,
                ),
            ]
        )


def test_the_report_groups_what_the_assistant_could_not_answer(app_client, people) -> None:
    asked(
        app_client,
        "lancashire",
        "can i get a grant for a bike",
        "leaving_care_grant",
        "not-understood",
    )
    asked(app_client, "lancashire", "bike money?", "leaving_care_grant", "clarify")
    asked(app_client, "lancashire", "blorp", None, "not-understood")
    asked(app_client, "lancashire", "how much is the bursary", "bursary", "education-bursary")
    asked(app_client, "northbridge", "northbridge only question", "bursary", "not-understood")
    page = people["sam"].get("/console/reports").text
    assert "can i get a grant for a bike" in page and "bike money?" in page and "blorp" in page
    assert "how much is the bursary" not in page  # it was answered
    assert "northbridge only question" not in page
    group = page.split("<code>leaving_care_grant</code></th><td>")[1]
    assert group.startswith("2<")
    # Volumes: three answers counted by topic this week, four web messages from young people.
    assert "<code>not-understood</code>" in page and "<code>education-bursary</code>" in page
