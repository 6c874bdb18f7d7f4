"""Every canonical topic answers through the running assistant, for both demo councils, by web
chat and by SMS, with its facts, its sources and the council's own offer where it has one.

The topic is asked for directly (Rasa's "/intent" message form), so this sweep checks the
content and the whole path that carries it, whatever the classifier makes of free text. How
well free-text questions are understood is scored by `make eval` on eval/topic-questions.yml.
"""

from __future__ import annotations

import re

import pytest
import yaml

from devtools.evaluate import OUR_CASES
from knowledge.loader import knowledge_base
from knowledge.render import MORE_PROMPT
from knowledge.sms_text import segments
from knowledge.training import intent_for
from tests.integration.conftest import LANCASHIRE_NUMBER, NORTHBRIDGE_NUMBER

# The action server's question, as sent (bot/actions/knowledge_answer.py).
ASK_AGE = "Some of this depends on your age. How old are you? I'll tell you what applies to you."

pytestmark = pytest.mark.integration

ARTICLES, COUNCILS = knowledge_base()
# The fact each topic's answer must state, from the held-out evaluation questions.
FACTS = {
    case["expect"]["topics"][0]: case["expect"]["mention"][0]
    for case in yaml.safe_load(OUR_CASES.read_text())
}
TOPICS = sorted(ARTICLES)
COUNCIL_NUMBERS = {"lancashire": LANCASHIRE_NUMBER, "northbridge": NORTHBRIDGE_NUMBER}
# The content is the same on either database; one is enough for this sweep.
ON_SQLITE = pytest.mark.parametrize("service", ["sqlite"], indirect=True)


def test_every_canonical_topic_has_a_fact_to_check() -> None:
    assert sorted(FACTS) == TOPICS


def assert_council_shapes(text: str, topic: str, council_id: str) -> None:
    council = COUNCILS[council_id]
    if topic in council.local_offer or ARTICLES[topic].council_contacts:
        assert council.name in text
    other = next(c for c in COUNCILS.values() if c.id != council_id)
    assert other.name not in text


@ON_SQLITE
@pytest.mark.parametrize("council", sorted(COUNCIL_NUMBERS))
@pytest.mark.parametrize("topic", TOPICS)
def test_web_chat_answers_each_topic(service, topic: str, council: str) -> None:
    reply, *after = service.chat("/" + intent_for(topic), council=council)["replies"]
    # Answers that depend on age are followed by "How old are you?" (asked once).
    assert [r["text"] for r in after] == ([ASK_AGE] if ARTICLES[topic].ask_age else [])
    assert reply["topic"] == topic
    assert re.search(FACTS[topic], reply["text"], re.IGNORECASE)
    assert ARTICLES[topic].web in reply["text"]
    assert {s.id for s in ARTICLES[topic].sources} <= {s["id"] for s in reply["sources"]}
    assert_council_shapes(reply["text"], topic, council)


@ON_SQLITE
@pytest.mark.parametrize("topic", TOPICS)
def test_sms_answers_each_topic_in_at_most_two_texts(service, young_person, topic) -> None:
    """The short answer (with the council's local offer) arrives whole, in at most two texts
    of at most two segments each (split between sentences), after the first-contact notice."""
    # Alternate councils so both are covered without doubling the sweep.
    council = sorted(COUNCIL_NUMBERS)[TOPICS.index(topic) % 2]
    service.text_in("/" + intent_for(topic), young_person, to=COUNCIL_NUMBERS[council])
    texts = service.answers_sent_to(young_person, expect=2 if ARTICLES[topic].ask_age else 1)
    bodies = [t["body"] for t in texts]
    if ARTICLES[topic].ask_age:
        assert bodies[-1] == ASK_AGE
        bodies = bodies[:-1]
    assert 1 <= len(bodies) <= 2, bodies
    assert {t["from"] for t in texts} == {COUNCIL_NUMBERS[council]}
    assert all(segments(body) <= 2 for body in bodies)
    answer = " ".join(bodies)
    assert re.search(FACTS[topic], answer, re.IGNORECASE), answer[:80]
    assert answer.endswith(MORE_PROMPT)
    assert_council_shapes(answer, topic, council)
