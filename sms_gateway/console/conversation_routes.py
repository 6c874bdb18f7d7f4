"""One escalated conversation: the transcript (kept live), and what an adviser does with it:
claim or assign it, take it over and reply as a person, hand it back to the assistant, write
private notes, and resolve it. Every view and change goes in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.console import audit
from sms_gateway.console.auth import FormBy, LoggedIn, Staff
from sms_gateway.console.casework import (
    AssignedToAnother,
    NotFound,
    add_note,
    assign,
    colleagues,
    conversation_for,
    notes,
    resolve,
    staff_names,
)
from sms_gateway.console.pages import page, see_other
from sms_gateway.db import transaction
from sms_gateway.flow import MessageFlow
from sms_gateway.handover import (
    HeldByAnother,
    NotHeld,
    hand_back,
    pass_to,
    reply_as_adviser,
    take_over,
)
from sms_gateway.models import Conversation, Message, Note, WebSession

router = APIRouter(prefix="/console/conversations", include_in_schema=False)

ReplyText = Annotated[
    str, Form(), StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)
]
NoteText = Annotated[
    str, Form(), StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
]


class CannotSend(Exception):
    """Nothing can reach the young person this way (the number opted out)."""


def _timeline(session: Session, conversation: Conversation) -> list[Message | Note]:
    """Messages and private notes in the order they happened."""
    items: list[Message | Note] = [*conversation.messages, *notes(session, conversation)]
    return sorted(items, key=lambda item: (item.created_at, isinstance(item, Note)))


def _web_chat_ended(session: Session, conversation: Conversation) -> bool:
    if conversation.channel != "web":
        return False
    ended = session.scalars(
        select(WebSession.ended_at).where(WebSession.conversation_id == conversation.id)
    ).all()
    return bool(ended) and all(moment is not None for moment in ended)


def _context(session: Session, staff: Staff, conversation: Conversation) -> dict[str, Any]:
    names = staff_names(session, staff.council_id)
    open_escalation = next((e for e in conversation.escalations if e.status == "open"), None)
    return {
        "conversation": conversation,
        "contact": conversation.contact,
        "escalation": open_escalation or (conversation.escalations or [None])[-1],
        "timeline": _timeline(session, conversation),
        "names": names,
        "colleagues": colleagues(session, staff),
        "mine": conversation.held_by == staff.account_id,
        "web_chat_ended": _web_chat_ended(session, conversation),
        "callbacks": conversation.callbacks,
    }


def _show(
    request: Request, staff: Staff, conversation_id: str, template: str, **extra: Any
) -> HTMLResponse:
    with transaction(request.app.state.sessions) as session:
        try:
            conversation = conversation_for(session, staff, conversation_id)
        except NotFound:
            return page(request, "not_found.html", {}, staff, status.HTTP_404_NOT_FOUND)
        if template == "conversation.html" and not extra.get("problem"):
            audit.record(session, staff, "viewed_conversation", conversation_id=conversation.id)
        return page(request, template, {**_context(session, staff, conversation), **extra}, staff)


@router.get("/{conversation_id}")
def conversation_page(conversation_id: str, request: Request, staff: LoggedIn) -> HTMLResponse:
    return _show(request, staff, conversation_id, "conversation.html")


@router.get("/{conversation_id}/transcript")
def transcript(conversation_id: str, request: Request, staff: LoggedIn) -> HTMLResponse:
    """The transcript only, for live updates (the page view was audited)."""
    return _show(request, staff, conversation_id, "transcript.html")


Change = Callable[[Session, MessageFlow, Conversation], str | None]


def _change(request: Request, staff: Staff, conversation_id: str, change: Change) -> Response:
    """Run one change in a transaction; then deliver what it sent and show the page again.
    A refusal shows the page with the reason and a 409."""
    flow: MessageFlow = request.app.state.flow
    problem = None
    with transaction(request.app.state.sessions) as session:
        try:
            conversation = conversation_for(session, staff, conversation_id)
            problem = change(session, flow, conversation)
        except NotFound:
            return page(request, "not_found.html", {}, staff, status.HTTP_404_NOT_FOUND)
        except AssignedToAnother as error:
            problem = f"{error.name} has this young person. Ask them or a manager to pass it on."
        except HeldByAnother as error:
            name = staff_names(session, staff.council_id).get(error.holder, "a colleague")
            problem = f"{name} is talking to this young person now."
        except NotHeld:
            problem = "Take the conversation over first."
        except CannotSend as error:
            problem = str(error)
        if problem:
            session.rollback()
    if problem:
        response = _show(request, staff, conversation_id, "conversation.html", problem=problem)
        response.status_code = status.HTTP_409_CONFLICT
        return response
    flow.sent(conversation_id)
    return see_other(f"/console/conversations/{conversation_id}")


def _may_work_on(
    session: Session, staff: Staff, conversation: Conversation, take: bool = False
) -> None:
    """The case is the staff member's, or nobody's (then it becomes theirs), or they manage.
    `take`: a manager working on a colleague's case (talking to the young person) takes it."""
    mine_or_nobodys = conversation.assigned_to in (None, staff.account_id)
    if not mine_or_nobodys and not staff.manages:
        name = staff_names(session, staff.council_id).get(conversation.assigned_to or "")
        raise AssignedToAnother(name or "a colleague")
    if conversation.assigned_to is None or (take and conversation.assigned_to != staff.account_id):
        assign(session, staff, conversation, staff.account_id)
        audit.record(session, staff, "claimed", conversation_id=conversation.id)


