"""Web chat: the conversation contract used by the widget (see docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from sms_gateway.councils import UnknownCouncil
from sms_gateway.db import transaction
from sms_gateway.store import create_web_session, find_web_session, record_inbound

router = APIRouter(prefix="/api/chat", tags=["web chat"])

MAX_MESSAGE_CHARS = 1600


class NewSession(BaseModel):
    council: str = Field(min_length=1, max_length=64)


class SessionCreated(BaseModel):
    session_id: str
    token: str
    council: str
    expires_at: dt.datetime


class NewMessage(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class Option(BaseModel):
    number: int
    title: str
    # What to send back as the young person's message when the button is chosen.
    reply: str


class Reply(BaseModel):
    text: str
    topic: str | None = None
    sources: list[dict[str, Any]] = []
    options: list[Option] = []


class Replies(BaseModel):
    message_id: int
    replies: list[Reply]


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send the session token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def start_session(body: NewSession, request: Request) -> SessionCreated:
    try:
        council = request.app.state.councils.get(body.council)
    except UnknownCouncil:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown council") from None
    with transaction(request.app.state.sessions) as session:
        web_session, token = create_web_session(session, council.id)
        return SessionCreated(
            session_id=web_session.id,
            token=token,
            council=council.id,
            expires_at=web_session.expires_at,
        )


@router.post("/sessions/{session_id}/messages")
async def send_message(
    session_id: str,
    body: NewMessage,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> Replies:
    token = _bearer(authorization)
    with transaction(request.app.state.sessions) as session:
        web_session = find_web_session(session, session_id, token)
        if web_session is None:
            # One answer for "no such session", "wrong token" and "expired": nothing to probe.
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such chat session")
        inbound = record_inbound(session, web_session.conversation, body.text.strip())
    replies = await request.app.state.flow.answer_web(inbound.id)
    return Replies(
        message_id=inbound.id,
        replies=[
            Reply(
                text=r.text,
                topic=r.topic,
                sources=r.sources or [],
                options=[Option(**o) for o in r.options or []],
            )
            for r in replies
        ],
    )
