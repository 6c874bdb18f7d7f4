"""Reports for the team (what the assistant could not answer; volumes by topic and channel)
and the audit trail, which only managers and admins read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sms_gateway.console import audit
from sms_gateway.console.auth import LoggedIn, Manager
from sms_gateway.console.pages import page
from sms_gateway.console.reports import unanswered, volumes
from sms_gateway.db import transaction
from sms_gateway.models import utcnow

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/reports")
def reports(
    request: Request, staff: LoggedIn, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> HTMLResponse:
    with transaction(request.app.state.sessions) as session:
        audit.record(session, staff, "viewed_report", detail=f"{days} days")
        return page(
            request,
            "reports.html",
            {
                "days": days,
                "unanswered": unanswered(
                    session, staff.council_id, utcnow() - dt.timedelta(days=days)
                ),
                "volumes": volumes(session, staff.council_id),
            },
            staff,
        )


@router.get("/audit")
def audit_trail(
    request: Request,
    staff: Manager,
    conversation: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    with transaction(request.app.state.sessions) as session:
        return page(
            request,
            "audit.html",
            {
                "events": audit.council_events(session, staff.council_id, conversation),
                "conversation": conversation,
            },
            staff,
        )
