"""An intent classifier for replies that are only an option number or an age.

Runs after DIET and before the FallbackClassifier: a message that is just "2" or "im 17" gets
`choose_option` or `tell_age` with full confidence; every other message keeps DIET's result.
The rules are in actions/short_replies.py, shared with the actions that act on the reply.
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
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from actions.short_replies import age_reply, option_number

CHOOSE_OPTION = "choose_option"
TELL_AGE = "tell_age"


def short_reply_intent(text: str) -> str | None:
    if option_number(text) is not None:
        return CHOOSE_OPTION
    if age_reply(text) is not None:
        return TELL_AGE
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShortReplyClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShortReplyClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = short_reply_intent(message.get(TEXT) or "")
            if intent is None:
                continue
            chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            others = [
                {**ranked, PREDICTED_CONFIDENCE_KEY: 0.0}
                for ranked in message.get(INTENT_RANKING_KEY) or []
                if ranked.get(INTENT_NAME_KEY) != intent
            ]
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *others], add_to_output=True)
        return messages
