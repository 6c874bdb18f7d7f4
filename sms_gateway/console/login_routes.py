"""Logging in and out of the adviser console.

The login form carries a double-submit CSRF cookie (there is no session yet); logging out
needs the session's own CSRF token. The session cookie is HttpOnly, SameSite=Strict, scoped
to /console, and Secure when the service is served over https.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, Response

from sms_gateway.accounts import authenticate
from sms_gateway.console import audit
from sms_gateway.console.auth import Staff
from sms_gateway.console.pages import page, see_other
from sms_gateway.console.sessions import (
    COOKIE,
    MAX_AGE,
    csrf_ok,
    end_session,
    find_session,
    start_session,
)
from sms_gateway.db import transaction

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN_CSRF_COOKIE = "console_login_csrf"


def _secure(request: Request) -> bool:
    return request.app.state.settings.public_base_url.startswith("https://")


def _login_page(
    request: Request, problem: str | None = None, email: str = "", status_code: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        {"problem": problem, "email": email, "login_csrf": token},
        status_code=status_code,
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
    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf):
        return _login_page(
            request,
            "Your login form had expired. Please try again.",
            email,
            status.HTTP_403_FORBIDDEN,
        )
    with transaction(request.app.state.sessions) as session:
        outcome = authenticate(session, email, password)
        token = None
        if outcome.account is not None:
            token = start_session(session, outcome.account)[1]
            audit.record(session, Staff.of(outcome.account), "logged_in")
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
    response = see_other("/console/")
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
        if console_session is not None:
            if not csrf_ok(console_session.csrf_token, csrf):
                return Response("form expired: reload the page", status.HTTP_403_FORBIDDEN)
            audit.record(session, Staff.of(console_session.account), "logged_out")
        end_session(session, token)
    response = see_other("/console/login")
    response.delete_cookie(COOKIE, path="/console")
    return response
