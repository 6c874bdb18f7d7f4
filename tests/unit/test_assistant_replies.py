"""Reading Rasa's REST channel output."""

from __future__ import annotations

import pytest

from sms_gateway.assistant import AssistantUnavailable, parse_replies


def test_custom_payloads_carry_topic_and_sources() -> None:
    replies = parse_replies(
        [
            {"recipient_id": "x", "custom": {"text": "A", "topic": "staying-put",
                                             "sources": [{"id": "s"}]}},
            {"recipient_id": "x", "text": "B"},
            {"recipient_id": "x", "image": "http://example.org/i.png"},
        ]
    )  # fmt: skip
    assert [(r.text, r.topic, r.sources) for r in replies] == [
        ("A", "staying-put", [{"id": "s"}]),
        ("B", None, []),
    ]


def test_a_non_list_answer_counts_as_the_assistant_being_down() -> None:
    with pytest.raises(AssistantUnavailable):
        parse_replies({"error": "boom"})
