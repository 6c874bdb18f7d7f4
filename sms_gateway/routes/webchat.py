"""Web chat: the conversation contract used by the widget (see docs/webchat.md).

The browser holds only the session id and token (for the browser session); the transcript
stays here and is fetched again when the young person moves to another page. Messages that
come later (an adviser's, or answers to messages that waited for the assistant) arrive on
the session's event stream.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sms_gateway.councils import UnknownCouncil
from sms_gateway.db import transaction
from sms_gateway.models import Message, WebSession, as_utc, utcnow
from sms_gateway.store import (
    SentElsewhere,
    create_web_session,
    find_web_session,
    record_inbound,
    record_inbound_once,
)

router = APIRouter(prefix="/api/chat", tags=["web chat"])

MAX_MESSAGE_CHARS = 1600
# A comment line on an idle stream now and then, so proxies do not close it as dead.
KEEP_ALIVE_SECONDS = 15.0


class NewSession(BaseModel):
    council: str = Field(min_length=1, max_length=64)


class SessionCreated(BaseModel):
    session_id: str
    token: str
    council: str
    expires_at: dt.datetime


class NewMessage(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    # Made by the widget for each message and sent again with it when it retries, so a
    # message whose first try did reach us is not stored (and answered) twice.
    client_message_id: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{8,48}$")

    @field_validator("text", mode="before")
    @classmethod
    def without_nul(cls, text: object) -> object:
        # PostgreSQL cannot hold a NUL character in text; nobody means one. Before the
        # length check, so a message of NULs alone is refused as empty.
        return text.replace("\x00", "") if isinstance(text, str) else text


class Option(BaseModel):
    number: int
    title: str
    # What to send back as the young person's message when the button is chosen.
    reply: str


class ChatMessage(BaseModel):
    id: int
    author: Literal["young_person", "bot", "system", "adviser"]
    # An adviser's first name, shown so the young person knows a person wrote it.
    author_name: str | None = None
    text: str
    topic: str | None = None
    sources: list[dict[str, Any]] = []
    options: list[Option] = []
    sent_at: dt.datetime

    @classmethod
    def of(cls, message: Message) -> ChatMessage:
        return cls(
            id=message.id,
            author=message.author,  # type: ignore[arg-type]
            author_name=message.author_name,
            text=message.text,
            topic=message.topic,
            sources=message.sources or [],
            options=[Option(**o) for o in message.options or []],
            sent_at=as_utc(message.created_at),
        )


class Replies(BaseModel):
    message_id: int
    replies: list[ChatMessage]


class Transcript(BaseModel):
    council: str
    # True while a person from the council holds the conversation (the assistant is paused).
    with_adviser: bool
    messages: list[ChatMessage]


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send the session token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def _web_session(session: Session, session_id: str, authorization: str | None) -> WebSession:
    web_session = find_web_session(session, session_id, _bearer(authorization))
    if web_session is None:
        # One answer for "no such session", "wrong token", "ended" and "expired".
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such chat session")
    return web_session


def _messages_after(
    session: Session, conversation_id: str, after: int, outbound_only: bool
) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
    if outbound_only:
        query = query.where(Message.direction == "out")
    return list(session.scalars(query.order_by(Message.id)))


def _may_embed(request: Request, council_origins: tuple[str, ...], origin: str) -> bool:
    """The council's own websites, and the service's own pages (the demo page)."""
    own = urlsplit(request.app.state.settings.public_base_url)
    served_from = {f"{own.scheme}://{own.netloc}", f"{request.url.scheme}://{request.url.netloc}"}
    return origin.lower() in council_origins or origin in served_from


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def start_session(body: NewSession, request: Request) -> SessionCreated:
    try:
        council = request.app.state.councils.get(body.council)
    except UnknownCouncil:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown council") from None
    origin = request.headers.get("origin")
    if origin and not _may_embed(request, council.web_chat_origins, origin):
        # A browser on another council's site (or anyone's) cannot open this council's chat.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "this council's web chat is not enabled on this website"
        )
    with transaction(request.app.state.sessions) as session:
        web_session, token = create_web_session(session, council.id)
    request.app.state.flow.remember_chat(web_session.id, web_session.conversation_id)
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
    def store(session: Session) -> tuple[Message, bool]:
        """The young person's message, stored (once, for a retry with the same client
        id), in the flow's transaction. Returns it and whether it is new."""
        web_session = _web_session(session, session_id, authorization)
        conversation, text = web_session.conversation, body.text.strip()
        if body.client_message_id is None:
            return record_inbound(session, conversation, text), True
        try:
            return record_inbound_once(session, conversation, text, body.client_message_id)
        except SentElsewhere:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "client_message_id was used in another chat"
            ) from None

    # New (or stored by a try whose answer failed part-way): answered now. A retry of a
    # message already answered or being answered: its replies so far; later ones come on
    # the event stream as usual. The database work runs in the flow's worker threads.
    inbound, replies = await request.app.state.flow.take_web_message(session_id, store)
    return Replies(message_id=inbound.id, replies=[ChatMessage.of(r) for r in replies])


