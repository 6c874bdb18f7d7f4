"""`python -m sms_gateway`: run the service (migrations are applied on start)."""

from __future__ import annotations

import logging

import uvicorn

from sms_gateway.app import create_app
from sms_gateway.config import get_settings


def main() -> None:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Uvicorn's access log would record query strings; ours never carry personal data, but
    # keep the log to our own structured lines.
    uvicorn.run(
        create_app(settings),
        host=settings.service_host,
        port=settings.service_port,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    main()
