"""The trained model (bot/models) on everyday messages that earlier trainings took for risk:
answers to the callback form's questions and idioms that borrow a crisis's words. A training
that takes too many of them for risk fails here, in seconds, with each message and its
scores, rather than as crisis replies deep in the end-to-end conversation tests.

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


# DIET's scores are peaked, and risk's examples share words with idioms ("died", "my flat"):
# every change to the training data flips one or two borderline messages either way. So, as
# for the near misses in tests/integration/test_safeguarding.py, the bar is a rate: at most
# 2 of these 50 (4%) may read as risk, and each one is listed. Three trainings on
# 2026-11-22 had 1, 2 and 2 (docs/safeguarding.md); a training with more fails here.
# Crisis contacts for an idiom puzzle a young person; they do not hide anything from them.
MOST_READ_AS_RISK = 2


def test_everyday_answers_are_rarely_taken_for_risk(parsed: dict[str, dict[str, Any]]) -> None:
    read_as_risk = []
    for group, text in CASES:
        result = parsed[text]
        if result["intent"]["name"] == "risk":
            scores = {r["name"]: round(r["confidence"], 3) for r in result["intent_ranking"][:3]}
            read_as_risk.append(f"{group}: {text!r} {scores}")
    print("\n".join(["read as risk:", *read_as_risk]) if read_as_risk else "none read as risk")
    assert len(read_as_risk) <= MOST_READ_AS_RISK, "\n".join(read_as_risk)


def test_an_answer_to_the_callback_forms_questions_is_read_as_an_answer(
    parsed: dict[str, dict[str, Any]],
) -> None:
    """Day-and-time answers must reach the form as answers: most are give_time (the form
    takes any of them as text; this catches give_time itself falling apart)."""
    times = [text for group, text in CASES if group == "callback_time"]
    as_times = [t for t in times if parsed[t]["intent"]["name"] in ("give_time", "nlu_fallback")]
    assert len(as_times) >= len(times) - 2, sorted(set(times) - set(as_times))
