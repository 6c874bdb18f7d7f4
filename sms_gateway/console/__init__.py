"""The adviser console: server-rendered pages for a council's leaving care team."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, status
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
from sms_gateway.console.pages import see_other

STATIC = Path(__file__).resolve().parent / "static"


async def _not_logged_in(request: Request, error: Exception) -> Response:
    # console.js asks for fragments with this header; it then reloads to the login page.
    if request.headers.get(FRAGMENT_HEADER):
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    return see_other("/console/login")


def install(app: FastAPI) -> None:
    router = APIRouter()
    for module in (login_routes, inbox_routes, conversation_routes, callback_routes, report_routes):
        router.include_router(module.router)
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
