"""The adviser console's casework over HTTP, on SQLite and PostgreSQL: folders and counts,
claiming and assigning, replying as a person over the young person's own channel (the
assistant paused), notes, resolving, and every council seeing only its own young people."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from sms_gateway.db import transaction
from sms_gateway.escalations import raise_escalation
from sms_gateway.models import AuditEvent, Conversation, Escalation, Message, utcnow
from sms_gateway.store import create_web_session, open_conversation, sms_contact

PHONE, COUNCIL_NUMBER = "+447700900555", "+447700900100"


def web_escalation(client: TestClient, council: str = "lancashire", **kw) -> tuple[str, str, str]:
    """A young person on web chat who asked for a person: (conversation, session, token)."""
    with transaction(client.app.state.sessions) as session:
        web_session, token = create_web_session(session, council)
        conversation = web_session.conversation
        raise_escalation(
            session, conversation, kw.get("reason", "asked_for_person"), kw.get("urgent", False)
        )
        return conversation.id, web_session.id, token


def sms_escalation(client: TestClient, opted_out: bool = False) -> str:
    with transaction(client.app.state.sessions) as session:
        contact = sms_contact(session, PHONE)
        if opted_out:
            contact.opted_out_at, contact.opt_out_source = utcnow(), "keyword"
        conversation = open_conversation(session, contact, "lancashire")
        session.add(
            Message(
                conversation=conversation,
                direction="in",
                author="young_person",
                text="can someone ring me",
                status="answered",
                council_number=COUNCIL_NUMBER,
                intent="request_callback",
                confidence=0.91,
            )
        )
        raise_escalation(session, conversation, "asked_for_person", urgent=False)
        return conversation.id


def messages(client: TestClient, conversation_id: str) -> list[Message]:
    with client.app.state.sessions() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
        )


def conversation(client: TestClient, conversation_id: str) -> Conversation:
    with client.app.state.sessions() as session:
        return session.get_one(Conversation, conversation_id)


def young_person_sees(client: TestClient, session_id: str, token: str) -> list[dict]:
    response = client.get(
        f"/api/chat/sessions/{session_id}/messages",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    return response.json()["messages"]


def test_inbox_folders_count_and_claiming_moves_a_case_to_mine(app_client, people) -> None:
    sam = people["sam"]
    urgent, _, _ = web_escalation(app_client, reason="risk", urgent=True)
    calm, _, _ = web_escalation(app_client)
    page = sam.get("/console/?folder=open").text
    assert page.index(urgent) < page.index(calm)  # urgent first, though raised first anyway
    assert 'Unassigned <span class="count">2</span>' in page
    assert 'Mine <span class="count">0</span>' in page
    assert sam.post(f"/console/conversations/{calm}/claim").status_code == 303
    mine = sam.get("/console/?folder=mine").text
    assert calm in mine and urgent not in mine
    assert 'Mine <span class="count">1</span>' in mine
    assert 'Unassigned <span class="count">1</span>' in mine
    # The live fragment says the same, and needs a session.
    assert calm in sam.get("/console/inbox-list?folder=mine").text
    anonymous = app_client.get("/console/inbox-list", headers={"X-Console-Fragment": "1"})
    assert anonymous.status_code == 401


def test_an_urgent_case_is_listed_before_an_older_ordinary_one(app_client, people) -> None:
    older, _, _ = web_escalation(app_client)
    urgent, _, _ = web_escalation(app_client, reason="risk", urgent=True)
    page = people["jo"].get("/console/").text
    assert page.index(urgent) < page.index(older)


def test_a_reply_reaches_the_young_persons_web_chat_and_pauses_the_assistant(
    app_client, people
) -> None:
    sam = people["sam"]
    conversation_id, session_id, token = web_escalation(app_client)
    response = sam.post(
        f"/console/conversations/{conversation_id}/reply", {"text": "Hi, it's Sam. How can I help?"}
    )
    assert response.status_code == 303
    seen = young_person_sees(app_client, session_id, token)
    assert "Sam from the leaving care team has joined the chat" in seen[-2]["text"]
    assert seen[-1]["text"] == "Hi, it's Sam. How can I help?"
    assert seen[-1]["author"] == "adviser" and seen[-1]["author_name"] == "Sam"
    held = conversation(app_client, conversation_id)
    assert held.held_by == sam.account_id and held.assigned_to == sam.account_id
    # While Sam holds it, the young person's message waits for Sam (Rasa is not asked).
    reply = app_client.post(
        f"/api/chat/sessions/{session_id}/messages",
        json={"text": "thanks, I need help with my rent"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200 and reply.json()["replies"] == []
    assert messages(app_client, conversation_id)[-1].status == "for_adviser"
    # Sam sees it in the transcript, marked as waiting for the adviser.
    transcript = sam.get(f"/console/conversations/{conversation_id}/transcript").text
    assert "thanks, I need help with my rent" in transcript
    assert "For the adviser" in transcript


def test_hand_back_tells_the_young_person_and_the_assistant_answers_again(
    app_client, people
) -> None:
    sam = people["sam"]
    conversation_id, session_id, token = web_escalation(app_client)
    sam.post(f"/console/conversations/{conversation_id}/take-over")
    assert sam.post(f"/console/conversations/{conversation_id}/hand-back").status_code == 303
    assert conversation(app_client, conversation_id).held_by is None
    assert "Sam has left the chat" in young_person_sees(app_client, session_id, token)[-1]["text"]


def test_a_reply_by_sms_goes_to_the_outbox_from_the_number_they_texted(app_client, people) -> None:
    conversation_id = sms_escalation(app_client)
    people["sam"].post(
        f"/console/conversations/{conversation_id}/reply", {"text": "Calling you at 3"}
    )
    sent = messages(app_client, conversation_id)[-1]
    assert sent.author == "adviser" and sent.text == "Calling you at 3"
    assert sent.direction == "out" and sent.council_number == COUNCIL_NUMBER
    assert sent.status in {"queued", "sending"}  # Twilio is unreachable here: it waits to retry
    page = people["sam"].get(f"/console/conversations/{conversation_id}").text
    assert "ends 555" in page and PHONE not in page  # the number is masked
    assert "Understood as <code>request_callback</code>, 91% sure" in page
    assert "SMS: Queued" in page or "SMS: Sending" in page


def test_nothing_is_sent_to_a_number_that_opted_out(app_client, people) -> None:
    conversation_id = sms_escalation(app_client, opted_out=True)
    before = len(messages(app_client, conversation_id))
    response = people["sam"].post(f"/console/conversations/{conversation_id}/reply", {"text": "hi"})
    assert response.status_code == 409 and "opted out" in response.text
    assert len(messages(app_client, conversation_id)) == before
    assert conversation(app_client, conversation_id).held_by is None


def test_two_advisers_cannot_answer_the_same_young_person(app_client, people) -> None:
    sam, jo = people["sam"], people["jo"]
    conversation_id, session_id, token = web_escalation(app_client)
    sam.post(f"/console/conversations/{conversation_id}/reply", {"text": "Sam here"})
    refused = jo.post(f"/console/conversations/{conversation_id}/reply", {"text": "Jo here"})
    assert refused.status_code == 409 and "Sam has this young person" in refused.text
    assert jo.post(f"/console/conversations/{conversation_id}/claim").status_code == 409
    assert (
        jo.post(
            f"/console/conversations/{conversation_id}/assign", {"account_id": jo.account_id}
        ).status_code
        == 409
    )
    assert [m.text for m in messages(app_client, conversation_id)].count("Jo here") == 0
    # A manager passes the case on: Jo now holds it and the young person is told.
    passed = people["mo"].post(
        f"/console/conversations/{conversation_id}/assign", {"account_id": jo.account_id}
    )
    assert passed.status_code == 303
    assert conversation(app_client, conversation_id).held_by == jo.account_id
    assert (
        "Jo from the leaving care team has joined"
        in young_person_sees(app_client, session_id, token)[-1]["text"]
    )
    assert (
        jo.post(f"/console/conversations/{conversation_id}/reply", {"text": "Jo here"}).status_code
        == 303
    )


def test_a_form_without_the_sessions_csrf_token_changes_nothing(app_client, people) -> None:
    conversation_id, _, _ = web_escalation(app_client)
    for csrf in ("", "forged"):
        response = people["sam"].post(
            f"/console/conversations/{conversation_id}/reply", {"text": "hi"}, csrf=csrf
        )
        assert response.status_code == 403
        assert "This form has expired" in response.text  # a page, not JSON
    assert messages(app_client, conversation_id) == []
    assert conversation(app_client, conversation_id).held_by is None


def test_private_notes_are_for_the_team_only(app_client, people) -> None:
    conversation_id, session_id, token = web_escalation(app_client)
    people["sam"].post(
        f"/console/conversations/{conversation_id}/notes",
        {"text": "Known to the YOT; ring PA first"},
    )
    assert (
        "Known to the YOT; ring PA first"
        in people["jo"].get(f"/console/conversations/{conversation_id}").text
    )
    assert (
        "Private note by Sam" in people["jo"].get(f"/console/conversations/{conversation_id}").text
    )
    assert all("YOT" not in m["text"] for m in young_person_sees(app_client, session_id, token))


def test_resolving_hands_back_and_files_the_case_under_resolved(app_client, people) -> None:
    sam = people["sam"]
    conversation_id, session_id, token = web_escalation(app_client)
    sam.post(f"/console/conversations/{conversation_id}/reply", {"text": "All sorted?"})
    assert sam.post(f"/console/conversations/{conversation_id}/resolve").status_code == 303
    with app_client.app.state.sessions() as session:
        escalation = session.scalars(select(Escalation)).one()
        assert escalation.status == "resolved" and escalation.resolved_by == sam.account_id
    assert conversation(app_client, conversation_id).held_by is None
    assert "The assistant is back" in young_person_sees(app_client, session_id, token)[-1]["text"]
    assert conversation_id in sam.get("/console/?folder=resolved").text
    assert conversation_id not in sam.get("/console/?folder=open").text


def test_another_councils_conversation_is_not_found_and_cannot_be_touched(
    app_client, people
) -> None:
    theirs, session_id, token = web_escalation(app_client, council="northbridge")
    sam = people["sam"]
    assert theirs not in sam.get("/console/?folder=open").text
    assert sam.get(f"/console/conversations/{theirs}").status_code == 404
    assert sam.get(f"/console/conversations/{theirs}/transcript").status_code == 404
    for action, data in (
        ("reply", {"text": "hello"}),
        ("take-over", {}),
        ("claim", {}),
        ("notes", {"text": "note"}),
        ("resolve", {}),
        ("assign", {"account_id": sam.account_id}),
    ):
        response = sam.post(f"/console/conversations/{theirs}/{action}", data)
        assert response.status_code == 404, action
    # Northbridge's own adviser cannot be handed a Lancashire case either.
    ours, _, _ = web_escalation(app_client)
    alex = people["alex"]
    response = sam.post(f"/console/conversations/{ours}/assign", {"account_id": alex.account_id})
    assert response.status_code == 404
    assert young_person_sees(app_client, session_id, token) == []
    with app_client.app.state.sessions() as session:
        assert (
            session.get_one(
                Escalation,
                session.scalars(
                    select(Escalation.id).where(Escalation.conversation_id == theirs)
                ).one(),
            ).status
            == "open"
        )
    assert alex.get(f"/console/conversations/{theirs}").status_code == 200


def test_the_audit_trail_records_who_did_what_and_only_managers_read_it(app_client, people) -> None:
    conversation_id, _, _ = web_escalation(app_client)
    sam = people["sam"]
    sam.get(f"/console/conversations/{conversation_id}")
    sam.post(f"/console/conversations/{conversation_id}/reply", {"text": "secret words"})
    sam.post(f"/console/conversations/{conversation_id}/resolve")
    with app_client.app.state.sessions() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.conversation_id == conversation_id))
        )
    actions = [e.action for e in events]
    assert actions[:1] == ["viewed_conversation"]
    assert {"claimed", "took_over", "replied", "resolved"} <= set(actions)
    assert all(e.account_id == sam.account_id and e.account_name == "Sam" for e in events)
    assert all("secret" not in (e.detail or "") for e in events)
    assert sam.get("/console/audit").status_code == 403
    trail = people["mo"].get(f"/console/audit?conversation={conversation_id}")
    assert trail.status_code == 200 and "viewed conversation" in trail.text and "Sam" in trail.text
    # Another council's manager sees none of it.
    assert conversation_id[:8] not in people["nat"].get("/console/audit").text


def test_an_empty_reply_gets_a_page_saying_so_without_repeating_the_form(
    app_client, people
) -> None:
    conversation_id, _, _ = web_escalation(app_client)
    response = people["sam"].post(
        f"/console/conversations/{conversation_id}/reply", {"text": "   ", "secret": "x"}
    )
    assert response.status_code == 422
    assert "That form was not complete (text)" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert messages(app_client, conversation_id) == []


def test_a_manager_resolving_a_colleagues_case_leaves_it_with_them(app_client, people) -> None:
    conversation_id, _, _ = web_escalation(app_client)
    people["sam"].post(f"/console/conversations/{conversation_id}/claim")
    assert people["mo"].post(f"/console/conversations/{conversation_id}/resolve").status_code == 303
    assert conversation(app_client, conversation_id).assigned_to == people["sam"].account_id
    # An adviser cannot resolve a colleague's case.
    other, _, _ = web_escalation(app_client)
    people["sam"].post(f"/console/conversations/{other}/claim")
    assert people["jo"].post(f"/console/conversations/{other}/resolve").status_code == 409
