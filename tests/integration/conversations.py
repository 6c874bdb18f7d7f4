"""Multi-turn conversations through the running service, as a young person would have them:
one web chat session, or one phone number texting, message after message."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from sms_gateway.models import Contact, Conversation, Message
from tests.integration.conftest import LANCASHIRE_NUMBER, RunningService

_sids = itertools.count(1)


@dataclass
class WebChat:
    service: RunningService
    council: str = "lancashire"
    session_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.session_id, self.headers = self.service.start_chat(self.council)

    def say(self, text: str) -> list[dict]:
        response = httpx.post(
            f"{self.service.base_url}/api/chat/sessions/{self.session_id}/messages",
            json={"text": text},
            headers=self.headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["replies"]


@dataclass
class Texting:
    service: RunningService
    phone: str
    to: str = LANCASHIRE_NUMBER

    def say(self, text: str, timeout: float = 30.0) -> list[Message]:
        """Text in (signed, as Twilio would) and return the replies stored for it, once it
        has been answered."""
        sid = f"SM{next(_sids):032d}"
        response = self.service.text_in(text, self.phone, to=self.to, sid=sid)
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + timeout
        with self.service.engine.connect() as connection:
            while True:
                inbound = connection.execute(
                    select(Message).where(Message.external_id == sid)
                ).first()
                if inbound and inbound.status != "received":
                    break
                assert time.monotonic() < deadline, f"no answer to {text!r}"
                time.sleep(0.2)
                connection.rollback()
            # "risk": answered by the safeguarding screen with crisis contacts.
            assert inbound.status in ("answered", "risk"), inbound.status
            return list(
                connection.execute(
                    select(Message)
                    .where(
                        Message.conversation_id == inbound.conversation_id,
                        Message.direction == "out",
                        Message.id > inbound.id,
                        # The notice a new number gets first (tested in test_sms.py).
                        Message.topic.is_distinct_from("first_contact"),
                    )
                    .order_by(Message.id)
                )
            )


def joined(replies: list) -> str:
    return "\n".join(r["text"] if isinstance(r, dict) else r.text for r in replies)


def topics(replies: list) -> list[str | None]:
    return [r["topic"] if isinstance(r, dict) else r.topic for r in replies]


def text_until_taken(service: RunningService, body: str, sender: str, sid: str) -> list[int]:
    """Post a text as Twilio does, again with the same MessageSid while the service is down
    or restarting (Twilio's connection-override retries): stored once, whatever happens.
    Returns the HTTP statuses of the refused attempts (none for a connection refused)."""
    deadline = time.monotonic() + 120
    refused: list[int] = []
    while True:
        try:
            status = service.text_in(body, sender, sid=sid, timeout=5).status_code
            if status == 200:
                return refused
            refused.append(status)
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the service never took the text"
        time.sleep(0.2)


def sms_topics(service: RunningService, number: str) -> list[str]:
    """The topics of the assistant's answers to one number, one per answer (not per part)."""
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(Message.topic, Message.sources)
            .join(Conversation, Message.conversation_id == Conversation.id)
            .join(Contact, Conversation.contact_id == Contact.id)
            .where(Contact.address == number, Message.author == "bot")
            .order_by(Message.id)
        ).all()
    return [topic for topic, sources in rows if sources]


def inbound_once_settled(service: RunningService, timeout: float = 180) -> list[tuple[str, str]]:
    """(MessageSid, status) of every inbound message, once none is still being handled or
    waiting for the assistant; fails if that takes longer than `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with service.engine.connect() as connection:
        while True:
            pending = connection.execute(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == "in", Message.status.in_(("received", "waiting")))
            ).scalar_one()
            if not pending:
                break
            assert time.monotonic() < deadline, f"{pending} text(s) never answered"
            time.sleep(1)
            connection.rollback()
        return [
            (sid, status)
            for sid, status in connection.execute(
                select(Message.external_id, Message.status).where(Message.direction == "in")
            )
        ]
