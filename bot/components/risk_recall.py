"""Tune the intent classifier for recall on risk: if `risk` is a close second, it wins.

A young person at risk who is answered with an article about lodgings has been failed; an
adviser glancing at a false alarm has not. So after DIET, any message where `risk` scores at
least `floor` is treated as a risk message, whatever scored higher. (The service's own
safeguarding screen runs before Rasa on every message; this is a further net.) The floor is
set in config.yml; too low a floor turns everyday answers into crisis replies.
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


def promote_risk(ranking: list[dict[str, Any]], floor: float) -> list[dict[str, Any]] | None:
    """The ranking with `risk` first at full confidence, or None if risk is below the floor."""
    risk = next((r for r in ranking if r.get(INTENT_NAME_KEY) == RISK_INTENT), None)
    if risk is None or float(risk.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < floor:
        return None
    if ranking and ranking[0] is risk:
        return None  # already first: nothing to change
    promoted = {INTENT_NAME_KEY: RISK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    return [promoted, *(r for r in ranking if r is not risk)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskRecallClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"floor": 0.4}

    def __init__(self, config: dict[str, Any]) -> None:
        self.floor = float(config["floor"])

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
            promoted = promote_risk(message.get(INTENT_RANKING_KEY) or [], self.floor)
            if promoted is None:
                continue
            message.set(INTENT, promoted[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, promoted, add_to_output=True)
        return messages
