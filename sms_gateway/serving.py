"""How the service and the SMS intake are served by uvicorn: the same settings for both."""

from __future__ import annotations

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
