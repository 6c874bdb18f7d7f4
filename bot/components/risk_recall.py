"""Tune the intent classifier for risk: if `risk` is a close second, it wins; unless the
service's own classifier is sure the message is ordinary.

A young person at risk who is answered with an article about lodgings has been failed; an
adviser glancing at a false alarm has not. So after DIET, any message where `risk` scores at
least `floor` is treated as a risk message, whatever scored higher. (The service's own
safeguarding screen runs before Rasa on every message; this is a further net.) The floor is
set in config.yml; too low a floor turns everyday answers into crisis replies.

DIET also gives `risk` full confidence to messages that only share its words or its voice
("can i bring my boyfriend to my pathway plan meeting", "happy new year"): about one
ordinary message in ten. The service sends its classifier's probability that the message is
about risk (metadata `risk_probability`); below `stand_down_below` the risk intent is
taken out of the ranking, and what is left decides (usually "not sure, did you mean ...").
Without that metadata (Rasa used directly, the classifier missing) nothing stands down.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

RISK_INTENT = "risk"
RISK_PROBABILITY_KEY = "risk_probability"  # in the message's metadata, from the service


def promote_risk(ranking: list[dict[str, Any]], floor: float) -> list[dict[str, Any]] | None:
    """The ranking with `risk` first at full confidence, or None if risk is below the floor."""
    risk = next((r for r in ranking if r.get(INTENT_NAME_KEY) == RISK_INTENT), None)
    if risk is None or float(risk.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < floor:
        return None
    if ranking and ranking[0] is risk:
        return None  # already first: nothing to change
    promoted = {INTENT_NAME_KEY: RISK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    return [promoted, *(r for r in ranking if r is not risk)]


def stand_down_risk(ranking: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The ranking without `risk`, or None if risk is not in it. The others keep their own
    confidences: not scaled up, so a weak second choice stays weak and the fallback decides."""
    if not any(r.get(INTENT_NAME_KEY) == RISK_INTENT for r in ranking):
        return None
    return [r for r in ranking if r.get(INTENT_NAME_KEY) != RISK_INTENT]


def screen_probability(metadata: Any) -> float | None:
    """The service classifier's risk probability from the message's metadata, if sent."""
    value = metadata.get(RISK_PROBABILITY_KEY) if isinstance(metadata, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskRecallClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"floor": 0.4, "stand_down_below": 0.0}

    def __init__(self, config: dict[str, Any]) -> None:
        self.floor = float(config["floor"])
        self.stand_down_below = float(config["stand_down_below"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RiskRecallClassifier:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            probability = screen_probability(message.get("metadata"))
            if probability is not None and probability < self.stand_down_below:
                changed = stand_down_risk(ranking)
            else:
                changed = promote_risk(ranking, self.floor)
            if changed is None:
                continue
            top = changed[0] if changed else {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, changed, add_to_output=True)
        return messages
