"""Rasa's risk intent after DIET: promoted when close, and standing down when the service's
classifier (sent as message metadata) is sure the message is ordinary."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.risk_recall import RiskRecallClassifier, stand_down_risk

PATHWAY_PLAN = "can i bring my boyfriend to my pathway plan meeting"  # read as risk by DIET


def parsed(ranking: list[dict[str, Any]], metadata: dict[str, Any] | None) -> Message:
    message = Message(data={"text": PATHWAY_PLAN, "metadata": metadata})
    message.set("intent", ranking[0])
    message.set("intent_ranking", ranking)
    return message


def after_component(ranking: list[dict[str, Any]], metadata: dict[str, Any] | None) -> Message:
    component = RiskRecallClassifier({"floor": 0.4, "stand_down_below": 0.03})
    [message] = component.process([parsed(ranking, metadata)])
    return message


RISK_FIRST = [
    {"name": "risk", "confidence": 0.98},
    {"name": "kb_pathway_plan", "confidence": 0.015},
    {"name": "kb_disability_support", "confidence": 0.005},
]


def test_risk_stands_down_when_the_service_is_sure_the_message_is_ordinary() -> None:
    message = after_component(RISK_FIRST, {"channel": "web", "risk_probability": 0.004})
    # The rest keep their own (low) confidences: the fallback, not a guess, answers.
    assert message.get("intent") == {"name": "kb_pathway_plan", "confidence": 0.015}
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "kb_pathway_plan",
        "kb_disability_support",
    ]


@pytest.mark.parametrize(
    "metadata",
    [None, {}, {"channel": "sms"}, {"risk_probability": 0.03}, {"risk_probability": 0.2},
     {"risk_probability": "0.001"}, {"risk_probability": True}],
)  # fmt: skip
def test_risk_stays_unless_the_service_gave_a_low_probability(metadata: Any) -> None:
    """Without a number under the bar (Rasa used directly, the classifier missing, a
    probability at the bar or above), the assistant's own net stays."""
    message = after_component(RISK_FIRST, metadata)
    assert message.get("intent")["name"] == "risk"


def test_a_close_second_risk_is_still_promoted_when_the_service_is_unsure() -> None:
    ranking = [
        {"name": "kb_supported_lodgings", "confidence": 0.5},
        {"name": "risk", "confidence": 0.45},
    ]
    message = after_component(ranking, {"risk_probability": 0.3})
    assert message.get("intent") == {"name": "risk", "confidence": 1.0}


def test_a_close_second_risk_is_not_promoted_when_the_service_is_sure() -> None:
    ranking = [
        {"name": "kb_supported_lodgings", "confidence": 0.5},
        {"name": "risk", "confidence": 0.45},
    ]
    message = after_component(ranking, {"risk_probability": 0.01})
    assert message.get("intent") == {"name": "kb_supported_lodgings", "confidence": 0.5}


def test_a_ranking_without_risk_is_left_alone() -> None:
    assert stand_down_risk([{"name": "kb_staying_put", "confidence": 0.9}]) is None
