"""The adviser console: server-rendered pages for a council's leaving care team."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from sms_gateway.console import (
    callback_routes,
    conversation_routes,
    inbox_routes,
    login_routes,
    report_routes,
)
from sms_gateway.console.auth import FRAGMENT_HEADER, NotLoggedIn
from sms_gateway.console.pages import page, see_other

STATIC = Path(__file__).resolve().parent / "static"


async def _not_logged_in(request: Request, error: Exception) -> Response:
    # console.js asks for fragments with this header; it then reloads to the login page.
    if request.headers.get(FRAGMENT_HEADER):
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    return see_other("/console/login")


def is_console(request: Request) -> bool:
    return request.url.path.startswith("/console/") or request.url.path == "/console"


async def refused(request: Request, error: Exception) -> Response:
    """A refusal (expired form, managers only) as a page, not JSON; other routes as usual."""
    assert isinstance(error, HTTPException)
    if not is_console(request):
        return await http_exception_handler(request, error)
    return page(request, "problem.html", {"problem": error.detail}, None, error.status_code)


def invalid_form(request: Request, error: RequestValidationError) -> Response:
    """A form that cannot be used as sent (an empty reply, an unknown choice): say so, without
    repeating what was typed."""
    fields = sorted({str(e["loc"][-1]) for e in error.errors() if e.get("loc")})
    problem = "That form was not complete" + (f" ({', '.join(fields)})" if fields else "")
    return page(
        request,
        "problem.html",
        {"problem": problem + ". Go back and check it."},
        None,
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def install(app: FastAPI) -> None:
    router = APIRouter()
    for module in (login_routes, inbox_routes, conversation_routes, callback_routes, report_routes):
        router.include_router(module.router)
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.add_exception_handler(HTTPException, refused)
