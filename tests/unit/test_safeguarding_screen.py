"""The safeguarding screen's rules (issue 6, in progress): lemmas, text-speak, negations
still alerting, and near misses that must not."""

from __future__ import annotations

import pytest
import yaml

from sms_gateway.safeguarding.report import CASES
from sms_gateway.safeguarding.screen import RiskScreen, default_screen


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("been cuttin myself again", "suicide_self_harm"),
        ("I cut myself last night", "suicide_self_harm"),
        ("i dont wanna wake up tomorrow", "suicide_self_harm"),
        ("im not going to hurt myself i promise", "suicide_self_harm"),  # still alerts
        ("he hits me when hes drunk", "abuse_domestic_violence"),
        ("they make me carry packages to other towns", "exploitation"),
        ("i owe him money and he says i have to work it off", "exploitation"),
        ("ive got nowhere to sleep tonight", "homeless_tonight"),
        ("I\u2019m sleepin rough", "homeless_tonight"),
        ("took a load of pills", "medical_emergency"),
        ("i cant breathe", "medical_emergency"),
    ],
)
def test_risk_messages_alert_with_their_category(message: str, category: str) -> None:
    assert category in [hit.category for hit in default_screen().screen(message)]


@pytest.mark.parametrize(
    "message",
    ["how do i kill time before my appointment", "i need to cut my hair", "can i get a bursary",
     "what is staying put", "my phone died"],
)  # fmt: skip
def test_ordinary_messages_do_not(message: str) -> None:
    assert default_screen().screen(message) == []


def test_every_risk_message_in_the_labelled_set_alerts_and_few_ordinary_ones_do() -> None:
    """The issue's target on eval/safeguarding-cases.yml: recall 100%, false alarms on
    ordinary messages below 3% (`make safeguarding-report` prints the detail)."""
    cases = yaml.safe_load(CASES.read_text())
    screen = default_screen()
    missed = [m for messages in cases["risk"].values() for m in messages if not screen.screen(m)]
    assert missed == []
    ordinary = [m for messages in cases["ordinary"].values() for m in messages]
    alarms = [m for m in ordinary if screen.screen(m)]
    assert len(alarms) / len(ordinary) < 0.03, alarms


def test_a_badly_written_pattern_is_refused() -> None:
    with pytest.raises(ValueError, match="single words"):
        RiskScreen({"risk": {"x": ["what|whats the point"]}})
    with pytest.raises(ValueError, match="every alternative"):
        RiskScreen({"risk": {"x": ["=took|take pills"]}})
