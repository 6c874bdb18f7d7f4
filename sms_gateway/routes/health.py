"""Liveness and readiness, for the run command, docker compose and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sms_gateway.models import Message

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request, response: Response) -> dict[str, object]:
    """The service can do its job: database reachable, Rasa answering. Also the backlog
    (texts in the outbox, messages waiting for the assistant) for monitoring."""
    checks: dict[str, bool] = {}
    backlog: dict[str, int] = {}
    try:
        with request.app.state.sessions() as session:
            session.execute(text("SELECT 1"))
            backlog = _backlog(session)
        checks["database"] = True
    except Exception:
        checks["database"] = False
    checks["assistant"] = await request.app.state.assistant.is_ready()
    ok = all(checks.values())
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ok" if ok else "unavailable", "checks": checks, "backlog": backlog}


def _backlog(session: Session) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.status.in_(("queued", "sending", "waiting")))
            .group_by(Message.status)
        ).all()
    )
    return {
        "sms_outbox": counts.get("queued", 0) + counts.get("sending", 0),
        "waiting_for_assistant": counts.get("waiting", 0),
    }
