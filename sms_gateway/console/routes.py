"""The adviser console's pages: log in, log out, and the council's open escalations.

Server-rendered (Jinja2). Every page needs a live console session (sessions.py); every form
carries a CSRF token: the session's own once logged in, and before that a double-submit
cookie on the login form. Every query is for the adviser's own council only.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from sms_gateway.accounts import authenticate
from sms_gateway.console.sessions import (
    COOKIE,
    MAX_AGE,
    csrf_ok,
    end_session,
    find_session,
    start_session,
)
from sms_gateway.db import transaction
from sms_gateway.escalations import open_escalations

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
static = StaticFiles(directory=HERE / "static")
router = APIRouter(prefix="/console", include_in_schema=False)

LOGIN_CSRF_COOKIE = "console_login_csrf"
REASONS = {
    "risk": "Risk: safeguarding",
    "callback_urgent": "Urgent callback",
    "asked_for_person": "Asked for a person",
    "not_understood": "Not understood",
}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _secure(request: Request) -> bool:
    return request.app.state.settings.public_base_url.startswith("https://")


def _page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    return response


def _login_page(
    request: Request, problem: str | None = None, email: str = "", status_code: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _page(
        request,
        "login.html",
        {"problem": problem, "email": email, "login_csrf": token, "account": None},
        status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    return response


def _to_login() -> RedirectResponse:
    return RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(
            request,
            "Your login form had expired. Please try again.",
            email,
            status.HTTP_403_FORBIDDEN,
        )
    with transaction(request.app.state.sessions) as session:
        outcome = authenticate(session, email, password)
        token = start_session(session, outcome.account)[1] if outcome.account else None
    if outcome.locked_until is not None:
        until = outcome.locked_until.strftime("%H:%M UTC")
        return _login_page(
            request,
            f"Too many wrong passwords. Try again after {until}, or ask an admin.",
            email,
            status.HTTP_429_TOO_MANY_REQUESTS,
        )
    if token is None:
        return _login_page(request, "Wrong email or password.", email, status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse("/console/", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
    token = request.cookies.get(COOKIE)
    with transaction(request.app.state.sessions) as session:
        console_session = find_session(session, token)
        if console_session is not None and not csrf_ok(console_session, csrf):
            return Response("form expired: reload the page", status.HTTP_403_FORBIDDEN)
        end_session(session, token)
    response = _to_login()
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/")
def inbox(request: Request) -> Response:
    with transaction(request.app.state.sessions) as session:
        console_session = find_session(session, request.cookies.get(COOKIE))
        if console_session is None:
            return _to_login()
        account = console_session.account
        council = request.app.state.councils.get(account.council_id)
        return _page(
            request,
            "inbox.html",
            {
                "account": account,
                "council_name": council.name,
                "csrf": console_session.csrf_token,
                "escalations": open_escalations(session, account.council_id),
                "reasons": REASONS,
            },
        )
