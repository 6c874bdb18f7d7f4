"""The conversation's actions, run on tracker fixtures as the action server would run them."""

from __future__ import annotations

import datetime as dt

import pytest
from action_fixtures import FakeService, run, slots_set, texts, tracker

from actions import escalation
from actions.context import LONDON
from actions.escalation import ActionCrisis, ActionRequestPerson, next_opening
from actions.knowledge_answer import ASK_AGE, ActionAnswerFromKnowledge, ActionAnswerMore
from actions.not_understood import FIRST_MISS, ActionNotUnderstood
from actions.options import ActionHandleShortReply
from actions.service_api import ServiceAPI
from knowledge.loader import knowledge_base
from knowledge.render import Profile, render

ARTICLES, COUNCILS = knowledge_base()
WEDNESDAY_11AM = dt.datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)
SATURDAY_NIGHT = dt.datetime(2026, 11, 28, 22, 0, tzinfo=LONDON)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService()
    monkeypatch.setattr(ServiceAPI, "from_environment", lambda: fake)
    return fake


def expected(topic: str, age: int | None = None, channel: str = "sms") -> str:
    return render(ARTICLES[topic], COUNCILS["lancashire"], Profile(age=age), channel).text


def test_answers_from_the_knowledge_base_for_the_council_and_channel() -> None:
    replies, events = run(ActionAnswerFromKnowledge(), tracker("stayin put?", "kb_staying_put"))
    assert replies[0]["topic"] == "staying-put"
    assert replies[0]["text"] == expected("staying-put")
    assert replies[0]["sources"]
    assert slots_set(events)["last_topic"] == "staying-put"


def test_asks_age_once_when_the_answer_depends_on_it() -> None:
    replies, events = run(
        ActionAnswerFromKnowledge(), tracker("can i get benefits", "kb_benefits_under_18")
    )
    # The general answer at once, then the question.
    assert [r["text"] for r in replies] == [expected("benefits-under-18"), ASK_AGE]
    assert slots_set(events)["age_asked"] is True
    assert slots_set(events)["pending_topic"] == "benefits-under-18"

    # Asked before and not answered: no second question.
    replies, _ = run(
        ActionAnswerFromKnowledge(),
        tracker("benefits?", "kb_benefits_under_18", slots={"age_asked": True}),
    )
    assert texts(replies) == expected("benefits-under-18")


def test_an_age_in_the_question_is_used_and_remembered() -> None:
    replies, events = run(
        ActionAnswerFromKnowledge(),
        tracker("I'm 17, can I claim UC", "kb_benefits_under_18"),
    )
    assert texts(replies) == expected("benefits-under-18", age=17)
    assert slots_set(events)["age"] == 17.0


def test_the_age_reply_answers_the_question_that_was_waiting_for_it() -> None:
    waiting = {"age_asked": True, "pending_topic": "junior-isa"}
    replies, events = run(ActionHandleShortReply(), tracker("im 19", "tell_age", slots=waiting))
    assert texts(replies) == expected("junior-isa", age=19)
    assert expected("junior-isa", age=19) != expected("junior-isa")  # the age mattered
    assert slots_set(events)["age"] == 19.0
    assert slots_set(events)["pending_topic"] is None


def test_a_remembered_age_fits_later_answers_without_asking() -> None:
    replies, _ = run(
        ActionAnswerFromKnowledge(),
        tracker("housing benefit?", "kb_housing_costs", slots={"age": 22.0}),
    )
    assert texts(replies) == expected("housing-costs", age=22)


def test_more_gives_the_full_answer_of_the_last_topic() -> None:
    replies, _ = run(
        ActionAnswerMore(), tracker("MORE", "more", slots={"last_topic": "pathway-plan"})
    )
    full = render(ARTICLES["pathway-plan"], COUNCILS["lancashire"], Profile(), "sms", full=True)
    assert texts(replies) == full.text


def test_close_topics_are_offered_as_numbered_options_by_sms() -> None:
    ranking = [("nlu_fallback", 0.5), ("kb_setting_up_home_allowance", 0.41),
               ("kb_housing_costs", 0.38), ("kb_council_tax", 0.02)]  # fmt: skip
    replies, events = run(
        ActionNotUnderstood(), tracker("money for my flat", "nlu_fallback", ranking=ranking)
    )
    text = texts(replies)
    assert "1. " + ARTICLES["setting-up-home-allowance"].title in text
    assert "2. " + ARTICLES["housing-costs"].title in text
    assert "Reply 1 or 2" in text
    assert "council tax" not in text.lower()
    assert [o["reply"] for o in replies[0]["options"]] == ["1", "2"]
    assert slots_set(events)["offered_options"] == [
        "topic:setting-up-home-allowance",
        "topic:housing-costs",
    ]


def test_web_options_come_as_buttons_without_the_sms_prompt() -> None:
    ranking = [("kb_staying_put", 0.45), ("kb_staying_close", 0.4)]
    replies, _ = run(ActionNotUnderstood(), tracker("stay", "nlu_fallback", channel="web",
                                                    ranking=ranking))  # fmt: skip
    assert [o["title"] for o in replies[0]["options"]] == [
        ARTICLES["staying-put"].title,
        ARTICLES["staying-close"].title,
    ]
    assert "Reply" not in replies[0]["text"]


