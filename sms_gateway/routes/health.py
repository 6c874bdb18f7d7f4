"""Liveness and readiness, for the run command, docker compose, load balancers and monitoring."""

from __future__ import annotations

import os

import httpx
from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sms_gateway.models import Message

router = APIRouter(tags=["health"])
# The SMS intake process's own: it relies on the database only.
intake_router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request, response: Response) -> dict[str, object]:
    """Whether the service can take messages, and how each part it relies on is doing.

    503 ("unavailable") only when the database is unreachable: then nothing can be stored.
    With Rasa or the action server down the service still takes and keeps every message
    (they wait and are answered when the assistant is back), so a load balancer must keep
    sending it traffic: that is 200 with status "degraded", for monitoring to alert on.
    """
    state = request.app.state
    checks: dict[str, bool] = {}
    backlog: dict[str, int] = {}
    try:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))
            backlog = _backlog(session)
        checks["database"] = True
    except Exception:
        checks["database"] = False
    servers = await state.assistant.servers_ready()
    checks["assistant"] = any(servers)
    if state.settings.action_server_url:
        checks["action_server"] = await _answers(state.settings.action_server_url + "/health")
    if not checks["database"]:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    healthy = all(checks.values()) and all(servers) and not state.texts.set_aside
    verdict = "ok" if healthy else "degraded"
    return {
        "status": verdict if checks["database"] else "unavailable",
        "checks": checks,
        # Each Rasa server in RASA_URL's order: one down still leaves the others answering.
        "assistant_servers": servers,
        "backlog": backlog,
        # Texts taken while the database was down, waiting to be stored from the spool.
        "sms_spooled": state.texts.spooled,
        # Spooled texts the database kept refusing; tried again when the process restarts.
        "sms_set_aside": state.texts.set_aside,
    }


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _backlog(session: Session) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.status.in_(("queued", "sending", "waiting", "received")))
            .group_by(Message.status)
        ).all()
    )
    return {
        "sms_outbox": counts.get("queued", 0) + counts.get("sending", 0),
        "waiting_for_assistant": counts.get("waiting", 0),
        # Stored and being handled; one that stays here is taken up by the recovery loop.
        "being_handled": counts.get("received", 0),
    }


@intake_router.get("/health")
def intake_health() -> dict[str, str]:
    return health()


@intake_router.get("/ready")
def intake_ready(request: Request, response: Response) -> dict[str, object]:
    """The intake can take texts while it can store them, or keep them in its spool until
    the database is back: 200 "degraded" without the database, 503 only if the spool
    cannot be written either."""
    texts = request.app.state.texts
    try:
        with request.app.state.sessions() as session:
            session.execute(text("SELECT 1"))
        database = True
    except Exception:
        database = False
    spool = os.access(texts.spool_path, os.W_OK)
    if not (database or spool):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        verdict = "unavailable"
    else:
        verdict = "ok" if database and spool and not texts.set_aside else "degraded"
    return {
        "status": verdict,
        "checks": {"database": database, "spool": spool},
        "sms_spooled": texts.spooled,
        "sms_set_aside": texts.set_aside,
    }
