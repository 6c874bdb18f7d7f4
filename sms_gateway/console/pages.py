"""Rendering console pages: the templates, the headers every page gets, and the words for
the codes stored in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from sms_gateway.console.auth import Staff

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
REASONS = {
    "risk": "Risk: safeguarding",
    "callback_urgent": "Urgent callback",
    "asked_for_person": "Asked for a person",
    "not_understood": "Not understood",
}
CHANNELS = {"sms": "Text message", "web": "Web chat"}
AUTHORS = {"young_person": "Young person", "bot": "Assistant", "system": "Service notice"}
# What an inbound message's status means for an adviser reading the transcript.
INBOUND_STATUS = {
    "received": "Being answered",
    "answered": None,
    "waiting": "Waiting: the assistant was down",
    "keyword": "Keyword (STOP, START or HELP)",
    "rate_limited": "Not answered: too many texts at once",
    "opted_out": "Not answered: this number texted STOP",
    "risk": "Not sent to the assistant: crisis reply sent",
    "for_adviser": "For the adviser: the assistant was paused",
}
DELIVERY = {
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent to the network",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "failed": "Failed",
    "held": "Not sent: opted out",
}
templates.env.globals.update(
    reasons=REASONS, channels=CHANNELS, authors=AUTHORS, inbound_status=INBOUND_STATUS
)
templates.env.globals["delivery"] = DELIVERY


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    staff: Staff | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, template, {"staff": staff, **context}, status_code=status_code
    )
    response.headers.update(PAGE_HEADERS)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser loads the page again (so a reload does not resubmit)."""
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