def test_choosing_an_option_answers_that_topic() -> None:
    offered = {"offered_options": ["topic:staying-put", "topic:staying-close"]}
    replies, events = run(ActionHandleShortReply(), tracker("2", "choose_option", slots=offered))
    assert replies[0]["topic"] == "staying-close"
    assert slots_set(events)["offered_options"] is None

    replies, _ = run(ActionHandleShortReply(), tracker("the last one", "choose_option",
                                                       slots=offered))  # fmt: skip
    assert replies[0]["topic"] == "staying-close"

    replies, events = run(ActionHandleShortReply(), tracker("5", "choose_option", slots=offered))
    assert texts(replies) == "Please reply with a number from 1 to 2."
    assert "offered_options" not in slots_set(events)


def test_choosing_callback_or_person_starts_that() -> None:
    offered = {"offered_options": ["action:callback", "action:human"]}
    _, events = run(ActionHandleShortReply(), tracker("1", "choose_option", slots=offered))
    assert {"event": "followup", "name": "callback_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]
    _, events = run(ActionHandleShortReply(), tracker("2", "choose_option", slots=offered))
    assert any(e.get("name") == "action_request_person" for e in events)


def test_not_understood_twice_offers_a_callback_or_a_person_never_a_guess() -> None:
    low = [("nlu_fallback", 0.5), ("kb_care_records", 0.08), ("greet", 0.05)]
    replies, events = run(ActionNotUnderstood(), tracker("blorp", "nlu_fallback", ranking=low))
    assert texts(replies) == FIRST_MISS
    assert slots_set(events)["not_understood"] == 1.0

    replies, events = run(
        ActionNotUnderstood(),
        tracker("blorp blorp", "nlu_fallback", ranking=low, slots={"not_understood": 1.0}),
    )
    assert "don't want to guess" in texts(replies)
    assert slots_set(events)["offered_options"] == ["action:callback", "action:human"]
    assert all(r["topic"] == "not-understood" for r in replies)


def test_asking_for_a_person_in_office_hours(
    service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escalation, "now", lambda: WEDNESDAY_11AM)
    replies, _ = run(ActionRequestPerson(), tracker("real person pls", "human",
                                                    council="northbridge"))  # fmt: skip
    assert service.calls == [("escalate", ("conversation-1", "asked_for_person", False))]
    text = texts(replies)
    assert "reply to you here" in text
    assert "out-of-hours" not in text
    assert replies[0]["topic"] == "human"


def test_asking_for_a_person_out_of_hours_gives_the_out_of_hours_number(
    service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escalation, "now", lambda: SATURDAY_NIGHT)
    replies, _ = run(ActionRequestPerson(), tracker("human", "human", council="northbridge"))
    text = texts(replies)
    assert "isn't working right now" in text
    assert "on Monday from 8:30am" in text
    assert COUNCILS["northbridge"].out_of_hours_phone in text
    assert "CALLBACK" in text


def test_a_person_request_the_service_could_not_store_is_not_promised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ServiceAPI, "from_environment", lambda: FakeService(down=True))
    replies, _ = run(ActionRequestPerson(), tracker("human", "human", council="northbridge"))
    text = texts(replies)
    assert "couldn't pass this on" in text
    assert "01632 960 100" in text  # the team's own number instead


def test_crisis_gives_contacts_at_once_and_escalates_urgently(service: FakeService) -> None:
    replies, _ = run(ActionCrisis(), tracker("i want to die", "risk"))
    text = texts(replies)
    for contact in ("999", "116 123", "85258", "111"):
        assert contact in text
    assert service.calls == [("escalate", ("conversation-1", "risk", True))]
    assert replies[0]["topic"] == "crisis"
    assert "let the Lancashire" in text


def test_crisis_contacts_are_given_even_when_the_service_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ServiceAPI, "from_environment", lambda: FakeService(down=True))
    replies, _ = run(ActionCrisis(), tracker("took pills", "risk", slots={"age": 17.0}))
    text = texts(replies)
    assert "0800 1111" in text  # Childline for under 19s
    assert "let the" not in text


def test_next_opening_in_words() -> None:
    hours = COUNCILS["northbridge"].office_hours
    assert next_opening(hours, SATURDAY_NIGHT) == "on Monday from 8:30am"
    early = dt.datetime(2026, 11, 25, 7, 0, tzinfo=LONDON)
    assert next_opening(hours, early) == "today from 8:30am"
    assert next_opening(hours, WEDNESDAY_11AM) == "tomorrow from 8:30am"


def test_every_reply_says_what_nlu_understood_for_the_advisers_console() -> None:
    replies, _ = run(ActionAnswerFromKnowledge(), tracker("stayin put?", "kb_staying_put", 0.83))
    assert replies[0]["understood"] == {"intent": "kb_staying_put", "confidence": 0.83}


def test_a_miss_reports_nlus_closest_guess_not_the_fallback() -> None:
    ranked = [("nlu_fallback", 0.7), ("kb_staying_put", 0.2), ("greet", 0.1)]
    replies, _ = run(ActionNotUnderstood(), tracker("blorp", "nlu_fallback", 0.7, ranking=ranked))
    assert replies[0]["understood"] == {"intent": "kb_staying_put", "confidence": 0.2}
