"""The internal API: the Rasa action server raises escalations and books PA callbacks here.

Every route needs `Authorization: Bearer <INTERNAL_API_TOKEN>`. Bodies may carry a phone number,
so nothing here logs or returns one (see docs/architecture.md, "Internal API").
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from sms_gateway.callbacks import (
    AlreadyBooked,
    CallbackChanges,
    CallbackClosed,
    InvalidCallback,
    book_callback,
    booked_callback,
    cancel_callback,
    change_callback,
    find_callback,
)
from sms_gateway.db import transaction
from sms_gateway.escalations import EscalationReason, raise_escalation
from sms_gateway.models import Callback, Conversation, Escalation, as_utc

logger = logging.getLogger(__name__)

PREFIX = "/internal"
MAX_ABOUT_CHARS = 500

About = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ABOUT_CHARS)
]
# Checked as a UK number by the store; the length limit only bounds what is read.
Phone = Annotated[str, Field(min_length=1, max_length=40)]
ConversationId = Annotated[str, Path(min_length=1, max_length=32)]
Reference = Annotated[str, Path(min_length=1, max_length=16)]


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    expected = request.app.state.settings.internal_api_token
    if not expected:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "internal API disabled: set INTERNAL_API_TOKEN"
        )
    scheme, _, token = (authorization or "").partition(" ")
    # Compared as bytes: compare_digest refuses non-ASCII str, and any header may arrive.
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send INTERNAL_API_TOKEN as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(prefix=PREFIX, tags=["internal"], dependencies=[Depends(require_token)])


async def validation_error(request: Request, error: Exception) -> Response:
    """422 without the rejected input on internal routes: pydantic's errors repeat the body,
    phone number included. Other routes keep FastAPI's default answer."""
    assert isinstance(error, RequestValidationError)
    if not request.url.path.startswith(PREFIX + "/"):
        return await request_validation_exception_handler(request, error)
    errors = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in error.errors()]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": jsonable_encoder(errors)},
    )


class NewEscalation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: EscalationReason
    urgent: bool = False


class EscalationOut(BaseModel):
    id: str
    reason: str
    urgent: bool
    status: str
    created_at: dt.datetime
    council: str

    @classmethod
    def of(cls, escalation: Escalation) -> EscalationOut:
        return cls(
            id=escalation.id,
            reason=escalation.reason,
            urgent=escalation.urgent,
            status=escalation.status,
            created_at=as_utc(escalation.created_at),
            council=escalation.council_id,
        )


class NewCallback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    about: About
    window_start: AwareDatetime
    window_end: AwareDatetime
    phone: Phone | None = None  # None: call the conversation's SMS number


class CallbackChange(BaseModel):
    """Only the fields sent are changed; "phone": null means the conversation's SMS number."""

    model_config = ConfigDict(extra="forbid")
    about: About | None = None
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    phone: Phone | None = None


class CallbackOut(BaseModel):
    reference: str
    status: str
    about: str
    window_start: dt.datetime
    window_end: dt.datetime
    phone_given: bool  # never the number itself

    @classmethod
    def of(cls, callback: Callback) -> CallbackOut:
        return cls(
            reference=callback.reference,
            status=callback.status,
            about=callback.about,
            window_start=as_utc(callback.window_start),
            window_end=as_utc(callback.window_end),
            phone_given=callback.phone is not None,
        )


class AlreadyBookedOut(BaseModel):
    detail: str
    reference: str


def _conversation(session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown conversation")
    return conversation


def _callback(session: Session, conversation_id: str, reference: str) -> Callback:
    callback = find_callback(session, conversation_id, reference)
    if callback is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such callback in this conversation")
    return callback


def _unprocessable(error: InvalidCallback) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


def _closed(callback: Callback) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, f"callback is {callback.status}")


@router.post(
    "/conversations/{conversation_id}/escalations",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": EscalationOut, "description": "joined the open escalation"}},
)
def escalate(
    conversation_id: ConversationId, body: NewEscalation, request: Request, response: Response
) -> EscalationOut:
    with transaction(request.app.state.sessions) as session:
        conversation = _conversation(session, conversation_id)
        escalation, created = raise_escalation(session, conversation, body.reason, body.urgent)
        if not created:
            response.status_code = status.HTTP_200_OK
        logger.info(
            "escalation %s %s for conversation %s: reason=%s urgent=%s",
            escalation.id,
            "raised" if created else "joined",
            conversation.id,
            escalation.reason,
            escalation.urgent,
        )
        return EscalationOut.of(escalation)


@router.post(
    "/conversations/{conversation_id}/callbacks",
    status_code=status.HTTP_201_CREATED,
    response_model=CallbackOut,
    responses={409: {"model": AlreadyBookedOut, "description": "one is booked already"}},
)
def book(conversation_id: ConversationId, body: NewCallback, request: Request) -> Any:
    with transaction(request.app.state.sessions) as session:
        conversation = _conversation(session, conversation_id)
        try:
            callback = book_callback(
                session, conversation, body.about, body.window_start, body.window_end, body.phone
            )
        except InvalidCallback as error:
            raise _unprocessable(error) from None
        except AlreadyBooked as error:
            return JSONResponse(
                status_code=status.HTTP_409_CONFLICT,
                content={
                    "detail": "a callback is already booked in this conversation",
                    "reference": error.reference,
                },
            )
        logger.info(
            "callback %s booked for conversation %s (number given: %s)",
            callback.reference,
            conversation.id,
            callback.phone is not None,
        )
        return CallbackOut.of(callback)


@router.get("/conversations/{conversation_id}/callbacks/open")
def open_callback(conversation_id: ConversationId, request: Request) -> CallbackOut:
    with transaction(request.app.state.sessions) as session:
        _conversation(session, conversation_id)
        callback = booked_callback(session, conversation_id)
        if callback is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no callback booked")
        return CallbackOut.of(callback)


@router.patch("/conversations/{conversation_id}/callbacks/{reference}")
def change(
    conversation_id: ConversationId, reference: Reference, body: CallbackChange, request: Request
) -> CallbackOut:
    changes = body.model_dump(exclude_unset=True)
    for name in ("about", "window_start", "window_end"):
        if name in changes and changes[name] is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} cannot be null")
    with transaction(request.app.state.sessions) as session:
        conversation = _conversation(session, conversation_id)
        callback = _callback(session, conversation_id, reference)
        try:
            change_callback(session, conversation, callback, CallbackChanges(**changes))
        except CallbackClosed:
            raise _closed(callback) from None
        except InvalidCallback as error:
            raise _unprocessable(error) from None
        logger.info(
            "callback %s changed: %s", callback.reference, ", ".join(sorted(changes)) or "nothing"
        )
        return CallbackOut.of(callback)


@router.post("/conversations/{conversation_id}/callbacks/{reference}/cancel")
def cancel(conversation_id: ConversationId, reference: Reference, request: Request) -> CallbackOut:
    with transaction(request.app.state.sessions) as session:
        _conversation(session, conversation_id)
        callback = _callback(session, conversation_id, reference)
        try:
            cancel_callback(session, callback)
        except CallbackClosed:
            raise _closed(callback) from None
        logger.info("callback %s cancelled", callback.reference)
        return CallbackOut.of(callback)
