"""Service settings, read from environment variables only (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = Field(
        "sqlite:///var/service.db",
        description="SQLAlchemy URL of the service's database (SQLite or PostgreSQL).",
    )
    service_host: str = Field("127.0.0.1", description="Address the service listens on.")
    service_port: int = Field(8000, description="Port the service listens on.")
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The service's URL as Twilio sees it; Twilio signatures are checked "
        "against it, so set it to the public https URL behind a reverse proxy.",
    )
    rasa_url: str = Field(
        "http://127.0.0.1:5005",
        description="Base URL of the Rasa server, or of several separated by commas (Rasa "
        "processes sharing a PostgreSQL tracker store and a Redis lock store); requests go "
        "round them in turn and skip one that refuses connections.",
    )
    action_server_url: str | None = Field(
        None,
        description="Base URL of Rasa's action server, for /ready to report on it (the "
        "service never calls it otherwise); unset, /ready leaves it out.",
    )
    rasa_requests_per_server: int = Field(
        8,
        ge=1,
        description="Most requests in flight to one Rasa server; more wait in the service, "
        "in the order they came (Rasa answers one message at a time and does not keep order).",
    )
    rasa_timeout_seconds: float = Field(
        20.0, description="How long to wait for Rasa before treating it as down."
    )
    twilio_account_sid: str = Field(
        "AC00000000000000000000000000000000", description="Twilio account SID."
    )
    twilio_auth_token: str = Field(
        "dev-auth-token",
        description="Twilio auth token: signs inbound webhooks and authenticates sends.",
    )
    twilio_api_base_url: str = Field(
        "https://api.twilio.com",
        description="Base URL of Twilio's REST API; the run command points it at the local "
        "fake Twilio.",
    )
    twilio_timeout_seconds: float = Field(
        15.0,
        description="How long to wait for Twilio's API; after a timeout Twilio is asked "
        "whether it has the message before it is sent again.",
    )
    twilio_manages_opt_out: bool = Field(
        True,
        description="True when Twilio's own STOP/START handling is on (the default for UK "
        "long codes): Twilio sends the opt-out and opt-in confirmations. Set false if the "
        "number has Twilio's opt-out handling turned off; the service then sends them.",
    )
    sms_stop_keywords: str = Field(
        "STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,REVOKE,OPTOUT",
        description="Single-word texts that opt a number out; keep it the same as the "
        "number's opt-out keywords at Twilio.",
    )
    sms_start_keywords: str = Field(
        "START,YES,UNSTOP", description="Single-word texts that opt a number back in."
    )
    sms_help_keywords: str = Field(
        "HELP,INFO", description="Single-word texts answered with the council's contacts."
    )
    sms_max_segments: int = Field(
        2,
        description="Longest SMS (in segments) before a reply is split into several "
        "messages between sentences.",
    )
    sms_send_max_attempts: int = Field(
        20,
        description="Attempts to send one SMS (429, 5xx, network errors) before it is marked "
        "failed: with the backoff, about two hours of Twilio being unreachable.",
    )
    sms_retry_base_seconds: float = Field(
        2.0, description="Backoff before the second attempt; doubled each time, up to 10 min."
    )
    sms_rate_limit_per_minute: int = Field(
        8, description="Texts one number may send in a minute before they are held unanswered."
    )
    sms_rate_limit_per_hour: int = Field(
        60, description="Texts one number may send in an hour before they are held unanswered."
    )
    web_chat_rate_limit_per_minute: int = Field(
        20,
        description="Messages one web chat may send in a minute; more are kept and checked "
        "for risk but not answered, and the young person is told once.",
    )
    web_chat_rate_limit_per_hour: int = Field(200, description="The same, per hour.")
    assistant_retry_seconds: float = Field(
        5.0,
        description="While messages wait for the assistant (Rasa or the action server "
        "down), how often to check whether it is back and answer them.",
    )
    sms_intake_poll_seconds: float = Field(
        0.5,
        description="How often the service looks in the database for texts stored but not yet "
        "being answered: those the SMS intake process (python -m sms_gateway.intake) took, "
        "and any left by a restart.",
    )
    sms_spool_path: str = Field(
        "var/sms-spool.sqlite3",
        description="File where this process keeps texts until they are in the database: "
        "the service those that arrive while the database is unreachable, the SMS intake "
        "every text (SMS_INTAKE_SPOOL_FIRST). One file per process, on a persistent disk; "
        "it holds numbers and texts only until they are stored.",
    )
    sms_intake_spool_first: bool = Field(
        True,
        description="The SMS intake writes every text to its spool (synced to disk) and "
        "answers Twilio, then stores it in the database a moment later, so that Twilio's "
        "answer never waits for the database. false: it stores first and spools only while "
        "the database is down, as the service does.",
    )
    sms_spool_retry_seconds: float = Field(
        1.0, gt=0, description="While texts wait in the spool, how often to try the database."
    )
    intake_host: str = Field("127.0.0.1", description="Address the SMS intake listens on.")
    intake_port: int = Field(8001, description="Port the SMS intake process listens on.")
    retention_days: int = Field(
        365,
        description="Messages older than this are deleted by `python -m sms_gateway.privacy "
        "purge` (conversations with an open escalation or booked callback are kept).",
    )
    rasa_tracker_db_url: str | None = Field(
        None,
        description="SQLAlchemy URL of Rasa's tracker store, so purge and erase also remove "
        "what Rasa holds; when unset they print that Rasa's store was not touched.",
    )
    default_council: str = Field(
        "lancashire",
        description="Council for SMS sent to a number that matches no council's sms_numbers.",
    )
    internal_api_token: str | None = Field(
        None,
        description="Bearer token the action server uses for /internal; when unset the "
        "internal API answers 503.",
    )
    web_chat_poll_seconds: float = Field(
        2.0,
        description="How often an open web chat stream looks in the database for messages "
        "stored by another service process (within one process they arrive at once).",
    )
    web_chat_stream_seconds: float = Field(
        300.0,
        description="Longest life of one web chat event stream; the widget reconnects from "
        "the last message it saw, so nothing is missed.",
    )
    shutdown_grace_seconds: int = Field(
        5,
        description="On shutdown, how long requests in progress get to finish before open "
        "web chat streams are closed (the widget reconnects).",
    )
    log_level: str = Field("INFO", description="Log level of the service.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="text: one readable line per event; json: one JSON object per line "
        "(time, level, logger, message, and the exception's type) for a log collector.",
    )

    def keywords(self, kind: str) -> frozenset[str]:
        raw = {"stop": self.sms_stop_keywords, "start": self.sms_start_keywords}.get(
            kind, self.sms_help_keywords
        )
        return frozenset(word.strip().upper() for word in raw.split(",") if word.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
