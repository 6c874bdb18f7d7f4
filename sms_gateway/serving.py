"""How the service and the SMS intake are served: the same uvicorn settings for both, and
what each does once it has started."""

from __future__ import annotations

import gc

import uvicorn
from fastapi import FastAPI

from sms_gateway.config import Settings


def uvicorn_config(app: FastAPI, settings: Settings, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # Uvicorn's access log would record query strings; ours never carry personal data,
        # but keep the log to our own structured lines.
        access_log=False,
        # Requests still running this long after the stop signal are cancelled.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_level=settings.log_level.lower(),
        # Uvicorn's own lines go through our handler (and format) too.
        log_config=None,
    )


def freeze_startup_objects() -> None:
    """Once a process has loaded what it keeps for its life (the app, the councils, the
    spaCy pipelines), and before its background work starts: take those objects out of the
    garbage collector's full passes. A full pass otherwise walks all of them (about
    180,000): 90-100 ms with every thread stopped, a few times a minute under load, which
    is what a Twilio acknowledgement or a chat reply then waits for. Garbage is collected
    first, so none is kept."""
    gc.collect()
    gc.freeze()


def release_startup_objects() -> None:
    """When the process stops serving, back to the collector (a test process starts and
    stops many apps)."""
    gc.unfreeze()
