"""The inbox: the council's escalated conversations in folders, urgent first, kept live by
console.js fetching the list fragment again every few seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sms_gateway.console.auth import LoggedIn
from sms_gateway.console.casework import FOLDER_NAMES, Folder, folder_counts, inbox
from sms_gateway.console.pages import page
from sms_gateway.db import transaction

router = APIRouter(prefix="/console", include_in_schema=False)
FolderQuery = Annotated[Folder, Query()]


def _inbox(request: Request, staff: LoggedIn, folder: Folder, template: str) -> HTMLResponse:
    with transaction(request.app.state.sessions) as session:
        return page(
            request,
            template,
            {
                "folder": folder,
                "folders": FOLDER_NAMES,
                "counts": folder_counts(session, staff),
                "rows": inbox(session, staff, folder),
            },
            staff,
        )


@router.get("/")
def inbox_page(request: Request, staff: LoggedIn, folder: FolderQuery = "open") -> HTMLResponse:
    return _inbox(request, staff, folder, "inbox.html")


@router.get("/inbox-list")
def inbox_list(request: Request, staff: LoggedIn, folder: FolderQuery = "open") -> HTMLResponse:
    """The folders and list only, for live updates."""
    return _inbox(request, staff, folder, "inbox_list.html")