@router.get("/sessions/{session_id}/messages")
def transcript(
    session_id: str,
    request: Request,
    after: Annotated[int, Query(ge=0)] = 0,
    authorization: Annotated[str | None, Header()] = None,
) -> Transcript:
    """The conversation so far (or after a message id): the widget shows it again on every
    page of the site, so nothing of it is kept in the browser."""
    with transaction(request.app.state.sessions) as session:
        web_session = _web_session(session, session_id, authorization)
        conversation = web_session.conversation
        messages = _messages_after(session, conversation.id, after, outbound_only=False)
        return Transcript(
            council=conversation.council_id,
            with_adviser=conversation.held_by is not None,
            messages=[ChatMessage.of(m) for m in messages],
        )


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(
    session_id: str,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """ "End chat": the token stops working at once. The transcript is kept for the team
    (an open escalation still needs it) and removed by the retention purge."""
    with transaction(request.app.state.sessions) as session:
        web_session = _web_session(session, session_id, authorization)
        web_session.ended_at = utcnow()
        conversation_id = web_session.conversation_id
    request.app.state.live.notify(conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/sessions/{session_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def events(
    session_id: str,
    request: Request,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: every message to the young person after `after` (or the
    Last-Event-ID of a reconnecting client), as it is stored. `event: end` when the chat
    ends or expires. The stream closes after a few minutes; clients reconnect from the
    last id they saw, so a long-lived connection never holds anything back."""
    with transaction(request.app.state.sessions) as session:
        conversation_id = _web_session(session, session_id, authorization).conversation_id
    settings = request.app.state.settings
    token = _bearer(authorization)
    start = after if after is not None else (last_event_id or 0)

    def look(last: int) -> tuple[list[ChatMessage], bool]:
        with transaction(request.app.state.sessions) as session:
            if find_web_session(session, session_id, token) is None:
                return [], False
            found = _messages_after(session, conversation_id, last, outbound_only=True)
            return [ChatMessage.of(m) for m in found], True

    async def stream() -> AsyncIterator[str]:
        last = start
        loop = asyncio.get_running_loop()
        closes_at = loop.time() + settings.web_chat_stream_seconds
        quiet_since = loop.time()
        yield f"retry: {int(settings.web_chat_poll_seconds * 1000)}\n\n"
        live = request.app.state.live
        with live.listen(conversation_id) as changed:
            while loop.time() < closes_at and not live.closing:
                changed.clear()
                messages, open_ = await run_in_threadpool(look, last)
                for message in messages:
                    yield f"id: {message.id}\nevent: message\ndata: {message.model_dump_json()}\n\n"
                    last = message.id
                    quiet_since = loop.time()
                if not open_:
                    yield f"event: end\ndata: {json.dumps({'reason': 'ended'})}\n\n"
                    return
                if loop.time() - quiet_since > KEEP_ALIVE_SECONDS:
                    yield ": still here\n\n"
                    quiet_since = loop.time()
                await changed.wait(timeout=settings.web_chat_poll_seconds)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
