"""Web chat contract, end to end: service -> real Rasa server -> real action server -> knowledge."""

from __future__ import annotations

import re

import httpx
import pytest

from knowledge.loader import knowledge_base

pytestmark = pytest.mark.integration

ARTICLES, _ = knowledge_base()


def test_staying_put_answer_comes_from_the_knowledge_base(service) -> None:
    body = service.chat("can I stay with my foster carers after 18")
    [reply] = body["replies"]
    assert reply["topic"] == "staying-put"
    assert "Staying Put" in reply["text"] and re.search(r"\b21", reply["text"])
    # The full web answer of the article, not text typed into the Rasa domain.
    assert ARTICLES["staying-put"].web in reply["text"]
    cited = {s["id"] for s in reply["sources"]}
    # The national article's sources, plus the council's own for its local offer item.
    assert {s.id for s in ARTICLES["staying-put"].sources} <= cited
    assert "lancashire-local-offer" in cited


@pytest.mark.parametrize(
    ("question", "topic", "fact"),
    [
        ("how long can I keep my personal adviser", "personal-adviser", "25th birthday"),
        ("im 17 can i claim universal credit", "benefits-under-18", "usually cannot claim"),
    ],
)
def test_other_topics_answer_with_their_facts(service, question, topic, fact) -> None:
    [reply] = service.chat(question)["replies"]
    assert reply["topic"] == topic
    assert fact in reply["text"]
    assert reply["sources"]


def test_the_council_of_the_session_shapes_the_answer(service) -> None:
    [lancashire] = service.chat("staying put", council="lancashire")["replies"]
    [northbridge] = service.chat("staying put", council="northbridge")["replies"]
    assert "In Lancashire:" in lancashire["text"]
    assert "In Northbridge (demo council):" in northbridge["text"]


def test_greeting_has_its_conversation_topic(service) -> None:
    [reply] = service.chat("hello")["replies"]
    assert reply["topic"] == "greeting"
    assert "care leavers' assistant" in reply["text"]


def test_every_message_in_and_out_is_stored(service) -> None:
    body = service.chat("what does a personal adviser do")
    stored = {m.id: m for m in service.stored_messages()}
    inbound = stored[body["message_id"]]
    assert (inbound.direction, inbound.status, inbound.text) == (
        "in", "answered", "what does a personal adviser do",
    )  # fmt: skip
    replies = [m for m in stored.values() if m.conversation_id == inbound.conversation_id
               and m.direction == "out"]  # fmt: skip
    assert [m.topic for m in replies] == ["personal-adviser"]


def test_bad_requests_get_clear_answers_and_change_nothing(service) -> None:
    base = service.base_url
    before = len(service.stored_messages())
    assert httpx.post(f"{base}/api/chat/sessions", json={"council": "atlantis"}).status_code == 404
    assert httpx.post(f"{base}/api/chat/sessions", json={}).status_code == 422
    session_id, headers = service.start_chat()
    url = f"{base}/api/chat/sessions/{session_id}/messages"
    assert httpx.post(url, json={"text": "hi"}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.post(url, json={"text": "hi"}, headers=wrong).status_code == 404
    other_id, _ = service.start_chat()
    other_url = f"{base}/api/chat/sessions/{other_id}/messages"
    assert httpx.post(other_url, json={"text": "hi"}, headers=headers).status_code == 404
    assert httpx.post(url, json={"text": ""}, headers=headers).status_code == 422
    assert httpx.post(url, json={"text": "x" * 1601}, headers=headers).status_code == 422
    assert len(service.stored_messages()) == before


def test_readiness_reports_database_assistant_and_action_server(service) -> None:
    response = httpx.get(f"{service.base_url}/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": True, "assistant": True, "action_server": True}
    assert body["assistant_servers"] == [True]
