"""While the service and the SMS intake serve, what they loaded to start is out of the
garbage collector's full passes (a pass over it stopped every thread for 90-100 ms, which a
Twilio acknowledgement or a chat reply then waited for); when they stop it goes back."""

from __future__ import annotations

import gc

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sms_gateway.app import create_app
from sms_gateway.config import Settings
from sms_gateway.intake import create_intake_app


@pytest.mark.parametrize("create", [create_app, create_intake_app], ids=["service", "intake"])
def test_what_a_process_loaded_to_start_is_kept_out_of_full_collections(
    create, database_url: str, sessions
) -> None:  # sessions: migrated, for the intake
    app: FastAPI = create(Settings(database_url=database_url, rasa_url="http://127.0.0.1:9"))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        frozen = gc.get_freeze_count()
    # The app, its routes, the councils (and in the service the spaCy pipelines): many
    # thousands of objects that live as long as the process.
    assert frozen > 50_000
    assert gc.get_freeze_count() == 0
