"""`python -m sms_gateway`: run the service (migrations are applied on start)."""

from __future__ import annotations

import asyncio
from types import FrameType

import uvicorn
from fastapi import FastAPI

from sms_gateway import logs
from sms_gateway.app import create_app
from sms_gateway.config import get_settings
from sms_gateway.serving import uvicorn_config


def main() -> None:
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    app = create_app(settings)
    config = uvicorn_config(app, settings, settings.service_host, settings.service_port)
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
