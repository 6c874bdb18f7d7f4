"""Service settings, read from environment variables only (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache

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
    rasa_url: str = Field("http://127.0.0.1:5005", description="Base URL of the Rasa server.")
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
    default_council: str = Field(
        "lancashire",
        description="Council for SMS sent to a number that matches no council's sms_numbers.",
    )
    internal_api_token: str | None = Field(
        None,
        description="Bearer token the action server uses for /internal; when unset the "
        "internal API answers 503.",
    )
    log_level: str = Field("INFO", description="Log level of the service.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
