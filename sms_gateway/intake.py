"""`python -m sms_gateway.intake`: the SMS intake process, for councils that run one.

It serves Twilio's two webhooks (inbound texts and delivery reports) and nothing else: it
checks the signature, writes the text to its spool file (synced to disk) and acknowledges;
its drainer then stores the text once in the database, handling STOP/START/HELP there
(SMS_INTAKE_SPOOL_FIRST=false stores before acknowledging instead). The service takes each
stored text up from the database within SMS_INTAKE_POLL_SECONDS and answers it.

Twilio's acknowledgement never waits behind the service's other work (answering, web chat,
the console): the intake has its own process, event loop and database connections, as a
channel receiver does in RapidPro's courier; and, spooling first, it does not wait for the
database either, which on a busy or slow machine takes several times longer than the
spool's one local write. While the service
restarts, texts are still acknowledged and kept; they are answered when it is back. While
the database is down, texts wait in the intake's spool (SMS_SPOOL_PATH) and are stored
from there, in order, once it is back.

Without it, the service serves the same webhooks itself (the default, and `make run`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sms_gateway import logs, migrate
from sms_gateway.app import database_unavailable
from sms_gateway.config import Settings, get_settings
from sms_gateway.councils import CouncilDirectory
from sms_gateway.db import DATABASE_DOWN, make_engine, make_session_factory
from sms_gateway.inbound_texts import InboundTexts
from sms_gateway.keyword_replies import KeywordReplies
from sms_gateway.models import Message
from sms_gateway.routes import health, twilio_webhook
from sms_gateway.serving import (
    freeze_startup_objects,
    release_startup_objects,
    uvicorn_config,
)
from sms_gateway.sms_keywords import Keyword
from sms_gateway.spool import SmsSpool

logger = logging.getLogger(__name__)

SCHEMA_WAIT_SECONDS = 1.0


class StoredForTheService:
    """A stored text is left "received" for the service to answer; keywords are handled
    here, in the webhook's transaction, as the service would."""

    def __init__(self, keywords: KeywordReplies) -> None:
        self._keywords = keywords

    def take_keyword(self, session: Session, inbound: Message, keyword: Keyword) -> None:
        self._keywords.take(session, inbound, keyword)

    def take_up_sms(self, message_id: int, conversation_id: str) -> None:
        """Nothing to do here: the service finds the text in the database."""


def create_intake_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    councils = CouncilDirectory.load(settings.default_council)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        # The service applies the migrations; a text stored before then would fail.
        for tries in itertools.count():
            if await asyncio.to_thread(_schema_ready, engine):
                break
            if tries == 0:
                logger.warning("waiting for the service to migrate the database")
            await asyncio.sleep(SCHEMA_WAIT_SECONDS)
        app.state.settings = settings
        app.state.councils = councils
        app.state.sessions = make_session_factory(engine)
        app.state.inbound_sms = StoredForTheService(
            KeywordReplies(
                councils,
                max_segments=settings.sms_max_segments,
                twilio_manages_opt_out=settings.twilio_manages_opt_out,
                # The service's outbox sends the reply at its next look (every second).
                wake_outbox=lambda: None,
            )
        )
        app.state.texts = InboundTexts(
            app.state,
            SmsSpool(Path(settings.sms_spool_path)),
            spool_first=settings.sms_intake_spool_first,
        )
        freeze_startup_objects()
        drain = asyncio.create_task(
            app.state.texts.drain(settings.sms_spool_retry_seconds), name="spool"
        )
        try:
            yield
        finally:
            release_startup_objects()
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)
            engine.dispose()

    app = FastAPI(title="Care leavers' assistant: SMS intake", lifespan=lifespan)
    app.include_router(health.intake_router)
    app.include_router(twilio_webhook.router)
    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_unavailable)
    return app


def _schema_ready(engine: Engine) -> bool:
    try:
        return migrate.at_head(engine)
    except DATABASE_DOWN:
        return False


def main() -> None:
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    app = create_intake_app(settings)
    config = uvicorn_config(app, settings, settings.intake_host, settings.intake_port)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
