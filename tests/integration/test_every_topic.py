"""Every canonical topic answers through the running assistant, for both demo councils, by web
chat and by SMS, with its facts, its sources and the council's own offer where it has one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge.loader import knowledge_base
from knowledge.render import MORE_PROMPT
from knowledge.sms_text import segments
from tests.integration.conftest import LANCASHIRE_NUMBER, NORTHBRIDGE_NUMBER

pytestmark = pytest.mark.integration

ARTICLES, COUNCILS = knowledge_base()
QUESTIONS = yaml.safe_load((Path(__file__).parent / "topic_questions.yml").read_text())
COUNCIL_NUMBERS = {"lancashire": LANCASHIRE_NUMBER, "northbridge": NORTHBRIDGE_NUMBER}
# The content is the same on either database; one is enough for this sweep.
ON_SQLITE = pytest.mark.parametrize("service", ["sqlite"], indirect=True)


def case_id(case: dict) -> str:
    return case["topic"]


def test_every_canonical_topic_has_a_held_out_question() -> None:
    assert sorted(case["topic"] for case in QUESTIONS) == sorted(ARTICLES)


def assert_council_shapes(text: str, topic: str, council_id: str) -> None:
    council = COUNCILS[council_id]
    if topic in council.local_offer:
        assert f"In {council.name}:" in text
    other = next(c for c in COUNCILS.values() if c.id != council_id)
    assert f"In {other.name}:" not in text


@ON_SQLITE
@pytest.mark.parametrize("council", sorted(COUNCIL_NUMBERS))
@pytest.mark.parametrize("case", QUESTIONS, ids=case_id)
def test_web_chat_answers_each_topic(service, case: dict, council: str) -> None:
    [reply] = service.chat(case["question"], council=council)["replies"]
    assert reply["topic"] == case["topic"], reply["text"][:80]
    assert re.search(case["fact"], reply["text"], re.IGNORECASE)
    assert {s.id for s in ARTICLES[case["topic"]].sources} <= {s["id"] for s in reply["sources"]}
    assert_council_shapes(reply["text"], case["topic"], council)


@ON_SQLITE
@pytest.mark.parametrize("case", QUESTIONS, ids=case_id)
def test_sms_answers_each_topic_in_at_most_three_texts(service, young_person, case) -> None:
    # Alternate councils so both are covered without doubling the sweep.
    council = sorted(COUNCIL_NUMBERS)[QUESTIONS.index(case) % 2]
    service.text_in(case["question"], young_person, to=COUNCIL_NUMBERS[council])
    [sms] = service.texts_sent_to(young_person)
    assert sms["from"] == COUNCIL_NUMBERS[council]
    assert re.search(case["fact"], sms["body"], re.IGNORECASE), sms["body"][:80]
    assert sms["body"].endswith(MORE_PROMPT) and segments(sms["body"]) <= 3
    assert_council_shapes(sms["body"], case["topic"], council)
