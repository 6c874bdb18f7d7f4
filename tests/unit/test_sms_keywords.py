"""Which texts are STOP, START or HELP, and the service's own texts fit an SMS."""

from __future__ import annotations

import pytest

from knowledge.loader import knowledge_base
from knowledge.sms_text import encoding, segments
from sms_gateway import sms_notices
from sms_gateway.config import Settings
from sms_gateway.sms_keywords import sms_keyword

SETTINGS = Settings()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "stop"), ("stop", "stop"), (" Stop. ", "stop"), ("unsubscribe", "stop"),
        ("Cancel", "stop"), ("quit!", "stop"), ("START", "start"), ("unstop", "start"),
        ("yes", "start"), ("HELP", "help"), ("help?", "help"), ("info", "help"),
        ("stop please", None), ("stop texting me about rent", None), ("help me", None),
        ("can you help", None), ("", None), ("stopped", None),
    ],
)  # fmt: skip
def test_only_the_keyword_alone_is_a_command(body: str, expected: str | None) -> None:
    assert sms_keyword(body, None, SETTINGS) == expected


def test_twilio_advanced_opt_out_type_decides_when_present() -> None:
    assert sms_keyword("arret", "STOP", SETTINGS) == "stop"
    assert sms_keyword("stop", "START", SETTINGS) == "start"
    assert sms_keyword("STOP", "OTHER", SETTINGS) is None


def test_keyword_lists_are_configurable() -> None:
    settings = Settings(sms_stop_keywords="STOP,STOPALL")
    assert sms_keyword("cancel", None, settings) is None
    assert sms_keyword("stopall", None, settings) == "stop"


@pytest.mark.parametrize("council_id", sorted(knowledge_base()[1]))
def test_service_texts_are_plain_gsm7_within_two_segments(council_id: str) -> None:
    council = knowledge_base()[1][council_id]
    for text in (
        sms_notices.first_contact(council),
        sms_notices.help_text(council),
        sms_notices.opted_out(council),
        sms_notices.opted_in(council),
        sms_notices.slow_down(),
    ):
        assert encoding(text) == "gsm7" and segments(text) <= 2, text
    assert "STOP" in sms_notices.first_contact(council)
    assert "999" in sms_notices.help_text(council)
