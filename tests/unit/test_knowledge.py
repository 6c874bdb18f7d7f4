"""The knowledge base loads, renders per channel/age/council, and generates training data."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from knowledge.loader import (
    ARTICLES_DIR,
    KnowledgeError,
    knowledge_base,
    parse_article,
    parse_council,
)
from knowledge.model import age_band
from knowledge.render import MORE_PROMPT, Profile, render
from knowledge.training import intent_for, nlu_and_rules, topic_for, write

ARTICLES, COUNCILS = knowledge_base()


def raw_article(topic: str) -> dict:
    return yaml.safe_load((ARTICLES_DIR / f"{topic}.yml").read_text())


def test_every_article_is_complete() -> None:
    assert {"staying-put", "personal-adviser", "benefits-under-18"} <= set(ARTICLES)
    for article in ARTICLES.values():
        assert article.sources and article.rules and len(article.examples) >= 12
        assert isinstance(article.last_reviewed, dt.date)


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("sources", [], "'sources' is missing"),
        ("last_reviewed", "soon", "last_reviewed must be a date"),
        ("rules", [{"text": "x", "status": "rumour", "sources": ["seed-002-pa"]}], "rule status"),
        ("rules", [{"text": "x", "status": "law", "sources": ["made-up"]}], "unknown sources"),
        ("variants", [{"when": {"age": "30-40"}, "sms": "x"}], "variant age"),
    ],
)
def test_a_malformed_article_is_refused_with_the_reason(field, value, complaint) -> None:
    data = copy.deepcopy(raw_article("personal-adviser"))
    data[field] = value
    with pytest.raises(KnowledgeError, match=complaint):
        parse_article(data, "personal-adviser.yml")


def test_a_source_without_url_or_seed_is_refused() -> None:
    data = copy.deepcopy(raw_article("personal-adviser"))
    data["sources"][0] = {"id": data["sources"][0]["id"], "title": "hearsay"}
    with pytest.raises(KnowledgeError, match="needs a url or a seed"):
        parse_article(data, "personal-adviser.yml")


@pytest.mark.parametrize(
    ("age", "band"), [(None, None), (15, None), (16, "16-17"), (18, "18-20"), (21, "21-24"),
                      (24, "21-24"), (25, "25+")],
)  # fmt: skip
def test_age_bands(age, band) -> None:
    assert age_band(age) == band


def test_sms_gets_the_short_answer_and_offers_more() -> None:
    reply = render(ARTICLES["staying-put"], None, Profile(), "sms")
    assert "21st birthday" in reply.text
    assert reply.text.endswith(MORE_PROMPT)
    assert reply.has_more and reply.topic == "staying-put"


def test_web_gets_the_full_answer_with_sources() -> None:
    reply = render(ARTICLES["staying-put"], None, Profile(), "web")
    assert "Staying Close" in reply.text and MORE_PROMPT not in reply.text
    assert any(s.get("url", "").startswith("https://") for s in reply.sources)


def test_answer_is_fitted_to_age() -> None:
    pa = ARTICLES["personal-adviser"]
    assert "even if you are not in education" in render(pa, None, Profile(age=22), "sms").text
    assert "ends at your 25th birthday" in render(pa, None, Profile(age=25), "sms").text
    under_18 = render(ARTICLES["benefits-under-18"], None, Profile(age=18), "sms").text
    assert "28 days before your 18th birthday" in under_18


def test_answer_changes_with_the_council() -> None:
    article = ARTICLES["staying-put"]
    lancashire = render(article, COUNCILS["lancashire"], Profile(), "web").text
    northbridge = render(article, COUNCILS["northbridge"], Profile(), "web").text
    assert "In Lancashire:" in lancashire and "Northbridge" not in lancashire
    assert "In Northbridge (demo council):" in northbridge


def test_intents_and_topics_round_trip() -> None:
    for topic in ARTICLES:
        assert topic_for(intent_for(topic)) == topic
    assert topic_for("greet") is None


def test_generated_training_data_has_every_example_and_a_rule_per_article(tmp_path) -> None:
    data = nlu_and_rules(ARTICLES)
    by_intent = {item["intent"]: item["examples"] for item in data["nlu"]}
    for article in ARTICLES.values():
        examples = by_intent[intent_for(article.id)]
        assert all(f"- {e}\n" in examples for e in article.examples)
    assert {r["steps"][0]["intent"] for r in data["rules"]} == set(by_intent)
    # Deterministic: writing twice changes nothing the second time (so Rasa does not retrain).
    assert write(tmp_path, ARTICLES)
    assert write(tmp_path, ARTICLES) == []


def test_sms_asked_for_more_gets_the_full_answer_without_the_prompt() -> None:
    reply = render(ARTICLES["staying-put"], None, Profile(), "sms", full=True)
    assert reply.text == ARTICLES["staying-put"].web
    assert not reply.has_more


def test_sms_weaves_in_the_council_line_before_the_more_prompt() -> None:
    reply = render(ARTICLES["staying-put"], COUNCILS["lancashire"], Profile(), "sms")
    assert "In Lancashire:" in reply.text and reply.text.endswith(MORE_PROMPT)
    assert reply.text.index("In Lancashire:") > reply.text.index("21st birthday")


def test_a_council_choice_without_a_local_item_points_to_that_councils_local_offer() -> None:
    council = COUNCILS["northbridge"]
    reply = render(ARTICLES["benefits-under-18"], council, Profile(), "web")
    assert council.local_offer_url and council.local_offer_url in reply.text
    assert {"url": council.local_offer_url}.items() <= reply.sources[-1].items()


def test_the_most_specific_variant_wins() -> None:
    data = copy.deepcopy(raw_article("staying-put"))
    data["variants"] = [
        {"when": {"age": "18-20"}, "sms": "age only"},
        {"when": {"situation": "in-education"}, "sms": "studying"},
        {"when": {"age": "18-20", "situation": "in-education"}, "sms": "both"},
    ]
    article = parse_article(data, "staying-put.yml")
    studying = frozenset({"in-education"})

    def sms(profile: Profile) -> str:
        return render(article, None, profile, "sms").text

    assert sms(Profile(age=19, situations=studying)).startswith("both")
    assert sms(Profile(age=23, situations=studying)).startswith("studying")
    assert sms(Profile(age=19)).startswith("age only")
    assert sms(Profile(age=23)).startswith(article.sms)


def test_sms_text_is_sent_as_plain_gsm7() -> None:
    data = copy.deepcopy(raw_article("staying-put"))
    data["sms"] = "You\u2019re fine \u2013 ask your PA\u2026"
    reply = render(parse_article(data, "staying-put.yml"), None, Profile(), "sms")
    assert reply.text.startswith("You're fine - ask your PA...")


def test_office_hours_are_read_per_day_and_described_in_plain_words() -> None:
    hours = COUNCILS["northbridge"].office_hours
    friday_4pm = dt.datetime(2026, 11, 20, 16, 0)
    saturday_10am = dt.datetime(2026, 11, 21, 10, 0)
    assert hours.is_open(friday_4pm) and not hours.is_open(saturday_10am)
    council = parse_council(
        {
            "id": "x",
            "name": "X",
            "sms_numbers": ["+447700900999"],
            "leaving_care_team": {
                "office_hours": {"mon": "09:00-17:00", "tue": "09:00-17:00", "fri": "10:00-16:30"}
            },
        },
        "x.yml",
    )
    assert council.office_hours.describe() == "Mon-Tue 9am-5pm, Fri 10am-4:30pm"


@pytest.mark.parametrize(
    ("hours", "complaint"),
    [
        ({"monday": "09:00-17:00"}, "day 'monday'"),
        ({"mon": "9 till 5"}, "not HH:MM-HH:MM"),
        ({"mon": "17:00-09:00"}, "closes before it opens"),
        ("Monday to Friday", "must map days"),
    ],
)
def test_malformed_office_hours_are_refused(hours, complaint) -> None:
    data = {
        "id": "x",
        "name": "X",
        "sms_numbers": ["+1"],
        "leaving_care_team": {"office_hours": hours},
    }
    with pytest.raises(KnowledgeError, match=complaint):
        parse_council(data, "x.yml")