def _take_over(
    session: Session, flow: MessageFlow, staff: Staff, conversation: Conversation
) -> None:
    _may_work_on(session, staff, conversation, take=True)
    if conversation.held_by not in (None, staff.account_id) and staff.manages:
        pass_to(session, flow, conversation, staff.account_id, staff.name)
    elif take_over(session, flow, conversation, staff.account_id, staff.name):
        audit.record(session, staff, "took_over", conversation_id=conversation.id)


def _sendable(conversation: Conversation) -> None:
    if conversation.channel == "sms" and conversation.contact.opted_out:
        raise CannotSend(
            "This number has opted out (it texted STOP), so nothing can be sent until the "
            "young person texts START. Phone them if you need to reach them."
        )


@router.post("/{conversation_id}/claim")
def claim(conversation_id: str, request: Request, staff: FormBy) -> Response:
    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        _may_work_on(session, staff, conversation, take=True)

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/assign")
def assign_to(
    conversation_id: str,
    request: Request,
    staff: FormBy,
    account_id: Annotated[str, Form(max_length=32)],
) -> Response:
    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        target = assign(session, staff, conversation, account_id)
        if conversation.held_by is not None:
            pass_to(session, flow, conversation, target.id, target.name)
        audit.record(
            session, staff, "assigned", conversation_id=conversation.id, detail=f"to {target.name}"
        )

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/take-over")
def take_it_over(conversation_id: str, request: Request, staff: FormBy) -> Response:
    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        _take_over(session, flow, staff, conversation)

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/reply")
def reply(conversation_id: str, request: Request, staff: FormBy, text: ReplyText) -> Response:
    """Send as a person over the young person's channel, taking the conversation over first
    if the adviser does not hold it yet."""

    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        _sendable(conversation)
        _take_over(session, flow, staff, conversation)
        reply_as_adviser(session, flow, conversation, staff.account_id, staff.name, text)
        audit.record(
            session, staff, "replied", conversation_id=conversation.id, detail=conversation.channel
        )

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/hand-back")
def give_back(conversation_id: str, request: Request, staff: FormBy) -> Response:
    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        hand_back(session, flow, conversation, staff.account_id, staff.name)
        audit.record(session, staff, "handed_back", conversation_id=conversation.id)

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/notes")
def note(conversation_id: str, request: Request, staff: FormBy, text: NoteText) -> Response:
    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> None:
        add_note(session, staff, conversation, text)
        audit.record(session, staff, "added_note", conversation_id=conversation.id)

    return _change(request, staff, conversation_id, change)


@router.post("/{conversation_id}/resolve")
def close(conversation_id: str, request: Request, staff: FormBy) -> Response:
    """Resolve the escalation; if the adviser holds the conversation, the assistant takes it
    back."""

    def change(session: Session, flow: MessageFlow, conversation: Conversation) -> str | None:
        _may_work_on(session, staff, conversation)
        if conversation.held_by is not None:
            if conversation.held_by != staff.account_id and not staff.manages:
                raise HeldByAnother(conversation.held_by)
            holder = conversation.held_by
            name = staff_names(session, staff.council_id).get(holder, staff.name)
            hand_back(session, flow, conversation, holder, name)
        escalation = resolve(session, staff, conversation)
        if escalation is None:
            return "There is nothing open to resolve."
        audit.record(
            session, staff, "resolved", conversation_id=conversation.id, detail=escalation.reason
        )
        return None

    return _change(request, staff, conversation_id, change)
