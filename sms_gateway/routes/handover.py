"""Internal API for a person taking a conversation over: hold, reply, hand back.

The adviser console (issue 8) does the same through sms_gateway.handover with each adviser's
own login; these routes, behind the internal token, let tools and tests do it meanwhile.
Nothing here logs the text of a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.orm import Session

from sms_gateway.db import transaction
from sms_gateway.flow import MessageFlow
from sms_gateway.handover import HeldByAnother, NotHeld, hand_back, reply_as_adviser, take_over
from sms_gateway.models import Conversation, Message
from sms_gateway.routes.internal import PREFIX, ConversationId, require_token

logger = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, tags=["internal"], dependencies=[Depends(require_token)])

AdviserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)
]


class Adviser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adviser: AdviserName


class AdviserMessage(Adviser):
    text: MessageText


class HoldState(BaseModel):
    conversation: str
    held_by: str | None
    message_ids: list[int]


Change = Callable[[Session, MessageFlow, Conversation], list[Message]]


def _held_conversation(request: Request, conversation_id: str, change: Change) -> HoldState:
    flow = request.app.state.flow
    with transaction(request.app.state.sessions) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown conversation")
        try:
            sent = change(session, flow, conversation)
        except HeldByAnother:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "another adviser holds this conversation"
            ) from None
        except NotHeld:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "take the conversation over first"
            ) from None
        state = HoldState(
            conversation=conversation.id,
            held_by=conversation.held_by,
            message_ids=[m.id for m in sent],
        )
    flow.sent(conversation_id)
    return state


@router.post("/conversations/{conversation_id}/hold")
def hold(conversation_id: ConversationId, body: Adviser, request: Request) -> HoldState:
    state = _held_conversation(
        request, conversation_id, lambda s, f, c: take_over(s, f, c, body.adviser)
    )
    logger.info("conversation %s taken over by an adviser", conversation_id)
    return state


@router.post("/conversations/{conversation_id}/adviser-messages")
def adviser_message(
    conversation_id: ConversationId, body: AdviserMessage, request: Request
) -> HoldState:
    return _held_conversation(
        request,
        conversation_id,
        lambda s, f, c: reply_as_adviser(s, f, c, body.adviser, body.text),
    )


@router.post("/conversations/{conversation_id}/hand-back")
def release(conversation_id: ConversationId, body: Adviser, request: Request) -> HoldState:
    state = _held_conversation(
        request, conversation_id, lambda s, f, c: hand_back(s, f, c, body.adviser)
    )
    logger.info("conversation %s handed back to the assistant", conversation_id)
    return state
