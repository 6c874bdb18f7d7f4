"""`python -m sms_gateway`: run the service (migrations are applied on start)."""

from __future__ import annotations

import asyncio
from types import FrameType

import uvicorn
from fastapi import FastAPI

from sms_gateway import logs
from sms_gateway.app import create_app
from sms_gateway.config import get_settings


def main() -> None:
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    # Uvicorn's access log would record query strings; ours never carry personal data, but
    # keep the log to our own structured lines.
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.service_host,
        port=settings.service_port,
        access_log=False,
        # Requests still running this long after the stop signal are cancelled.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_level=settings.log_level.lower(),
        # Uvicorn's own lines go through our handler (and format) too.
        log_config=None,
    )
    ClosingStreamsServer(config, app).run()


class ClosingStreamsServer(uvicorn.Server):
    """Uvicorn waits for open connections before it stops; web chat event streams stay open,
    so on the stop signal they are told to end (the widget reconnects to the next process)."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        live = getattr(self._app.state, "live", None)
        if live is not None:
            asyncio.get_event_loop().call_soon_threadsafe(live.close_all)
        super().handle_exit(sig, frame)


if __name__ == "__main__":
    main()
