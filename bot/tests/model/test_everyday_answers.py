"""The trained model (bot/models) on everyday messages that earlier trainings took for risk:
answers to the callback form's questions and idioms that borrow a crisis's words. A new
training that flips one of them fails here, in seconds, with the message and its scores,
rather than as a crisis reply deep in an end-to-end conversation test.

Run after training by `make test` (target nlu-check); needs bot/models/care-leavers.tar.gz."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

BOT = Path(__file__).resolve().parents[2]
MODEL = BOT / "models" / "care-leavers.tar.gz"
ANSWERS = yaml.safe_load((Path(__file__).parent / "everyday_answers.yml").read_text())
CASES = [(group, text) for group, texts in ANSWERS.items() for text in texts]


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, Any]]:
    if not MODEL.exists():
        pytest.fail("no trained model: `make setup` trains it")
    from rasa.core.agent import Agent

    async def parse_all() -> dict[str, dict[str, Any]]:
        agent = Agent.load(str(MODEL))
        return {text: await agent.parse_message(text) for _, text in CASES}

    return asyncio.run(parse_all())


@pytest.mark.parametrize(("group", "text"), CASES)
def test_everyday_answer_is_not_taken_for_risk(
    parsed: dict[str, dict[str, Any]], group: str, text: str
) -> None:
    result = parsed[text]
    scores = {r["name"]: round(r["confidence"], 3) for r in result["intent_ranking"][:4]}
    assert result["intent"]["name"] != "risk", f"{group}: {text!r} read as risk; top: {scores}"
