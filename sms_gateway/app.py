"""The FastAPI application: wiring of settings, database, assistant and SMS provider."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from sms_gateway import console, migrate
from sms_gateway.assistant import AssistantClient
from sms_gateway.config import Settings, get_settings
from sms_gateway.councils import CouncilDirectory
from sms_gateway.db import DATABASE_DOWN, make_engine, make_session_factory
from sms_gateway.flow import MessageFlow
from sms_gateway.inbound_texts import InboundTexts
from sms_gateway.live import LiveUpdates
from sms_gateway.outbox import Outbox, OutboxSettings
from sms_gateway.routes import health, internal, twilio_webhook, webchat, widget
from sms_gateway.safeguarding.check import safeguard_for
from sms_gateway.serving import freeze_startup_objects, release_startup_objects
from sms_gateway.spool import SmsSpool
from sms_gateway.twilio_api import TwilioMessagesAPI

logger = logging.getLogger(__name__)


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if console.is_console(request):
        return console.invalid_form(request, error)
    return await internal.validation_error(request, error)


RETRY_AFTER_SECONDS = 5


async def database_unavailable(request: Request, error: Exception) -> Response:
    """503 with Retry-After rather than a bare 500: nothing was stored, so Twilio (with a
    connection override), the chat widget and load balancers know to try again shortly."""
    logger.error("database unavailable: %s on %s", type(error).__name__, request.url.path)
    return JSONResponse(
        {"detail": "temporarily unavailable: try again shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate.upgrade(settings.database_url)
        if not settings.internal_api_token:
            logger.warning("internal API disabled: INTERNAL_API_TOKEN is not set")
        engine = make_engine(settings.database_url)
        app.state.settings = settings
        app.state.councils = councils
        app.state.live = LiveUpdates()
        app.state.sessions = make_session_factory(engine)
        app.state.assistant = AssistantClient(
            settings.rasa_url, settings.rasa_timeout_seconds, settings.rasa_requests_per_server
        )
        app.state.twilio = TwilioMessagesAPI(
            settings.twilio_api_base_url,
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            timeout=settings.twilio_timeout_seconds,
        )
        app.state.outbox = Outbox(
            app.state.sessions,
            app.state.twilio,
            OutboxSettings(
                public_base_url=settings.public_base_url,
                max_attempts=settings.sms_send_max_attempts,
                retry_base_seconds=settings.sms_retry_base_seconds,
                stale_after=dt.timedelta(seconds=4 * settings.twilio_timeout_seconds),
            ),
        )
        app.state.flow = MessageFlow(
            app.state.sessions,
            app.state.assistant,
            app.state.outbox,
            app.state.councils,
            # The spaCy phrases (national and each council's) and classifier, loaded once.
            safeguard_for(app.state.councils.councils.values()),
            twilio_manages_opt_out=settings.twilio_manages_opt_out,
            max_segments=settings.sms_max_segments,
            rate_limit_per_minute=settings.sms_rate_limit_per_minute,
            rate_limit_per_hour=settings.sms_rate_limit_per_hour,
            web_rate_limit_per_minute=settings.web_chat_rate_limit_per_minute,
            web_rate_limit_per_hour=settings.web_chat_rate_limit_per_hour,
            live=app.state.live,
            # Longer than any job takes (two tries at Rasa), so only abandoned ones qualify.
            stale_after=dt.timedelta(seconds=2 * settings.rasa_timeout_seconds + 5),
        )
        app.state.inbound_sms = app.state.flow
        app.state.texts = InboundTexts(app.state, SmsSpool(Path(settings.sms_spool_path)))
        freeze_startup_objects()
        workers = [
            asyncio.create_task(
                app.state.texts.drain(settings.sms_spool_retry_seconds), name="spool"
            ),
            asyncio.create_task(app.state.outbox.run(), name="outbox"),
            asyncio.create_task(
                app.state.flow.run_recovery(settings.assistant_retry_seconds), name="re-ask"
            ),
            # Texts stored by the SMS intake process (or before a restart) are answered here.
            asyncio.create_task(
                app.state.flow.take_up_stored_sms(settings.sms_intake_poll_seconds), name="intake"
            ),
        ]
        try:
            yield
        finally:
            release_startup_objects()
            await app.state.flow.wait_for_background()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            app.state.flow.close()
            app.state.outbox.close()
            await app.state.assistant.close()
            await app.state.twilio.close()
            engine.dispose()

    # Loaded here (not only at start-up) because CORS needs the councils' websites.
    councils = CouncilDirectory.load(settings.default_council)
    app = FastAPI(title="Care leavers' assistant", version="0.1.0", lifespan=lifespan)
    # Council websites embedding the widget call the web chat API from their own origin.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=councils.web_chat_origins(),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
        max_age=600,
    )
    app.include_router(health.router)
    app.include_router(webchat.router)
    app.include_router(widget.router)
    app.include_router(twilio_webhook.router)
    app.include_router(internal.router)
    console.install(app)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_unavailable)
    return app
