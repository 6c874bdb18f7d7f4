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


def test_what_the_assistant_understood_is_read_and_bad_values_are_ignored() -> None:
    [good, missing, junk, high] = parse_replies(
        [
            {
                "custom": {
                    "text": "A",
                    "understood": {"intent": "kb_staying_put", "confidence": 0.87},
                }
            },
            {"custom": {"text": "B"}},
            {"custom": {"text": "C", "understood": {"intent": 3, "confidence": "x"}}},
            {"custom": {"text": "D", "understood": {"intent": "greet", "confidence": 7}}},
        ]
    )
    assert good.understood is not None
    assert (good.understood.intent, good.understood.confidence) == ("kb_staying_put", 0.87)
    assert missing.understood is None and junk.understood is None
    assert high.understood is not None and high.understood.confidence == 1.0


def test_malformed_sources_and_options_are_dropped_and_the_answer_kept() -> None:
    [reply] = parse_replies(
        [
            {
                "custom": {
                    "text": "A",
                    "sources": [
                        "a bare string",
                        {"id": "gov", "title": "GOV.UK", "url": "https://www.gov.uk/x"},
                        {"title": "Bad link", "url": "javascript:alert(1)"},
                        {"title": 7, "url": None},
                    ],
                    "options": [
                        {"number": "two", "title": "T", "reply": "t"},
                        {"number": "1", "title": "One", "reply": "one"},
                        {"title": "no number"},
                    ],
                }
            }
        ]
    )
    assert reply.text == "A"
    assert reply.sources == [
        {"id": "gov", "title": "GOV.UK", "url": "https://www.gov.uk/x"},
        {"title": "Bad link"},
    ]
    assert reply.options == [{"number": 1, "title": "One", "reply": "one"}]


def test_sources_that_are_not_a_list_give_none() -> None:
    [reply] = parse_replies([{"custom": {"text": "A", "sources": "https://x", "options": {}}}])
    assert reply.sources == [] and reply.options == []
