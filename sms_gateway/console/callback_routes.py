"""The callback queue: booked callbacks soonest first (overdue marked), who will call, and
the outcome. The young person is told of each change over their own channel."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sms_gateway.assistant import BotReply
from sms_gateway.callbacks import CallbackClosed, InvalidCallback, number_to_call
from sms_gateway.console import audit
from sms_gateway.console.auth import FormBy, LoggedIn, Staff
from sms_gateway.console.callback_work import (
    LONDON,
    OUTCOME_NAMES,
    Outcome,
    Shown,
    assign_callback,
    callback_for,
    is_overdue,
    queue,
    record_outcome,
    when,
)
from sms_gateway.console.casework import NotFound, colleagues, staff_names
from sms_gateway.console.pages import page, see_other
from sms_gateway.db import transaction
from sms_gateway.flow import MessageFlow
from sms_gateway.models import Callback

router = APIRouter(prefix="/console/callbacks", include_in_schema=False)


def _queue_page(
    request: Request,
    staff: Staff,
    shown: Shown,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with transaction(request.app.state.sessions) as session:
        callbacks = queue(session, staff, shown)
        if not problem:
            audit.record(session, staff, "viewed_callbacks", detail=shown)
        return page(
            request,
            "callbacks.html",
            {
                "shown": shown,
                "callbacks": callbacks,
                "names": staff_names(session, staff.council_id),
                "colleagues": colleagues(session, staff),
                "outcomes": OUTCOME_NAMES,
                "number_to_call": number_to_call,
                "is_overdue": is_overdue,
                "when": when,
                "problem": problem,
            },
            staff,
            status_code,
        )


@router.get("")
def callbacks_page(
    request: Request, staff: LoggedIn, shown: Annotated[Shown, Query()] = "booked"
) -> HTMLResponse:
    return _queue_page(request, staff, shown)


def _london(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=LONDON)


def _tell_and_record(
    session: Session,
    flow: MessageFlow,
    staff: Staff,
    callback: Callback,
    text: BotReply | None,
    action: audit.Action,
    detail: str,
) -> None:
    """Send the young person the text a change calls for, if any, and audit the change."""
    if text is not None:
        flow.send(session, callback.conversation, [text], author="system")
    audit.record(
        session,
        staff,
        action,
        conversation_id=callback.conversation_id,
        callback_id=callback.id,
        detail=detail,
    )


@router.post("/{callback_id}/assign")
def assign(
    callback_id: str,
    request: Request,
    staff: FormBy,
    account_id: Annotated[str, Form(max_length=32)],
) -> Response:
    flow: MessageFlow = request.app.state.flow
    with transaction(request.app.state.sessions) as session:
        try:
            callback = callback_for(session, staff, callback_id)
            text = assign_callback(session, staff, callback, account_id)
        except NotFound:
            return page(request, "not_found.html", {}, staff, status.HTTP_404_NOT_FOUND)
        except CallbackClosed:
            return _queue_page(request, staff, "booked", "That callback is closed already.", 409)
        _tell_and_record(
            session,
            flow,
            staff,
            callback,
            text,
            "assigned_callback",
            f"to {staff_names(session, staff.council_id)[account_id]}",
        )
    flow.sent(callback.conversation_id)
    return see_other("/console/callbacks")


@router.post("/{callback_id}/outcome")
def outcome(
    callback_id: str,
    request: Request,
    staff: FormBy,
    result: Annotated[Outcome, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    new_day: Annotated[dt.date | None, Form()] = None,
    new_from: Annotated[dt.time | None, Form()] = None,
    new_to: Annotated[dt.time | None, Form()] = None,
) -> Response:
    flow: MessageFlow = request.app.state.flow
    window = None
    if result == "rescheduled":
        if not (new_day and new_from and new_to):
            return _queue_page(
                request, staff, "booked", "To reschedule, give the new day and times.", 400
            )
        window = (_london(new_day, new_from), _london(new_day, new_to))
    with transaction(request.app.state.sessions) as session:
        try:
            callback = callback_for(session, staff, callback_id)
            text = record_outcome(session, staff, callback, result, note.strip(), window)
        except NotFound:
            return page(request, "not_found.html", {}, staff, status.HTTP_404_NOT_FOUND)
        except CallbackClosed:
            session.rollback()
            return _queue_page(request, staff, "booked", "That callback is closed already.", 409)
        except InvalidCallback as error:
            session.rollback()
            return _queue_page(request, staff, "booked", f"Could not reschedule: {error}.", 400)
        _tell_and_record(session, flow, staff, callback, text, "callback_outcome", result)
    flow.sent(callback.conversation_id)
    return see_other("/console/callbacks")
