"""The knowledge validator passes the shipped content and catches each kind of mistake."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from devtools.evaluate import CONVERSATION_CASES, OUR_CASES
from devtools.processes import ROOT
from knowledge.loader import ARTICLES_DIR, COUNCILS_DIR
from knowledge.validate import (
    canonical_topics,
    eval_questions,
    example_key,
    load_superseded,
    validate,
)

TOPIC = "staying-put"


def errors(findings) -> list[str]:
    return [str(f) for f in findings if f.level == "error"]


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the shipped articles and councils."""
    articles, councils = tmp_path / "articles", tmp_path / "councils"
    shutil.copytree(ARTICLES_DIR, articles)
    shutil.copytree(COUNCILS_DIR, councils)
    return articles, councils


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_the_shipped_knowledge_base_has_no_errors() -> None:
    assert errors(validate()) == []


def test_every_canonical_topic_has_an_article() -> None:
    assert set(canonical_topics()) <= {p.stem for p in ARTICLES_DIR.glob("*.yml")}


def test_a_missing_canonical_topic_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    (articles / f"{TOPIC}.yml").unlink()
    assert any("canonical topic has no article" in e for e in errors(validate(articles, councils)))


def test_a_superseded_statement_in_an_answer_is_caught(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(
        articles / f"{TOPIC}.yml",
        lambda d: d.update(web=d["web"] + "\n\nYou can keep your PA until you are 21."),
    )
    found = errors(validate(articles, councils, only={TOPIC}))
    assert any("superseded statement 'pa-only-to-21'" in e for e in found)


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("The setting up home allowance is £2,000.", "setting-up-home-2000"),
        ("Apprentices get a £1,000 bursary.", "apprenticeship-bursary-1000"),
        ("You avoid the shared rate until 22.", "shared-rate-to-22"),
        ("You are in priority need until 22.", "priority-need-to-22"),
        ("Care leavers get free prescriptions until 25.", "free-prescriptions-as-a-right"),
        ("Ring Childline on 0800 1111.", "childline-for-everyone"),
        ("You can claim Income Support while at college.", "legacy-benefit-new-claims"),
    ],
)  # fmt: skip
def test_each_known_superseded_claim_is_recognised(sentence: str, claim: str) -> None:
    matching = [s.id for s in load_superseded() if s.matches(sentence)]
    assert claim in matching


@pytest.mark.parametrize(
    "sentence",
    [
        "You can have a PA up to 25, even if you are not in education.",
        "The government recommends at least £3,000, up from £2,000 before 1 April 2023.",
        "Free prescriptions for care leavers up to 25 were announced but are not in force yet.",
        "If you're under 19 you can call Childline on 0800 1111.",
        "Staying Put lasts up to your 21st birthday.",
    ],
)
def test_current_statements_are_not_flagged(sentence: str) -> None:
    assert [s.id for s in load_superseded() if s.matches(sentence)] == []


def test_an_sms_answer_over_two_segments_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(articles / f"{TOPIC}.yml", lambda d: d.update(sms=d["sms"] + " More words." * 10))
    assert any("SMS segments" in e for e in errors(validate(articles, councils, only={TOPIC})))


def test_typographic_quotes_do_not_count_against_the_sms_but_emoji_do(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(articles / f"{TOPIC}.yml", lambda d: d.update(sms="It\u2019s fine \u2013 ask."))
    assert errors(validate(articles, councils, only={TOPIC})) == []
    edit(articles / f"{TOPIC}.yml", lambda d: d.update(sms="It's fine \U0001f642"))
    assert any("UCS-2" in e for e in errors(validate(articles, councils, only={TOPIC})))


def test_a_proposal_must_be_worded_as_one(knowledge_copy) -> None:
    articles, councils = knowledge_copy

    def add_announced_rule(data: dict) -> None:
        data["rules"].append(
            {"text": "A new duty.", "status": "announced", "sources": [data["sources"][0]["id"]]}
        )

    edit(articles / f"{TOPIC}.yml", add_announced_rule)
    found = errors(validate(articles, councils, only={TOPIC}))
    assert any("'announced' but the answer never says so" in e for e in found)


def test_an_example_used_in_two_articles_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    other = next(p for p in sorted(articles.glob("*.yml")) if p.stem != TOPIC)
    borrowed = yaml.safe_load(other.read_text())["examples"][0]
    edit(articles / f"{TOPIC}.yml", lambda d: d["examples"].append(borrowed.upper() + "!"))
    assert any(f"is also in {other.stem}" in e for e in errors(validate(articles, councils)))


@pytest.mark.skipif(not eval_questions(), reason="evaluation questions not beside the repo")
def test_an_example_copied_from_the_evaluation_set_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(articles / f"{TOPIC}.yml", lambda d: d["examples"].append("what is staying close"))
    found = errors(validate(articles, councils, only={TOPIC}))
    assert any("copies an evaluation question" in e for e in found)


def test_an_old_review_date_is_reported_as_a_warning(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(articles / f"{TOPIC}.yml", lambda d: d.update(last_reviewed=dt.date(2024, 1, 1)))
    findings = validate(articles, councils, only={TOPIC}, today=dt.date(2026, 11, 22))
    assert [f.message for f in findings if f.level == "warning"] == [
        "last reviewed 2024-01-01: over 12 months ago"
    ]
    assert errors(findings) == []


def test_a_council_local_offer_line_too_long_for_sms_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(councils / "northbridge.yml", lambda d: d["local_offer"].update({TOPIC: "x " * 100}))
    found = errors(validate(articles, councils, only={TOPIC, "northbridge"}))
    assert any("northbridge local_offer staying-put" in e for e in found)


def test_held_out_evaluation_messages_are_not_training_examples() -> None:
    trained = {
        example_key(e)
        for path in ARTICLES_DIR.glob("*.yml")
        for e in yaml.safe_load(path.read_text())["examples"]
    }
    for path in (ROOT / "bot" / "data").glob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            trained |= {example_key(line[2:]) for line in block["examples"].splitlines()}
    # The scored (last) message of each case; short replies ("hi", "17") are the same
    # whoever writes them, so only questions count.
    messages = [
        case["messages"][-1]
        for cases in (OUR_CASES, CONVERSATION_CASES)
        for case in yaml.safe_load(cases.read_text())
        if len(case["messages"][-1].split()) > 2
    ]
    assert len(messages) > 100
    leaked = [m for m in messages if example_key(m) in trained]
    assert leaked == []


def test_an_amount_no_rule_states_is_an_error(knowledge_copy) -> None:
    articles, councils = knowledge_copy
    edit(articles / f"{TOPIC}.yml", lambda d: d.update(sms="Your carers get £250 a week."))
    found = errors(validate(articles, councils, only={TOPIC}))
    assert any("£250 appears in an answer but in no rule" in e for e in found)


def test_an_amount_a_rule_states_may_be_written_another_way(knowledge_copy) -> None:
    articles, councils = knowledge_copy

    def state_amount(data: dict) -> None:
        data["rules"][0]["text"] += " Carers get at least £3,000."
        data["sms"] = "Carers get at least £3k."

    edit(articles / f"{TOPIC}.yml", state_amount)
    assert errors(validate(articles, councils, only={TOPIC})) == []
