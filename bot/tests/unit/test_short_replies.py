"""Rules on top of the intent classifier: short replies (an option number, an age) and risk."""

from __future__ import annotations

import pytest

from actions.short_replies import LAST, age_in_text, age_reply, option_number
from components.risk_recall import promote_risk
from components.short_replies import CHOOSE_OPTION, TELL_AGE, short_reply_intent


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("2", 2), (" 3 ", 3), ("option 2", 2), ("no. 1", 1), ("3 pls", 3),
     ("the first one", 1), ("2nd", 2), ("second", 2), ("the last one", LAST), ("two", 2)],
)  # fmt: skip
def test_option_numbers(text: str, number: int) -> None:
    assert option_number(text) == number
    assert short_reply_intent(text) == CHOOSE_OPTION


@pytest.mark.parametrize(
    ("text", "age"),
    [("17", 17), ("im 19", 19), ("I'm 16", 16), ("I am 21 years old", 21), ("18 now", 18),
     ("just turned 18", 18), ("nearly 18", 17), ("twenty one", 21), ("sixteen yrs", 16),
     ("aged 20", 20)],
)  # fmt: skip
def test_age_replies(text: str, age: int) -> None:
    assert age_reply(text) == age
    assert short_reply_intent(text) == TELL_AGE


@pytest.mark.parametrize(
    "text",
    ["what is staying put", "im 17 can i claim uc", "i have 2 kids", "hi", "cancel my callback",
     "after 3", "friday at 2", "0800 1111"],
)  # fmt: skip
def test_everything_else_is_left_to_the_classifier(text: str) -> None:
    assert short_reply_intent(text) is None


@pytest.mark.parametrize(
    ("text", "age"),
    [("I'm 17, can I claim UC", 17), ("as a 20 year old can i get help", 20),
     ("im 16 and pregnant", 16), ("I'm 18 next month, what changes", 17),
     ("turning 18 soon what happens", 17), ("i have 2 kids", None), ("I got 50 pounds", None),
     ("i left care 3 years ago", None), ("im 5 minutes away", None),
     ("what help is there when I'm 18", None), ("what happens after im 21", None)],
)  # fmt: skip
def test_an_age_inside_a_question(text: str, age: int | None) -> None:
    assert age_in_text(text) == age


def test_risk_comes_first_whenever_it_is_close() -> None:
    ranking = [
        {"name": "kb_supported_lodgings", "confidence": 0.46},
        {"name": "risk", "confidence": 0.22},
        {"name": "kb_emergency_money", "confidence": 0.04},
    ]
    promoted = promote_risk(ranking, floor=0.2)
    assert promoted is not None
    assert promoted[0] == {"name": "risk", "confidence": 1.0}
    assert [r["name"] for r in promoted[1:]] == ["kb_supported_lodgings", "kb_emergency_money"]


def test_risk_far_below_the_top_is_left_alone() -> None:
    ranking = [{"name": "kb_staying_put", "confidence": 0.9}, {"name": "risk", "confidence": 0.05}]
    assert promote_risk(ranking, floor=0.2) is None
