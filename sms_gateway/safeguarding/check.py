"""One check for every inbound message: the phrases first (exact, explainable, per council),
then the classifier for wordings no phrase foresaw."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from knowledge.model import Council
from sms_gateway.safeguarding.classifier import RiskClassifier
from sms_gateway.safeguarding.screen import RiskScreen, screen_for

FoundBy = Literal["phrase", "classifier"]


@dataclass(frozen=True)
class RiskFinding:
    category: str
    found_by: FoundBy
    evidence: str  # the phrase pattern that matched, or the classifier's probability


@dataclass(frozen=True)
class RiskCheck:
    finding: RiskFinding | None
    # The classifier's probability that the message is about risk at all; None when a
    # phrase decided, or there is no classifier. Sent to the assistant with the message:
    # its own risk intent stands down when the classifier is sure the message is ordinary.
    risk_probability: float | None = None


class Safeguard:
    def __init__(self, screen: RiskScreen, classifier: RiskClassifier | None = None) -> None:
        self._screen = screen
        self._classifier = classifier

    def check(self, text: str, council_id: str | None = None) -> RiskFinding | None:
        return self.assess(text, council_id).finding

    def assess(self, text: str, council_id: str | None = None) -> RiskCheck:
        hits = self._screen.screen(text, council_id)
        if hits:
            return RiskCheck(RiskFinding(hits[0].category, "phrase", hits[0].pattern))
        if text.startswith("/") or not self._classifier:
            return RiskCheck(None)  # "/intent" payloads of option buttons are not words
        probability, guess = self._classifier.assess(text)
        if guess:
            finding = RiskFinding(guess.category, "classifier", f"{guess.probability:.2f}")
            return RiskCheck(finding, probability)
        return RiskCheck(None, probability)


def safeguard_for(councils: Iterable[Council]) -> Safeguard:
    """The national and councils' phrases, and the classifier (trained now if not cached)."""
    screen = screen_for(councils)
    return Safeguard(screen, RiskClassifier.load_or_train(screen.lemmatised))
